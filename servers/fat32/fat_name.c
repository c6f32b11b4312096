/*
 * File names: validating new long names (UTF-8 in, UCS-2 for LFN slots),
 * 8.3 short names and their alias generation with ~N tails (fatgen103
 * section 7), the LFN checksum, and case-insensitive comparison.
 */
#include "fat_priv.h"

static bool in_set(uint32_t c, const char *set)
{
    for (; *set; set++)
        if (c == (uint8_t)*set)
            return true;
    return false;
}

/* Characters no FAT name may hold (besides controls). */
static bool forbidden(uint32_t c)
{
    return c < 0x20 || c == 0x7F || in_set(c, "\"*/:<>?\\|");
}

/* Characters allowed in an 8.3 name besides A-Z and 0-9. */
static bool short_special(uint32_t c)
{
    return in_set(c, "$%'-_@~`!(){}^#&");
}

static bool short_char(uint32_t c)
{
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || short_special(c);
}

/* One UTF-8 sequence (BMP only: LFN slots hold UCS-2) at s[*i]. */
static bool utf8_next(const char *s, uint32_t len, uint32_t *i, uint32_t *out)
{
    const uint8_t *p = (const uint8_t *)s + *i;
    uint32_t left = len - *i;
    if (p[0] < 0x80) {
        *out = p[0];
        *i += 1;
        return true;
    }
    if (p[0] >= 0xC2 && p[0] <= 0xDF && left >= 2 && (p[1] & 0xC0) == 0x80) {
        *out = ((uint32_t)(p[0] & 0x1F) << 6) | (p[1] & 0x3F);
        *i += 2;
        return true;
    }
    if (p[0] >= 0xE0 && p[0] <= 0xEF && left >= 3 && (p[1] & 0xC0) == 0x80 &&
        (p[2] & 0xC0) == 0x80) {
        uint32_t c = ((uint32_t)(p[0] & 0x0F) << 12) | ((uint32_t)(p[1] & 0x3F) << 6) |
                     (p[2] & 0x3F);
        if (c < 0x800 || (c >= 0xD800 && c <= 0xDFFF))
            return false; /* overlong or a lone surrogate */
        *out = c;
        *i += 3;
        return true;
    }
    return false;
}

err_t fat_name_parse(const char *name, uint32_t len, uint16_t *ucs, uint32_t *nucs)
{
    if (len == 0 || len > FAT_NAME_MAX)
        return E_INVAL;
    if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
        return E_INVAL;
    /* Windows drops trailing dots and spaces silently; refusing them keeps
     * the stored name exactly the one asked for. */
    if (name[len - 1] == '.' || name[len - 1] == ' ')
        return E_INVAL;
    uint32_t n = 0;
    for (uint32_t i = 0; i < len;) {
        uint32_t c;
        if (!utf8_next(name, len, &i, &c) || forbidden(c) || n == FAT_NAME_MAX)
            return E_INVAL;
        ucs[n++] = (uint16_t)c;
    }
    *nucs = n;
    return E_OK;
}

bool fat_name_fits_short(const uint16_t *ucs, uint32_t n, uint8_t out[11])
{
    uint32_t dot = n;
    for (uint32_t i = 0; i < n; i++) {
        if (ucs[i] == '.') {
            if (dot != n)
                return false;
            dot = i;
        } else if (!short_char(ucs[i])) {
            return false;
        }
    }
    uint32_t ext = dot == n ? 0 : n - dot - 1;
    if (dot == 0 || dot > 8 || (dot != n && (ext == 0 || ext > 3)))
        return false;
    for (uint32_t i = 0; i < 11; i++)
        out[i] = ' ';
    for (uint32_t i = 0; i < dot; i++)
        out[i] = (uint8_t)ucs[i];
    for (uint32_t i = 0; i < ext; i++)
        out[8 + i] = (uint8_t)ucs[dot + 1 + i];
    return true;
}

/* The 8.3 character standing for c in an alias. */
static uint8_t alias_char(uint32_t c)
{
    if (c >= 'a' && c <= 'z')
        c = c - 'a' + 'A';
    return short_char(c) ? (uint8_t)c : '_';
}

void fat_name_basis(const uint16_t *ucs, uint32_t n, uint8_t out[11], bool *lossy)
{
    for (uint32_t i = 0; i < 11; i++)
        out[i] = ' ';
    /* Leading periods and all spaces are dropped. */
    uint32_t start = 0;
    while (start < n && (ucs[start] == '.' || ucs[start] == ' '))
        start++;
    uint32_t last_dot = n;
    for (uint32_t i = start; i < n; i++)
        if (ucs[i] == '.')
            last_dot = i;
    uint32_t b = 0;
    for (uint32_t i = start; i < last_dot && b < 8; i++) {
        if (ucs[i] == ' ')
            continue;
        if (ucs[i] == '.')
            break; /* the base stops at the first period */
        out[b++] = alias_char(ucs[i]);
    }
    if (b == 0)
        out[b++] = '_';
    uint32_t x = 0;
    for (uint32_t i = last_dot + 1; i < n && x < 3; i++)
        if (ucs[i] != ' ')
            out[8 + x++] = alias_char(ucs[i]);

    /* The alias may be the name itself only when it says the same thing
     * apart from case ("Readme.txt" -> README.TXT). */
    char disp[13];
    uint32_t dn = 0;
    for (uint32_t i = 0; i < b; i++)
        disp[dn++] = (char)out[i];
    if (x > 0) {
        disp[dn++] = '.';
        for (uint32_t i = 0; i < x; i++)
            disp[dn++] = (char)out[8 + i];
    }
    bool same = dn == n;
    for (uint32_t i = 0; same && i < n; i++)
        same = ucs[i] < 0x80 && ascii_upper((char)ucs[i]) == disp[i];
    *lossy = !same;
}

