/*
 * pager: the example custom pager, a boot server (bootimg/manifest:
 * "server pager register=pager ram=4M"). It keeps memory objects in the
 * RAM root gave it and answers mm's memory-object requests with frame
 * capabilities for their pages, so clients' page faults in a mapping of an
 * object are resolved by this server: zero-filled and logged on the first
 * touch, the same frame for every process mapping the object after that.
 * Invariant: an object's page, once given a frame, keeps it (objects live
 * as long as the pager).
 */
#include <sys/ipc.h>
#include <sys/mica.h>
#include <sys/server.h>

#include <mica/bootsrv.h>
#include <proto/fs.h>
#include <proto/pager.h>

#define RAM_VA 0x2000000000ull
#define PAGE 4096ull
#define NO_FRAME UINT32_MAX

static uint8_t *ram;
static uint32_t ram_pages, next_free;

static struct object {
    bool used, quiet;
    uint64_t npages, touched, supplied, caps;
    uint32_t frame[PAGER_MAX_PAGES]; /* page index -> RAM page, NO_FRAME: none yet */
} objects[PAGER_MAX_OBJECTS];

static struct object *object_of(uint64_t id)
{
    return id < PAGER_MAX_OBJECTS && objects[id].used ? &objects[id] : NULL;
}

/* An object capability: our endpoint badged with the object. */
static err_t object_cap(uint64_t id, struct srv_caps *caps)
{
    int64_t cap = sys_cap_copy(BOOT_SRV_SLOT_SERVICE, RIGHT_WRITE | RIGHT_GRANT,
                               PAGER_OBJ_BADGE | id);
    if (cap < 0)
        return (err_t)cap;
    caps->send[0] = (handle_t)cap;
    caps->nsend = 1;
    caps->drop_sent = true;
    objects[id].caps++;
    return E_OK;
}

static err_t op_create(void *ctx, uint64_t badge, const void *req, uint32_t len, void *rep,
                       uint32_t *rep_len, struct srv_caps *caps)
{
    (void)ctx, (void)badge, (void)len;
    const struct pager_create_req *r = req;
    uint64_t npages = r->npages;
    if (npages == 0 || npages > PAGER_MAX_PAGES || (r->flags & ~PAGER_QUIET) || r->_pad0)
        return E_INVAL;
    for (uint64_t id = 0; id < PAGER_MAX_OBJECTS; id++) {
        struct object *o = &objects[id];
        if (o->used)
            continue;
        *o = (struct object){.used = true, .npages = npages, .quiet = r->flags & PAGER_QUIET};
        for (uint64_t i = 0; i < PAGER_MAX_PAGES; i++)
            o->frame[i] = NO_FRAME;
        err_t err = object_cap(id, caps);
        if (err != E_OK) {
            o->used = false;
            return err;
        }
        ((struct pager_id_rep *)rep)->id = id;
        *rep_len = sizeof(struct pager_id_rep);
        sys_printf("pager: object %lu created, %lu pages\n", id, npages);
        return E_OK;
    }
    return E_NOSPACE;
}

static err_t op_open(void *ctx, uint64_t badge, const void *req, uint32_t len, void *rep,
                     uint32_t *rep_len, struct srv_caps *caps)
{
    (void)ctx, (void)badge, (void)len;
    uint64_t id = ((const struct pager_id_req *)req)->id;
    if (!object_of(id))
        return E_NOENT;
    ((struct pager_id_rep *)rep)->id = id;
    *rep_len = sizeof(struct pager_id_rep);
    return object_cap(id, caps);
}

static err_t op_stats(void *ctx, uint64_t badge, const void *req, uint32_t len, void *rep,
                      uint32_t *rep_len, struct srv_caps *caps)
{
    (void)ctx, (void)badge, (void)len, (void)caps;
    struct object *o = object_of(((const struct pager_id_req *)req)->id);
    if (!o)
        return E_NOENT;
    *(struct pager_stats_rep *)rep = (struct pager_stats_rep){
        .npages = o->npages, .touched = o->touched, .supplied = o->supplied, .caps = o->caps};
    *rep_len = sizeof(struct pager_stats_rep);
    return E_OK;
}

