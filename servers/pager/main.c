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
#include <proto/memobj.h>
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

PAGER_OPS(SRV_DECLARE)
MEMOBJ_OPS(SRV_DECLARE)

/* An object capability (our endpoint badged with the object), sent with
 * the reply. */
static err_t object_cap(uint64_t id, struct srv_req *r)
{
    int64_t cap = sys_cap_copy(BOOT_SRV_SLOT_SERVICE, RIGHT_WRITE | RIGHT_GRANT,
                               PAGER_OBJ_BADGE | id);
    if (cap < 0)
        return (err_t)cap;
    r->send[0] = (handle_t)cap;
    r->nsend = 1;
    r->drop_sent = true;
    objects[id].caps++;
    return E_OK;
}

SRV_HANDLER(pager_create)
{
    uint64_t npages = req->npages;
    if (npages == 0 || npages > PAGER_MAX_PAGES || (req->flags & ~PAGER_QUIET) || req->_pad0)
        return E_INVAL;
    for (uint64_t id = 0; id < PAGER_MAX_OBJECTS; id++) {
        struct object *o = &objects[id];
        if (o->used)
            continue;
        *o = (struct object){.used = true, .npages = npages, .quiet = req->flags & PAGER_QUIET};
        for (uint64_t i = 0; i < PAGER_MAX_PAGES; i++)
            o->frame[i] = NO_FRAME;
        err_t err = object_cap(id, r);
        if (err != E_OK) {
            o->used = false;
            return err;
        }
        rep->id = id;
        sys_printf("pager: object %lu created, %lu pages\n", id, npages);
        return E_OK;
    }
    return E_NOSPACE;
}

SRV_HANDLER(pager_open)
{
    if (!object_of(req->id))
        return E_NOENT;
    rep->id = req->id;
    return object_cap(req->id, r);
}

SRV_HANDLER(pager_stats)
{
    struct object *o = object_of(req->id);
    if (!o)
        return E_NOENT;
    *rep = (struct pager_stats_rep){
        .npages = o->npages, .touched = o->touched, .supplied = o->supplied, .caps = o->caps};
    return E_OK;
}

SRV_HANDLER(pager_peek)
{
    struct object *o = object_of(req->id);
    if (!o)
        return E_NOENT;
    if (req->offset % 8 || req->offset >= o->npages * PAGE)
        return E_INVAL;
    uint32_t f = o->frame[req->offset / PAGE];
    if (f != NO_FRAME)
        memcpy(&rep->value, ram + (uint64_t)f * PAGE + req->offset % PAGE, 8);
    return E_OK;
}

/* mm's memory-object requests on an object capability. */
static struct object *request_object(const struct srv_req *r)
{
    return object_of(r->badge & ~PAGER_OBJ_BADGE);
}

SRV_HANDLER(memobj_info)
{
    struct object *o = request_object(r);
    if (!o)
        return E_BADH;
    rep->size = o->npages * PAGE;
    rep->writable = 1;
    return E_OK;
}

SRV_HANDLER(memobj_sync)
{
    return request_object(r) ? E_OK : E_BADH; /* the frames are the object */
}

SRV_HANDLER(memobj_release)
{
    struct object *o = request_object(r);
    if (!o)
        return E_BADH;
    if (o->caps > 0)
        o->caps--;
    return E_OK;
}

SRV_HANDLER(memobj_get_page)
{
    struct object *o = request_object(r);
    if (!o)
        return E_BADH;
    uint64_t index = req->index;
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
    int64_t frame = sys_frame_derive(BOOT_SRV_SLOT_RAM, (uint64_t)o->frame[index] * PAGE, PAGE,
                                     RIGHT_READ | RIGHT_WRITE | RIGHT_GRANT);
    if (frame < 0)
        return (err_t)frame;
    o->supplied++;
    r->send[0] = (handle_t)frame;
    r->nsend = 1;
    r->drop_sent = true;
    rep->bytes = PAGE;
    return E_OK;
}

static uint32_t classify(struct srv_req *r)
{
    return (r->badge & PAGER_OBJ_BADGE) ? PROTO_CALLER_OBJECT : PAGER_CALLER_CLIENT;
}

static const struct srv_op ops[] = {PAGER_OPS(SRV_ENTRY) MEMOBJ_OPS(SRV_ENTRY)};
/* An object capability sending a client request, or the reverse, is
 * asking something the table does not offer it: E_NOSYS, as before. */
static struct srv pager = {.name = "pager",
                           .ops = ops,
                           .nops = SRV_NOPS(ops),
                           .classify = classify,
                           .denied = E_NOSYS};

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
    srv_run(&pager, BOOT_SRV_SLOT_SERVICE);
}
