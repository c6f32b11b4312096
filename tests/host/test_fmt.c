/* Tests the printf-style formatter shared by the kernel and libsys. */
#include <stdint.h>
#include <string.h>

#include <lib/fmt.h>

#include "check.h"

#define CHECK_FMT(expect, ...)                                              \
    do {                                                                    \
        char buf_[128];                                                     \
        int n_ = fmt_snprintf(buf_, sizeof(buf_), __VA_ARGS__);             \
        CHECK(strcmp(buf_, expect) == 0);                                   \
        CHECK(n_ == (int)strlen(expect));                                   \
        if (strcmp(buf_, expect) != 0)                                      \
            fprintf(stderr, "  got \"%s\", expected \"%s\"\n", buf_, expect); \
    } while (0)

int main(void)
{
    CHECK_FMT("plain", "plain");
    CHECK_FMT("42 -7 0", "%d %d %d", 42, -7, 0);
    CHECK_FMT("-9223372036854775808", "%ld", INT64_MIN);
    CHECK_FMT("18446744073709551615", "%lu", UINT64_MAX);
    CHECK_FMT("ffffffc080200000", "%lx", 0xffffffc080200000ul);
    CHECK_FMT("DEAD", "%X", 0xdeadu);
    CHECK_FMT("0x1000", "%p", (void *)0x1000);
    CHECK_FMT("[   7]", "[%4d]", 7);
    CHECK_FMT("[7   ]", "[%-4d]", 7);
    CHECK_FMT("[0007]", "[%04d]", 7);
    CHECK_FMT("[-007]", "[%04d]", -7);
    CHECK_FMT("[00000000000000ff]", "[%016lx]", 0xfful);
    CHECK_FMT("[  ab]", "[%4s]", "ab");
    CHECK_FMT("[ab  ]", "[%-4s]", "ab");
    /* Formats the compiler would reject go through variables. */
    const char *volatile null_str = NULL;
    const char *volatile bad_conv = "%q";
    const char *volatile trailing = "ab%";
    CHECK_FMT("(null)", "%s", null_str);
    CHECK_FMT("x%", "%c%%", 'x');
    CHECK_FMT("%q", bad_conv);
    CHECK_FMT("12", "%zu", (size_t)12);

    /* Truncation: always terminated, returns the full length. */
    char small[5];
    int n = fmt_snprintf(small, sizeof(small), "%s", "abcdefgh");
    CHECK(n == 8);
    CHECK(strcmp(small, "abcd") == 0);
    n = fmt_snprintf(small, 0, "abc");
    CHECK(n == 3);
    /* A '%' at the very end must not read past the string. */
    char buf[8];
    n = fmt_snprintf(buf, sizeof(buf), trailing);
    CHECK(strcmp(buf, "ab") == 0);
    return check_finish("test_fmt");
}