static err_t op_peek(void *ctx, uint64_t badge, const void *req, uint32_t len, void *rep,
                     uint32_t *rep_len, struct srv_caps *caps)
{
    (void)ctx, (void)badge, (void)len, (void)caps;
    const struct pager_peek_req *r = req;
    struct object *o = object_of(r->id);
    if (!o)
        return E_NOENT;
    if (r->offset % 8 || r->offset >= o->npages * PAGE)
        return E_INVAL;
    uint32_t f = o->frame[r->offset / PAGE];
    uint64_t v = 0;
    if (f != NO_FRAME)
        memcpy(&v, ram + (uint64_t)f * PAGE + r->offset % PAGE, 8);
    ((struct pager_peek_rep *)rep)->value = v;
    *rep_len = sizeof(struct pager_peek_rep);
    return E_OK;
}

/* mm's requests on an object capability (registers: proto/fs.h). */
static err_t object_request(uint64_t badge, uint64_t label, struct srv_caps *caps)
{
    struct object *o = object_of(badge & ~PAGER_OBJ_BADGE);
    if (!o)
        return E_BADH;
    switch (label) {
    case FS_OP_FILE_INFO:
        caps->rw[0] = o->npages * PAGE;
        caps->rw[1] = 1; /* may be mapped writable */
        return E_OK;
    case FS_OP_SYNC_FILE:
        return E_OK; /* the frames are the object: nothing to write back */
    case FS_OP_RELEASE_FILE:
        if (o->caps > 0)
            o->caps--;
        return E_OK;
    case FS_OP_GET_PAGE: {
        uint64_t index = caps->w[0];
        if (index >= o->npages)
            return E_RANGE;
        if (o->frame[index] == NO_FRAME) {
            if (next_free >= ram_pages)
                return E_NOMEM;
            o->frame[index] = next_free++;
            memset(ram + (uint64_t)o->frame[index] * PAGE, 0, PAGE);
            o->touched++;
            if (!o->quiet)
                sys_printf("pager: object %lu page %lu: first touch, frame %u\n",
                           (unsigned long)(o - objects), index, o->frame[index]);
        }
        int64_t frame = sys_frame_derive(BOOT_SRV_SLOT_RAM, (uint64_t)o->frame[index] * PAGE,
                                         PAGE, RIGHT_READ | RIGHT_WRITE | RIGHT_GRANT);
        if (frame < 0)
            return (err_t)frame;
        o->supplied++;
        caps->send[0] = (handle_t)frame;
        caps->nsend = 1;
        caps->drop_sent = true;
        caps->rw[0] = PAGE;
        return E_OK;
    }
    default:
        return E_NOSYS;
    }
}

/* Object requests (no data, labels of proto/fs.h) through the table too;
 * only object capabilities may make them. */
static err_t op_object(void *ctx, uint64_t badge, const void *req, uint32_t len, void *rep,
                       uint32_t *rep_len, struct srv_caps *caps)
{
    (void)ctx, (void)req, (void)len, (void)rep, (void)rep_len;
    if (!(badge & PAGER_OBJ_BADGE))
        return E_NOSYS;
    return object_request(badge, caps->label, caps);
}

static const struct srv_op ops[] = {
    {PAGER_OP_CREATE, sizeof(struct pager_create_req), op_create, "create"},
    {PAGER_OP_OPEN, sizeof(struct pager_id_req), op_open, "open"},
    {PAGER_OP_STATS, sizeof(struct pager_id_req), op_stats, "stats"},
    {PAGER_OP_PEEK, sizeof(struct pager_peek_req), op_peek, "peek"},
    {FS_OP_GET_PAGE, 0, op_object, "get_page"},
    {FS_OP_SYNC_FILE, 0, op_object, "sync"},
    {FS_OP_RELEASE_FILE, 0, op_object, "release"},
    {FS_OP_FILE_INFO, 0, op_object, "info"},
};

int main(uintptr_t arg)
{
    (void)arg;
    struct cap_info ci;
    if (sys_cap_info(BOOT_SRV_SLOT_RAM, &ci) < 0 || ci.len < PAGE) {
        sys_puts("pager: no RAM (give it ram=SIZE in the boot manifest)\n");
        return 1;
    }
    ram_pages = (uint32_t)(ci.len / PAGE);
    for (uint64_t off = 0; off < (uint64_t)ram_pages * PAGE; off += PAGE)
        if (sys_map(BOOT_SRV_SLOT_SELF_TASK, RAM_VA + off, BOOT_SRV_SLOT_RAM, off,
                    MAP_R | MAP_W) < 0) {
            sys_puts("pager: cannot map its RAM\n");
            return 1;
        }
    ram = (uint8_t *)(uintptr_t)RAM_VA;
    sys_printf("pager: serving memory objects from %u KiB of RAM\n", ram_pages * 4);
    srv_run(BOOT_SRV_SLOT_SERVICE, ops, sizeof ops / sizeof ops[0], NULL, 0);
}
