/*
 * liar: a server that lies in every reply, for liartest. Registered as
 * "liar", it answers any request with success, the most IPC-buffer data
 * a reply can carry (IPC_BUF_DATA_MAX bytes of 0xAA, whatever the
 * client asked for) and every word set to all ones (byte counts, handles,
 * cursors far beyond anything sent). The client stubs in libsys must copy
 * no more than their callers' buffers hold and believe no count larger
 * than what they sent. Requests whose first word (the handle or pipe end
 * of fs requests; the first 8 bytes of the buffer for pipe writes) is
 * LIAR_ZERO get a count of 0 and no data instead, and LIAR_HALF half of
 * what was sent: a write loop must stop, not ask again for ever.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <sys/ipc.h>
#include <sys/mica.h>
#include <sys/names.h>

#define LIAR_ZERO 2
#define LIAR_HALF 3

int main(void)
{
    int64_t ep = sys_endpoint_create();
    int64_t r = ep < 0 ? ep : names_register(NAMES_SLOT, "liar", (handle_t)ep);
    if (r < 0) {
        printf("liar: cannot register: %s\n", err_name((err_t)r));
        return 1;
    }
    printf("liar: serving as 'liar'\n");
    fflush(stdout);
    struct ipc_msg m;
    ipc_recv((handle_t)ep, &m);
    for (;;) {
        uint64_t first = m.w[0], sent = IPC_TAG_LEN(m.tag), in_buf = 0;
        /* A request whose handle leads the buffer (pipe's WRITE,
         * proto/pipe.h) carries it there, the data after it; its count
         * comes back in the buffer too. */
        if (sent >= 8)
            memcpy(&in_buf, ipc_buffer()->data, 8);
        bool buf_form = in_buf == LIAR_ZERO || in_buf == LIAR_HALF;
        if (buf_form) {
            first = in_buf;
            sent -= 8;
        }
        memset(ipc_buffer()->data, 0xAA, IPC_BUF_DATA_MAX);
        m.tag = IPC_TAG(0, IPC_BUF_DATA_MAX, 0);
        for (int i = 0; i < IPC_WORDS; i++)
            m.w[i] = ~0ull;
        if (first == LIAR_ZERO || first == LIAR_HALF) {
            uint64_t count = first == LIAR_ZERO ? 0 : (sent + 1) / 2; /* never 0 */
            m.tag = IPC_TAG(0, buf_form ? 8 : 0, 0);
            m.w[0] = count;
            memcpy(ipc_buffer()->data, &count, 8);
        }
        ipc_reply_recv((handle_t)ep, &m);
    }
}
