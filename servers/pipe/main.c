/*
 * pipe: the pipe server. Pipes are ring buffers; ends are reference
 * counted over every client handle naming them (a fork clones handles), so
 * end of file comes when the last write end anywhere is closed, and EPIPE
 * when the last read end is. A blocked read or write waits in a saved
 * reply, one of each per pipe. Written with libsys's server framework:
 * the protocol is PIPE_OPS in include/proto/pipe.h.
 * Invariant: a pipe is in use while any handle names one of its ends.
 */
#include <sys/clients.h>
#include <sys/ipc.h>
#include <sys/mica.h>
#include <sys/server.h>

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
    uint8_t writer_data[PIPE_WRITE_MAX];
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
        struct pipe_write_rep rep = {0};
        err_t err = p->readers == 0 ? E_DEAD : E_OK;
        if (err == E_OK)
            rep.taken = put(p, p->writer_data, p->writer_len);
        (void)srv_reply_later(p->waiting_writer, PROTO_BUF_VAR, err, &rep, sizeof rep, 0);
        p->waiting_writer = 0;
    }
    if (p->waiting_reader && (p->len > 0 || p->writers == 0)) {
        static uint8_t data[PIPE_IO_MAX];
        uint32_t n = take(p, data, p->reader_want);
        (void)srv_reply_later(p->waiting_reader, PROTO_BUF, E_OK, data, n, 0);
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

PIPE_OPS(SRV_DECLARE)

SRV_HANDLER(pipe_stats)
{
    for (int i = 0; i < PIPE_MAX_PIPES; i++)
        rep->pipes += pipes[i].used;
    for (int i = 0; i < PIPE_MAX_HANDLES; i++)
        rep->ends += ends[i].used;
    rep->clients = clients_count(&clients);
    rep->my_pipes = clients_held(&clients, r->badge, KIND_PIPES);
    rep->my_ends = clients_held(&clients, r->badge, KIND_ENDS);
    return E_OK;
}

SRV_HANDLER(pipe_create)
{
    /* The caller's own limits first (E_LIMIT: EMFILE), then the shared
     * tables (E_NOSPACE: ENFILE). */
    uint64_t badge = r->badge;
    bool room_for_ends = clients_held(&clients, badge, KIND_ENDS) + 2 <=
                         clients_limit(&clients, badge, KIND_ENDS);
    err_t err = !room_for_ends ? E_LIMIT : srv_charge(r, KIND_PIPES, 1);
    if (err != E_OK)
        return err;
    int slot = -1;
    for (int i = 0; i < PIPE_MAX_PIPES && slot < 0; i++)
        if (!pipes[i].used)
            slot = i;
    if (slot < 0) {
        srv_uncharge(r, KIND_PIPES, 1);
        return E_NOSPACE;
    }
    pipes[slot] = (struct pipe){.used = true, .creator = badge};
    taken(&pipes_top, (uint32_t)slot);
    struct end *re = new_end(badge, (uint32_t)slot, false);
    struct end *we = re ? new_end(badge, (uint32_t)slot, true) : NULL;
    if (!we) {
        if (re)
            close_end(re); /* the last end: the pipe and its charge go */
        else
            srv_uncharge(r, KIND_PIPES, 1);
        pipes[slot].used = false;
        shrink_tops();
        return E_NOSPACE;
    }
    rep->read_end = re->handle;
    rep->write_end = we->handle;
    return E_OK;
}

SRV_HANDLER(pipe_read)
{
    struct end *e = end_of(r->badge, req->end);
    if (!e)
        return E_BADH;
    struct pipe *p = &pipes[e->pipe];
    if (e->is_write || req->max == 0 || req->max > PIPE_IO_MAX || req->_pad0)
        return E_INVAL;
    if (p->len > 0 || p->writers == 0) {
        r->rep_len = take(p, rep->data, req->max);
        settle(p); /* room for a waiting writer */
        return E_OK;
    }
    if (p->waiting_reader)
        return E_BUSY;
    int64_t saved = srv_defer(r);
    if (saved < 0)
        return (err_t)saved;
    p->waiting_reader = (handle_t)saved;
    p->reader_badge = r->badge;
    p->reader_want = req->max;
    return SRV_DEFER;
}

SRV_HANDLER(pipe_write)
{
    /* The table checked the length's upper bound (8 + PIPE_WRITE_MAX). */
    if (r->req_len < sizeof req->end)
        return E_INVAL;
    struct end *e = end_of(r->badge, req->end);
    if (!e)
        return E_BADH;
    struct pipe *p = &pipes[e->pipe];
    uint32_t len = r->req_len - (uint32_t)sizeof req->end;
    if (!e->is_write || len == 0)
        return E_INVAL;
    if (p->readers == 0)
        return E_DEAD;
    if (p->len < PIPE_CAPACITY) {
        rep->taken = put(p, req->data, len);
        settle(p); /* data for a waiting reader */
        return E_OK;
    }
    if (p->waiting_writer)
        return E_BUSY;
    int64_t saved = srv_defer(r);
    if (saved < 0)
        return (err_t)saved;
    memcpy(p->writer_data, req->data, len);
    p->waiting_writer = (handle_t)saved;
    p->writer_badge = r->badge;
    p->writer_len = len;
    return SRV_DEFER;
}

SRV_HANDLER(pipe_close)
{
    struct end *e = end_of(r->badge, req->end);
    if (!e)
        return E_BADH;
    close_end(e);
    return E_OK;
}

SRV_HANDLER(pipe_clone_client)
{
    uint64_t from = req->from_badge, to = req->to_badge;
    if (from == to || to == PIPE_PROC_BADGE)
        return E_INVAL;
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
            return err;
        }
        ends[free_slot] = *e;
        ends[free_slot].badge = to;
        taken(&ends_top, (uint32_t)free_slot);
        if (e->is_write)
            pipes[e->pipe].writers++;
        else
            pipes[e->pipe].readers++;
    }
    return E_OK;
}

SRV_HANDLER(pipe_drop_client)
{
    drop_client(req->badge);
    return E_OK;
}

static uint32_t classify(struct srv_req *r)
{
    if (r->badge == PIPE_PROC_BADGE)
        return PIPE_CALLER_PROC;
    return r->badge ? PIPE_CALLER_CLIENT : 0; /* unbadged: for minting only */
}

static const struct srv_op ops[] = {PIPE_OPS(SRV_ENTRY)};
static struct srv pipe_srv = {.name = "pipe", .ops = ops, .nops = SRV_NOPS(ops),
                              .classify = classify, .clients = &clients};

int main(uintptr_t arg)
{
    (void)arg;
    clients_init(&clients, client_storage, PIPE_MAX_CLIENTS, NKINDS,
                 (const uint32_t[NKINDS]){PIPE_CLIENT_PIPES, PIPE_CLIENT_ENDS});
    sys_puts("pipe: pipe server ready\n");
    srv_run(&pipe_srv, PIPE_SLOT_SERVICE);
}
