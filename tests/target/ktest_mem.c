/* Page-table installation and a user-level pager. */
#include "ktest.h"

#define MEGA (2ull << 20)

void kt_superpage_and_back(void)
{
    int64_t off = rootmem_alloc(&kt_mem, MEGA, MEGA);
    CHECK(off >= 0);
    uint64_t va = 0x31000000, pa = 0;
    volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)va;
    uint64_t *window = rootmem_ptr(&kt_mem, (uint64_t)off);
    window[0] = 0x1111;
    window[512 + 3] = 0x2222; /* second 4 KiB page */

    /* One 2 MiB leaf, read through it, check with query. */
    CHECK_EQ(sys_map(ROOT_HANDLE_TASK, va, kt_mem.cap, (uint64_t)off,
                  MAP_R | MAP_W | MAP_SIZE_2M | MAP_SW0), 0);
    int64_t q = sys_query(ROOT_HANDLE_TASK, va + 0x1234, &pa);
    CHECK_EQ(q, MAP_PRESENT | MAP_R | MAP_W | MAP_SW0 | MAP_SIZE_2M);
    CHECK_EQ(pa, kt_mem.pa + (uint64_t)off + 0x1234);
    CHECK_EQ(p[0], 0x1111);
    p[1] = 0x3333;
    CHECK_EQ(window[1], 0x3333);

    /* Replace it by 4 KiB leaves (a table appears under the 2 MiB slot). */
    CHECK_EQ(sys_unmap(ROOT_HANDLE_TASK, va + 0x5000), 0); /* any address inside */
    CHECK_EQ(sys_query(ROOT_HANDLE_TASK, va, NULL), 0);
    CHECK_EQ(sys_map(ROOT_HANDLE_TASK, va, kt_mem.cap, (uint64_t)off + 0x1000, MAP_R), 0);
    CHECK_EQ(sys_map(ROOT_HANDLE_TASK, va + 0x1000, kt_mem.cap, (uint64_t)off, MAP_R | MAP_W), 0);
    q = sys_query(ROOT_HANDLE_TASK, va, &pa);
    CHECK_EQ(q, MAP_PRESENT | MAP_R | MAP_SIZE_4K);
    CHECK_EQ(p[3], 0x2222);          /* the pages are swapped */
    CHECK_EQ(p[512], 0x1111);
    CHECK_EQ(sys_map(ROOT_HANDLE_TASK, va, kt_mem.cap, (uint64_t)off, MAP_R | MAP_SIZE_2M), E_EXIST);
    /* Walking what is mapped: the two leaves, in order, then nothing. */
    uint64_t leaf = 0;
    CHECK_EQ(sys_query_next(ROOT_HANDLE_TASK, va, va + MEGA, &leaf, &pa), MAP_PRESENT | MAP_R);
    CHECK_EQ(leaf, va);
    CHECK_EQ(pa, kt_mem.pa + (uint64_t)off + 0x1000);
    CHECK_EQ(sys_query_next(ROOT_HANDLE_TASK, va + 1, va + MEGA, &leaf, &pa),
          MAP_PRESENT | MAP_R); /* the leaf containing va + 1 */
    CHECK_EQ(leaf, va);
    CHECK_EQ(sys_query_next(ROOT_HANDLE_TASK, va + 0x1000, va + MEGA, &leaf, &pa),
          MAP_PRESENT | MAP_R | MAP_W);
    CHECK_EQ(leaf, va + 0x1000);
    CHECK_EQ(sys_query_next(ROOT_HANDLE_TASK, va + 0x2000, va + MEGA, &leaf, &pa), 0);
    CHECK_EQ(sys_query_next(ROOT_HANDLE_TASK, va + 0x3000, va + 0x3000, &leaf, &pa), 0); /* empty range */
    CHECK_EQ(sys_query_next(ROOT_HANDLE_TASK, 0xffffffc080200000ull, ~0ull, &leaf, &pa), E_RANGE);

    /* Replace one leaf in place, then change permissions and RSW bits. */
    CHECK_EQ(sys_map(ROOT_HANDLE_TASK, va, kt_mem.cap, (uint64_t)off, MAP_R | MAP_REPLACE), 0);
    CHECK_EQ(p[0], 0x1111);
    CHECK_EQ(sys_protect(ROOT_HANDLE_TASK, va + 0x1000, MAP_R | MAP_SW1), 0);
    CHECK_EQ(sys_query(ROOT_HANDLE_TASK, va + 0x1000, NULL), MAP_PRESENT | MAP_R | MAP_SW1);

    /* And back to one 2 MiB leaf once the small ones are gone. */
    CHECK_EQ(sys_unmap(ROOT_HANDLE_TASK, va), 0);
    CHECK_EQ(sys_unmap(ROOT_HANDLE_TASK, va + 0x1000), 0);
    CHECK_EQ(sys_map(ROOT_HANDLE_TASK, va, kt_mem.cap, (uint64_t)off, MAP_R | MAP_SIZE_2M), 0);
    CHECK_EQ(sys_query(ROOT_HANDLE_TASK, va + 0x1fffff, NULL), MAP_PRESENT | MAP_R | MAP_SIZE_2M);
    CHECK_EQ(p[1], 0x3333);
    CHECK_EQ(sys_unmap(ROOT_HANDLE_TASK, va), 0);
}

