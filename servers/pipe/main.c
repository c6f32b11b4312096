/*
 * pipe: the pipe server. Pipes are ring buffers; ends are reference
 * counted over every client handle naming them (a fork clones handles), so
 * end of file comes when the last write end anywhere is closed, and EPIPE
 * when the last read end is. A blocked read or write waits in a saved
 * reply, one of each per pipe.
 * Invariant: a pipe is in use while any handle names one of its ends.
 */
#include <sys/clients.h>
#include <sys/ipc.h>
#include <sys/mica.h>

#include <proto/pipe.h>

struct pipe {
    bool used;
    uint64_t creator;          /* charged for the pipe until it is free; 0: it ended */
    uint32_t readers, writers; /* handles naming each end */
    uint8_t buf[PIPE_CAPACITY];
    uint32_t head, len;
    handle_t waiting_reader;   /* saved reply, 0: none */
    uint64_t reader_badge;
    uint32_t reader_want;
    handle_t waiting_writer;
    uint64_t writer_badge;
    uint32_t writer_len;
    uint8_t writer_data[PIPE_IO_MAX];
};

struct end {
    bool used, is_write;
    uint32_t handle;  /* the client's number for it */
    uint32_t pipe;
    uint64_t badge;
};

static struct pipe pipes[PIPE_MAX_PIPES];
static struct end ends[PIPE_MAX_HANDLES];
/* 1 + the highest index in use: walks over the tables stop there, so a
 * fork's clone and an exit's drop cost what is in use (entries are taken
 * lowest first), not the size of the tables. */
static uint32_t ends_top, pipes_top;

static void taken(uint32_t *top, uint32_t i)
{
    if (i + 1 > *top)
        *top = i + 1;
}

static void shrink_tops(void)
{
    while (ends_top && !ends[ends_top - 1].used)
        ends_top--;
    while (pipes_top && !pipes[pipes_top - 1].used)
        pipes_top--;
}

/* Per-process limits (docs/limits.md): pipes a process created that are
 * still open anywhere (its children may hold the ends: the pipe stays
 * its creator's), and ends it holds. */
enum { KIND_PIPES, KIND_ENDS, NKINDS };
static struct clients_entry client_storage[PIPE_MAX_CLIENTS];
static struct clients clients;

static void reply_err(struct ipc_msg *m, err_t err)
{
    m->tag = IPC_TAG((uint64_t)(int64_t)err & 0xffffffffffffull, 0, 0);
}

static struct end *end_of(uint64_t badge, uint64_t h)
{
    for (uint32_t i = 0; i < ends_top; i++)
        if (ends[i].used && ends[i].badge == badge && ends[i].handle == h)
            return &ends[i];
    return NULL;
}

static struct end *new_end(uint64_t badge, uint32_t pipe, bool is_write)
{
    if (clients_charge(&clients, badge, KIND_ENDS, 1) != E_OK)
        return NULL;
    uint32_t h = 0;
    while (h < PIPE_MAX_HANDLES && end_of(badge, h))
        h++;
    for (int i = 0; i < PIPE_MAX_HANDLES && h < PIPE_MAX_HANDLES; i++) {
        if (ends[i].used)
            continue;
        ends[i] = (struct end){.used = true, .is_write = is_write, .handle = h, .pipe = pipe,
                               .badge = badge};
        taken(&ends_top, (uint32_t)i);
        if (is_write)
            pipes[pipe].writers++;
        else
            pipes[pipe].readers++;
        return &ends[i];
    }
    clients_uncharge(&clients, badge, KIND_ENDS, 1);
    return NULL;
}

/* Moves up to want bytes out of the pipe into dst. */
static uint32_t take(struct pipe *p, uint8_t *dst, uint32_t want)
{
    uint32_t n = p->len < want ? p->len : want;
    for (uint32_t i = 0; i < n; i++)
        dst[i] = p->buf[(p->head + i) % PIPE_CAPACITY];
    p->head = (p->head + n) % PIPE_CAPACITY;
    p->len -= n;
    return n;
}

static uint32_t put(struct pipe *p, const uint8_t *src, uint32_t len)
{
    uint32_t room = PIPE_CAPACITY - p->len, n = len < room ? len : room;
    for (uint32_t i = 0; i < n; i++)
        p->buf[(p->head + p->len + i) % PIPE_CAPACITY] = src[i];
    p->len += n;
    return n;
}

