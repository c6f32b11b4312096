/*
 * The console's line discipline: the line being edited and the input
 * typed ahead that no reader has taken yet. Pure (no IPC, no UART), so
 * host-tested (tests/host/test_console.c). Invariants: every byte typed is
 * delivered once, in order, or refused before it is taken (INPUT_FULL: the
 * UART keeps it); a line longer than CONS_LINE_MAX goes on in pieces
 * rather than being cut.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <proto/console.h>

struct cons_input {
    char line[CONS_LINE_MAX]; /* being edited: echo, backspace */
    uint32_t line_len;
    char ready[CONS_INPUT_MAX]; /* finished input, oldest first */
    uint32_t ready_len;
    bool eof_pending; /* ^D on an empty line: a read of 0 bytes is owed */
};

enum input_result {
    INPUT_TAKEN,     /* the byte is in (echo says what to show) */
    INPUT_INTERRUPT, /* ^C: the line is dropped; signal the foreground */
    INPUT_FULL,      /* no room: the byte was not taken; offer it again later */
};

#define INPUT_ECHO_MAX 4

/* Feeds one byte from the UART. echo gets what to print (echo_len bytes,
 * "\n" meaning a new line). */
enum input_result input_take(struct cons_input *in, char c, char echo[INPUT_ECHO_MAX],
                             uint32_t *echo_len);

/* What the next reader wanting up to `want` bytes gets: returns the
 * number of bytes at in->ready (up to and including the first newline),
 * 0 with *eof for an end of file, or -1 when there is nothing yet. Takes
 * nothing: call input_consume once the reader has it. */
int64_t input_peek(const struct cons_input *in, uint32_t want, bool *eof);

/* Takes what input_peek offered (n bytes, or the end of file when n == 0). */
void input_consume(struct cons_input *in, uint32_t n);