void kt_frame_split(void)
{
    int64_t off = rootmem_alloc(&kt_mem, 0x4000, 0x1000);
    /* A copy of the RAM capability would cover all RAM; make a small one
     * by splitting a copy twice. */
    int64_t copy = sys_cap_copy(kt_mem.cap, RIGHTS_ALL, 0);
    CHECK(copy > 0);
    struct cap_info ci;
    int64_t upper = sys_frame_split((handle_t)copy, (uint64_t)off);
    CHECK(upper > 0);
    int64_t rest = sys_frame_split((handle_t)upper, 0x4000);
    CHECK(rest > 0);
    CHECK_EQ(sys_cap_info((handle_t)upper, &ci), 0);
    CHECK_EQ(ci.type, CAP_FRAME);
    CHECK_EQ(ci.pa, kt_mem.pa + (uint64_t)off);
    CHECK_EQ(ci.len, 0x4000);
    /* The small frame maps only inside itself. */
    CHECK_EQ(sys_map(ROOT_HANDLE_TASK, 0x32000000, (handle_t)upper, 0x3000, MAP_R), 0);
    CHECK_EQ(sys_map(ROOT_HANDLE_TASK, 0x32001000, (handle_t)upper, 0x4000, MAP_R), E_RANGE);
    CHECK_EQ(sys_unmap(ROOT_HANDLE_TASK, 0x32000000), 0);
    /* Deriving a piece: a child that maps only inside itself, with fewer
     * rights if asked, gone when its parent is revoked. */
    int64_t piece = sys_frame_derive((handle_t)upper, 0x1000, 0x2000, RIGHT_READ);
    CHECK(piece > 0);
    CHECK_EQ(sys_cap_info((handle_t)piece, &ci), 0);
    CHECK_EQ(ci.pa, kt_mem.pa + (uint64_t)off + 0x1000);
    CHECK_EQ(ci.len, 0x2000);
    CHECK_EQ(ci.rights, RIGHT_READ);
    CHECK_EQ(sys_map(ROOT_HANDLE_TASK, 0x32000000, (handle_t)piece, 0x1000, MAP_R), 0);
    CHECK_EQ(sys_map(ROOT_HANDLE_TASK, 0x32001000, (handle_t)piece, 0x1000, MAP_R | MAP_W), E_PERM);
    CHECK_EQ(sys_unmap(ROOT_HANDLE_TASK, 0x32000000), 0);
    CHECK_EQ(sys_frame_derive((handle_t)upper, 0x1000, 0x4000, RIGHT_READ), E_RANGE);
    CHECK_EQ(sys_frame_derive((handle_t)upper, 0x800, 0x1000, RIGHT_READ), E_ALIGN);
    CHECK_EQ(sys_frame_derive((handle_t)upper, 0x1000, ~0xfffull, RIGHT_READ), E_RANGE);
    CHECK_EQ(sys_frame_derive((handle_t)upper, 0, 0, RIGHT_READ), E_RANGE);
    CHECK_EQ(sys_frame_split((handle_t)upper, 0x1000), E_BUSY); /* it has a child now */
    CHECK_EQ(sys_cap_revoke((handle_t)upper), 1);
    CHECK_EQ(sys_cap_info((handle_t)piece, &ci), E_BADH);
    /* Revoking the original RAM capability's copy takes the pieces too:
     * they are siblings under kt_mem.cap. */
    CHECK_EQ(sys_cap_info((handle_t)rest, &ci), 0);
    CHECK_EQ(ci.pa, kt_mem.pa + (uint64_t)off + 0x4000);
    sys_cap_delete((handle_t)rest);
    sys_cap_delete((handle_t)upper);
    sys_cap_delete((handle_t)copy);
}


/* ---- user-level pager ---- */

/* Serves the faulter child: tells it what to touch (over `ep`), and
 * resolves its faults (on `pager`) by mapping frames on demand. */