/* Wakes whoever can go on now. */
static void settle(struct pipe *p)
{
    if (p->waiting_writer && (p->len < PIPE_CAPACITY || p->readers == 0)) {
        struct ipc_msg m = {.tag = IPC_TAG(0, 0, 0)};
        if (p->readers == 0) {
            reply_err(&m, E_DEAD);
        } else {
            m.w[0] = put(p, p->writer_data, p->writer_len);
        }
        (void)ipc_reply_to(p->waiting_writer, &m);
        p->waiting_writer = 0;
    }
    if (p->waiting_reader && (p->len > 0 || p->writers == 0)) {
        uint32_t n = take(p, ipc_buffer()->data, p->reader_want);
        struct ipc_msg m = {.tag = IPC_TAG(0, n, 0)};
        (void)ipc_reply_to(p->waiting_reader, &m);
        p->waiting_reader = 0;
        /* Room again: a waiting writer may go on. */
        if (p->waiting_writer)
            settle(p);
    }
}

static void close_end(struct end *e)
{
    struct pipe *p = &pipes[e->pipe];
    if (e->is_write)
        p->writers--;
    else
        p->readers--;
    e->used = false;
    clients_uncharge(&clients, e->badge, KIND_ENDS, 1);
    settle(p);
    if (p->readers == 0 && p->writers == 0) {
        p->used = false;
        if (p->creator)
            clients_uncharge(&clients, p->creator, KIND_PIPES, 1);
    }
    shrink_tops();
}

static void drop_client(uint64_t badge)
{
    for (uint32_t i = 0; i < pipes_top; i++) {
        struct pipe *p = &pipes[i];
        /* Its blocked calls go away with it: answers would be dropped. */
        if (p->waiting_reader && p->reader_badge == badge) {
            (void)sys_cap_delete(p->waiting_reader);
            p->waiting_reader = 0;
        }
        if (p->waiting_writer && p->writer_badge == badge) {
            (void)sys_cap_delete(p->waiting_writer);
            p->waiting_writer = 0;
        }
    }
    for (uint32_t i = 0; i < ends_top; i++)
        if (ends[i].used && ends[i].badge == badge)
            close_end(&ends[i]);
    /* Its pipes that others still hold are charged to nobody now. */
    for (uint32_t i = 0; i < pipes_top; i++)
        if (pipes[i].used && pipes[i].creator == badge)
            pipes[i].creator = 0;
    (void)clients_drop(&clients, badge, NULL);
}

/* Returns false when the reply was saved for later. */
static bool dispatch_client(struct ipc_msg *m, uint64_t badge)
{
    uint64_t op = IPC_TAG_LABEL(m->tag);
    if (op == PIPE_OP_STATS) {
        uint64_t np = 0, ne = 0;
        for (int i = 0; i < PIPE_MAX_PIPES; i++)
            np += pipes[i].used;
        for (int i = 0; i < PIPE_MAX_HANDLES; i++)
            ne += ends[i].used;
        m->tag = IPC_TAG(0, 0, 0);
        m->w[0] = np;
        m->w[1] = ne;
        m->w[2] = clients_count(&clients);
        m->w[3] = clients_held(&clients, badge, KIND_PIPES);
        m->w[4] = clients_held(&clients, badge, KIND_ENDS);
        return true;
    }
    if (op == PIPE_OP_CREATE) {
        /* The caller's own limits first (E_LIMIT: EMFILE), then the shared
         * tables (E_NOSPACE: ENFILE). */
        bool room_for_ends = clients_held(&clients, badge, KIND_ENDS) + 2 <=
                             clients_limit(&clients, badge, KIND_ENDS);
        err_t err = !room_for_ends ? E_LIMIT : clients_charge(&clients, badge, KIND_PIPES, 1);
        if (err != E_OK)
            { reply_err(m, err); return true; }
        int slot = -1;
        for (int i = 0; i < PIPE_MAX_PIPES && slot < 0; i++)
            if (!pipes[i].used)
                slot = i;
        if (slot < 0) {
            clients_uncharge(&clients, badge, KIND_PIPES, 1);
            reply_err(m, E_NOSPACE);
            return true;
        }
        pipes[slot] = (struct pipe){.used = true, .creator = badge};
        taken(&pipes_top, (uint32_t)slot);
        struct end *r = new_end(badge, (uint32_t)slot, false);
        struct end *w = r ? new_end(badge, (uint32_t)slot, true) : NULL;
        if (!w) {
            if (r)
                close_end(r); /* the last end: the pipe and its charge go */
            else
                clients_uncharge(&clients, badge, KIND_PIPES, 1);
            pipes[slot].used = false;
            shrink_tops();
            reply_err(m, E_NOSPACE);
            return true;
        }
        m->tag = IPC_TAG(0, 0, 0);
        m->w[0] = r->handle;
        m->w[1] = w->handle;
        return true;
    }
    struct end *e = end_of(badge, m->w[0]);
    if (!e)
        { reply_err(m, op >= PIPE_OP_READ && op <= PIPE_OP_CLOSE ? E_BADH : E_NOSYS); return true; }
    struct pipe *p = &pipes[e->pipe];
    switch (op) {
    case PIPE_OP_READ: {
        uint64_t want = m->w[1];
        if (e->is_write || want == 0 || want > PIPE_IO_MAX)
            { reply_err(m, E_INVAL); return true; }
        if (p->len > 0 || p->writers == 0) {
            uint32_t n = take(p, ipc_buffer()->data, (uint32_t)want);
            m->tag = IPC_TAG(0, n, 0);
            settle(p); /* room for a waiting writer */
            return true;
        }
        if (p->waiting_reader)
            { reply_err(m, E_BUSY); return true; }
        int64_t saved = ipc_reply_save();
        if (saved < 0)
            { reply_err(m, (err_t)saved); return true; }
        p->waiting_reader = (handle_t)saved;
        p->reader_badge = badge;
        p->reader_want = (uint32_t)want;
        return false;
    }
    case PIPE_OP_WRITE: {
        uint64_t len = IPC_TAG_LEN(m->tag);
        if (!e->is_write || (m->tag & IPC_TAG_TRUNCATED) || len == 0 || len > PIPE_IO_MAX)
            { reply_err(m, E_INVAL); return true; }
        if (p->readers == 0)
            { reply_err(m, E_DEAD); return true; }
        if (p->len < PIPE_CAPACITY) {
            uint32_t n = put(p, ipc_buffer()->data, (uint32_t)len);
            m->tag = IPC_TAG(0, 0, 0);
            m->w[0] = n;
            settle(p); /* data for a waiting reader */
            return true;
        }
        if (p->waiting_writer)
            { reply_err(m, E_BUSY); return true; }
        int64_t saved = ipc_reply_save();
        if (saved < 0)
            { reply_err(m, (err_t)saved); return true; }
        memcpy(p->writer_data, ipc_buffer()->data, len);
        p->waiting_writer = (handle_t)saved;
        p->writer_badge = badge;
        p->writer_len = (uint32_t)len;
        return false;
    }
    case PIPE_OP_CLOSE:
        close_end(e);
        m->tag = IPC_TAG(0, 0, 0);
        return true;
    default: reply_err(m, E_NOSYS); return true;
    }
}

