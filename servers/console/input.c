/* The console's line discipline (see input.h). */
#include "input.h"

/* (Byte loops: the server is freestanding, and the moves go downwards.) */
static void copy_down(char *dst, const char *src, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        dst[i] = src[i];
}

/* Moves the edited line (plus a newline if asked) behind the typed-ahead
 * input; false, changing nothing, when it does not fit. */
static bool finish_line(struct cons_input *in, bool newline)
{
    uint32_t len = in->line_len + (newline ? 1u : 0u);
    if (len > CONS_INPUT_MAX - in->ready_len)
        return false;
    copy_down(in->ready + in->ready_len, in->line, in->line_len);
    if (newline)
        in->ready[in->ready_len + in->line_len] = '\n';
    in->ready_len += len;
    in->line_len = 0;
    return true;
}

enum input_result input_take(struct cons_input *in, char c, char echo[INPUT_ECHO_MAX],
                             uint32_t *echo_len)
{
    *echo_len = 0;
    switch (c) {
    case '\r':
    case '\n':
        if (!finish_line(in, true))
            return INPUT_FULL;
        echo[(*echo_len)++] = '\n';
        return INPUT_TAKEN;
    case 0x7f: /* DEL, what terminals send for backspace */
    case '\b':
        if (in->line_len > 0) {
            in->line_len--;
            copy_down(echo, "\b \b", 3);
            *echo_len = 3;
        }
        return INPUT_TAKEN;
    case 0x03: /* ^C */
        in->line_len = 0;
        copy_down(echo, "^C\n", 3);
        *echo_len = 3;
        return INPUT_INTERRUPT;
    case 0x04: /* ^D */
        if (in->line_len == 0)
            in->eof_pending = true;
        else if (!finish_line(in, false))
            return INPUT_FULL;
        return INPUT_TAKEN;
    default:
        if ((unsigned char)c < 0x20)
            return INPUT_TAKEN; /* other control characters: ignored */
        /* A full line goes on as a piece (the reader sees no newline yet):
         * cutting it would run its tail as a line of its own. */
        if (in->line_len == CONS_LINE_MAX && !finish_line(in, false))
            return INPUT_FULL;
        in->line[in->line_len++] = c;
        echo[(*echo_len)++] = c;
        return INPUT_TAKEN;
    }
}

int64_t input_peek(const struct cons_input *in, uint32_t want, bool *eof)
{
    *eof = false;
    if (in->ready_len == 0) {
        *eof = in->eof_pending;
        return in->eof_pending ? 0 : -1;
    }
    uint32_t n = 0;
    while (n < in->ready_len && n < want)
        if (in->ready[n++] == '\n')
            break;
    return n;
}

void input_consume(struct cons_input *in, uint32_t n)
{
    if (n == 0) {
        in->eof_pending = false;
        return;
    }
    if (n > in->ready_len)
        n = in->ready_len;
    copy_down(in->ready, in->ready + n, in->ready_len - n);
    in->ready_len -= n;
}