void kt_pager(void)
{
    int64_t ep = sys_endpoint_create();
    int64_t pager = sys_endpoint_create();
    int64_t pager_badged = sys_cap_copy((handle_t)pager, RIGHT_WRITE, 77);
    struct spawned child;
    CHECK_EQ(kt_spawn_child(KT_ROLE_FAULTER, (handle_t)ep, (handle_t)pager_badged, 40, &child), 0);

    int64_t small = rootmem_alloc(&kt_mem, 0x1000, 0x1000);
    int64_t big = rootmem_alloc(&kt_mem, MEGA, MEGA);
    uint64_t *small_w = rootmem_ptr(&kt_mem, (uint64_t)small);
    uint64_t *big_w = rootmem_ptr(&kt_mem, (uint64_t)big);
    small_w[0] = 0xabc;
    big_w[0x1238 / 8] = 0xdef;

    struct ipc_msg m;
    /* 1: the child asks for work; tell it to read 0x10000000. */
    CHECK_EQ(ipc_recv((handle_t)ep, &m), 0);
    m = (struct ipc_msg){.tag = IPC_TAG(0, 0, 0), .w = {0x10000000, 'r', 0}};
    CHECK_EQ(ipc_reply_recv((handle_t)pager, &m), 77); /* its fault arrives */
    CHECK_EQ(IPC_TAG_LABEL(m.tag), IPC_LABEL_FAULT_VM);
    CHECK_EQ(m.w[FAULT_W_ADDR], 0x10000000);
    CHECK_EQ(m.w[FAULT_W_ACCESS], FAULT_ACCESS_READ);
    CHECK(m.w[FAULT_W_PC] >= 0x10000 && m.w[FAULT_W_PC] < 0x100000);
    CHECK_EQ(m.w[FAULT_W_PTE], 0);
    /* Map the page read-only with both software bits; resume. */
    CHECK_EQ(sys_map(child.task, 0x10000000, kt_mem.cap, (uint64_t)small,
                  MAP_R | MAP_SW0 | MAP_SW1), 0);
    m = (struct ipc_msg){.tag = IPC_TAG(FAULT_REPLY_RESUME, 0, 0)};
    CHECK_EQ(ipc_reply_recv((handle_t)ep, &m), 0); /* the child reports */
    CHECK_EQ(m.w[0], 0xabc);

    /* 2: write the same page: a write fault on a present, read-only PTE
     * whose flags (with the RSW bits) come with the message. */
    m = (struct ipc_msg){.tag = IPC_TAG(0, 0, 0), .w = {0x10000008, 'w', 0x55}};
    CHECK_EQ(ipc_reply_recv((handle_t)pager, &m), 77);
    CHECK_EQ(m.w[FAULT_W_ADDR], 0x10000008);
    CHECK_EQ(m.w[FAULT_W_ACCESS], FAULT_ACCESS_WRITE);
    CHECK_EQ(m.w[FAULT_W_PTE], MAP_PRESENT | MAP_R | MAP_SW0 | MAP_SW1 | MAP_SIZE_4K);
    CHECK_EQ(sys_map(child.task, 0x10000000, kt_mem.cap, (uint64_t)small,
                  MAP_R | MAP_W | MAP_REPLACE), 0);
    m = (struct ipc_msg){.tag = IPC_TAG(FAULT_REPLY_RESUME, 0, 0)};
    CHECK_EQ(ipc_reply_recv((handle_t)ep, &m), 0);
    CHECK_EQ(m.w[0], 0x55);
    CHECK_EQ(small_w[1], 0x55);

    /* 3: a 2 MiB superpage on demand. */
    m = (struct ipc_msg){.tag = IPC_TAG(0, 0, 0), .w = {0x40001238, 'r', 0}};
    CHECK_EQ(ipc_reply_recv((handle_t)pager, &m), 77);
    CHECK_EQ(m.w[FAULT_W_ADDR], 0x40001238);
    CHECK_EQ(sys_map(child.task, 0x40000000, kt_mem.cap, (uint64_t)big,
                  MAP_R | MAP_W | MAP_SIZE_2M), 0);
    uint64_t child_pa = 0;
    CHECK_EQ(sys_query(child.task, 0x401fffff, &child_pa),
          MAP_PRESENT | MAP_R | MAP_W | MAP_SIZE_2M);
    CHECK_EQ(child_pa, kt_mem.pa + (uint64_t)big + 0x1fffff);
    CHECK_EQ(big_w[0x1238 / 8], 0xdef);
    m = (struct ipc_msg){.tag = IPC_TAG(FAULT_REPLY_RESUME, 0, 0)};
    CHECK_EQ(ipc_reply_recv((handle_t)ep, &m), 0);
    CHECK_EQ(m.w[0], 0xdef);

    /* 4: after an unmap the same access faults again (the TLB was flushed). */
    CHECK_EQ(sys_unmap(child.task, 0x40000000), 0);
    m = (struct ipc_msg){.tag = IPC_TAG(0, 0, 0), .w = {0x40001238, 'r', 0}};
    CHECK_EQ(ipc_reply_recv((handle_t)pager, &m), 77);
    CHECK_EQ(m.w[FAULT_W_ADDR], 0x40001238);

    /* 5: the pager answers "kill": the child dies, the kernel goes on. */
    m = (struct ipc_msg){.tag = IPC_TAG(FAULT_REPLY_KILL, 0, 0)};
    CHECK_EQ(ipc_reply(&m), 0);
    CHECK_EQ(sys_thread_suspend(child.thread), E_DEAD);
    CHECK_EQ(ipc_nbrecv((handle_t)ep, &m), E_AGAIN);

    sys_cap_delete(child.thread);
    sys_cap_delete(child.task);
    sys_cap_delete((handle_t)pager_badged);
    sys_cap_delete((handle_t)pager);
    sys_cap_delete((handle_t)ep);
}