static void dispatch_proc(struct ipc_msg *m)
{
    uint64_t from = m->w[0], to = m->w[1];
    switch (IPC_TAG_LABEL(m->tag)) {
    case PIPE_OP_CLONE_CLIENT:
        if (from == to || to == PIPE_PROC_BADGE)
            { reply_err(m, E_INVAL); return; }
        drop_client(to);
        for (uint32_t i = 0; i < ends_top; i++) {
            struct end *e = &ends[i];
            if (!e->used || e->badge != from)
                continue;
            int free_slot = -1;
            for (int k = 0; k < PIPE_MAX_HANDLES && free_slot < 0; k++)
                if (!ends[k].used)
                    free_slot = k;
            err_t err = free_slot < 0 ? E_NOSPACE : clients_charge(&clients, to, KIND_ENDS, 1);
            if (err != E_OK) {
                drop_client(to);
                reply_err(m, err);
                return;
            }
            ends[free_slot] = *e;
            ends[free_slot].badge = to;
            taken(&ends_top, (uint32_t)free_slot);
            if (e->is_write)
                pipes[e->pipe].writers++;
            else
                pipes[e->pipe].readers++;
        }
        m->tag = IPC_TAG(0, 0, 0);
        return;
    case PIPE_OP_DROP_CLIENT:
        drop_client(from);
        m->tag = IPC_TAG(0, 0, 0);
        return;
    default: reply_err(m, E_NOSYS); return;
    }
}

int main(uintptr_t arg)
{
    (void)arg;
    clients_init(&clients, client_storage, PIPE_MAX_CLIENTS, NKINDS,
                 (const uint32_t[NKINDS]){PIPE_CLIENT_PIPES, PIPE_CLIENT_ENDS});
    sys_puts("pipe: pipe server ready\n");
    struct ipc_msg m;
    int64_t badge = ipc_recv(PIPE_SLOT_SERVICE, &m);
    for (;;) {
        bool answer = true;
        if (badge == (int64_t)PIPE_PROC_BADGE)
            dispatch_proc(&m);
        else if (badge > 0)
            answer = dispatch_client(&m, (uint64_t)badge);
        else
            reply_err(&m, E_PERM); /* the unbadged capability is for minting only */
        badge = answer ? ipc_reply_recv(PIPE_SLOT_SERVICE, &m) : ipc_recv(PIPE_SLOT_SERVICE, &m);
    }
}