/* Length of the base part (the first 8 bytes without trailing spaces). */
static uint32_t base_len(const uint8_t name[11])
{
    uint32_t n = 8;
    while (n > 0 && name[n - 1] == ' ')
        n--;
    return n;
}

static uint32_t digit_count(uint32_t num)
{
    uint32_t d = 1;
    while (num >= 10) {
        num /= 10;
        d++;
    }
    return d;
}

void fat_name_tail(const uint8_t basis[11], uint32_t num, uint8_t out[11])
{
    uint32_t digits = digit_count(num);
    uint32_t keep = base_len(basis);
    if (keep > 8 - 1 - digits)
        keep = 8 - 1 - digits;
    for (uint32_t i = 0; i < 11; i++)
        out[i] = i < keep || i >= 8 ? basis[i] : ' ';
    out[keep] = '~';
    for (uint32_t i = digits; i > 0; i--) {
        out[keep + i] = (uint8_t)('0' + num % 10);
        num /= 10;
    }
}

uint32_t fat_name_tail_of(const uint8_t basis[11], const uint8_t name[11])
{
    if (!bytes_equal(basis + 8, name + 8, 3))
        return 0;
    uint32_t len = base_len(name);
    uint32_t tilde = len;
    for (uint32_t i = 0; i < len; i++)
        if (name[i] == '~')
            tilde = i;
    uint32_t digits = len - tilde - 1;
    if (tilde >= len || digits == 0 || digits > 6 || name[tilde + 1] == '0')
        return 0;
    uint32_t num = 0;
    for (uint32_t i = tilde + 1; i < len; i++) {
        if (name[i] < '0' || name[i] > '9')
            return 0;
        num = num * 10 + (name[i] - '0');
    }
    uint8_t expect[11];
    fat_name_tail(basis, num, expect);
    return bytes_equal(expect, name, 11) ? num : 0;
}

const uint8_t fat_lfn_offsets[LFN_CHARS] = {1,  3,  5,  7,  9,  14, 16,
                                            18, 20, 22, 24, 28, 30};

uint8_t fat_lfn_checksum(const uint8_t name[11])
{
    uint8_t sum = 0;
    for (uint32_t i = 0; i < 11; i++)
        sum = (uint8_t)(((sum & 1) ? 0x80 : 0) + (sum >> 1) + name[i]);
    return sum;
}

bool fat_short_name_valid(const uint8_t name[11])
{
    if (name[0] == ' ')
        return false;
    for (uint32_t i = 0; i < 11; i++) {
        uint8_t c = name[i];
        if (c < 0x20 && !(i == 0 && c == DIRENT_KANJI_E5))
            return false;
        if (c == '.' || (c >= 0x20 && forbidden(c)))
            return false;
    }
    /* Spaces only pad: nothing may follow one inside base or extension. */
    for (uint32_t i = 1; i < 8; i++)
        if (name[i - 1] == ' ' && name[i] != ' ')
            return false;
    for (uint32_t i = 9; i < 11; i++)
        if (name[i - 1] == ' ' && name[i] != ' ')
            return false;
    return true;
}

/* One short-name byte as shown to callers: lower-cased when the NT case
 * bit says so; OEM bytes above 0x7F (not ASCII) become '_'. */
static char shown(uint8_t c, bool lower)
{
    if (c >= 0x80)
        return '_';
    if (lower && c >= 'A' && c <= 'Z')
        return (char)(c - 'A' + 'a');
    return (char)c;
}

uint32_t fat_short_display(const uint8_t *ent, char out[13])
{
    uint8_t nt = ent[DE_NTRES];
    uint32_t n = 0;
    uint32_t bl = base_len(ent);
    for (uint32_t i = 0; i < bl; i++) {
        uint8_t c = i == 0 && ent[0] == DIRENT_KANJI_E5 ? 0xE5 : ent[i];
        out[n++] = shown(c, nt & NTRES_LOWER_BASE);
    }
    uint32_t xl = 3;
    while (xl > 0 && ent[8 + xl - 1] == ' ')
        xl--;
    if (xl > 0) {
        out[n++] = '.';
        for (uint32_t i = 0; i < xl; i++)
            out[n++] = shown(ent[8 + i], nt & NTRES_LOWER_EXT);
    }
    out[n] = '\0';
    return n;
}

bool fat_ucs_name_ok(const uint16_t *ucs, uint32_t n)
{
    if (n == 0)
        return false;
    for (uint32_t i = 0; i < n; i++)
        if (forbidden(ucs[i]) || (ucs[i] >= 0xD800 && ucs[i] <= 0xDFFF))
            return false;
    return true;
}

uint32_t fat_ucs_to_utf8(const uint16_t *ucs, uint32_t n, char *out, uint32_t cap)
{
    uint32_t len = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t c = ucs[i];
        uint32_t need = c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
        if (len + need >= cap)
            return 0;
        if (need == 1) {
            out[len++] = (char)c;
        } else if (need == 2) {
            out[len++] = (char)(0xC0 | (c >> 6));
            out[len++] = (char)(0x80 | (c & 0x3F));
        } else {
            out[len++] = (char)(0xE0 | (c >> 12));
            out[len++] = (char)(0x80 | ((c >> 6) & 0x3F));
            out[len++] = (char)(0x80 | (c & 0x3F));
        }
    }
    out[len] = '\0';
    return len;
}

bool fat_name_equal(const char *a, uint32_t alen, const char *b, uint32_t blen)
{
    if (alen != blen)
        return false;
    for (uint32_t i = 0; i < alen; i++)
        if (ascii_upper(a[i]) != ascii_upper(b[i]))
            return false;
    return true;
}