/* A thread that faults with no pager is killed and reported; a pager-less
 * exception goes to the exception endpoint when there is one. */
static handle_t exc_ep;

static void bad_thread(uint64_t arg)
{
    if (arg == 1)
        *(volatile uint64_t *)0x7770000 = 1; /* unmapped, no pager */
    __asm__ volatile(".word 0");           /* illegal instruction */
}

void kt_exceptions(void)
{
    exc_ep = (handle_t)sys_endpoint_create();
    int64_t th = thread_spawn(&kt_mem, bad_thread, 1, 60); /* our priority: yield runs it */
    CHECK(th > 0);
    sys_yield();
    CHECK_EQ(sys_thread_suspend((handle_t)th), E_DEAD); /* killed: no pager */
    sys_cap_delete((handle_t)th);

    /* Exceptions to an endpoint; the handler moves pc past the bad
     * instruction and resumes. */
    int64_t th2 = sys_thread_create(ROOT_HANDLE_TASK, 30);
    CHECK_EQ(sys_thread_set_handlers((handle_t)th2, 0, exc_ep), 0);
    CHECK_EQ(sys_cap_delete((handle_t)th2), 0);
    int64_t th3 = thread_spawn(&kt_mem, bad_thread, 2, 60);
    CHECK(th3 > 0);
    CHECK_EQ(sys_thread_set_handlers((handle_t)th3, 0, exc_ep), 0);
    struct ipc_msg m;
    CHECK_EQ(ipc_recv(exc_ep, &m), 0);
    CHECK_EQ(IPC_TAG_LABEL(m.tag), IPC_LABEL_FAULT_EXC);
    CHECK_EQ(m.w[EXC_W_KIND], EXC_ILLEGAL_INSTRUCTION);
    uint64_t bad_pc = m.w[EXC_W_PC];
    struct mica_regs regs;
    CHECK_EQ(sys_thread_read_regs((handle_t)th3, &regs), 0);
    CHECK_EQ(regs.pc, bad_pc);
    regs.pc += 4;
    CHECK_EQ(sys_thread_write_regs((handle_t)th3, &regs), 0);
    m.tag = IPC_TAG(FAULT_REPLY_RESUME, 0, 0);
    CHECK_EQ(ipc_reply(&m), 0);
    /* It returns from bad_thread and exits: its handler hears that too
     * (EXC_EXIT with the status); resuming re-runs the exit, killing ends it. */
    CHECK_EQ(ipc_recv(exc_ep, &m), 0);
    CHECK_EQ(IPC_TAG_LABEL(m.tag), IPC_LABEL_FAULT_EXC);
    CHECK_EQ(m.w[EXC_W_KIND], EXC_EXIT);
    CHECK_EQ(m.w[EXC_W_VALUE], 0);
    /* Stopped, not dead: suspending cancels the message; once resumed it
     * exits again, so the exit is never lost. */
    CHECK_EQ(sys_thread_suspend((handle_t)th3), 0);
    CHECK_EQ(sys_thread_resume((handle_t)th3), 0);
    CHECK_EQ(ipc_recv(exc_ep, &m), 0);
    CHECK_EQ(m.w[EXC_W_KIND], EXC_EXIT);
    m.tag = IPC_TAG(FAULT_REPLY_KILL, 0, 0);
    CHECK_EQ(ipc_reply(&m), 0);
    CHECK_EQ(sys_thread_suspend((handle_t)th3), E_DEAD);
    sys_cap_delete((handle_t)th3);
    sys_cap_delete(exc_ep);
}

