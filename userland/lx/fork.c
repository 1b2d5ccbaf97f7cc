/*
 * fork, and clone without CLONE_VM (glibc's fork): a new process that is a copy of the
 * caller.
 *
 * The personality holds no capabilities to the frames init mapped (the image, the
 * stack), and a Writ process cannot build another's address space, so the child is
 * made the way execve makes one: init spawns the same program again (its start-info
 * name: the archive path or "scheme:path" it was spawned from) with this process's
 * policies and quota size. That child's personality sees the marker in its
 * environment (FORK_ENV, with the lowest stack page the parent sends: the child runs
 * on the stack pages below it meanwhile) and, instead of starting the program, takes
 * over the parent's state:
 *
 *  - the state, written first into a buffer of the parent's own frames: the registers
 *    and FXSAVE image, then each part's (fs.c: working directory, fd flags; sig.c:
 *    dispositions, mask, alternate stack; mem.c: brk, mmap's holes and pages; main.c:
 *    FS base, umask), then the program's writable memory: the image's writable
 *    segments, the used part of the stack, and every page brk and mmap gave. The
 *    frames go to the child over an endpoint of the parent's (the start info's
 *    "lxfork"), three capabilities a Call; the child maps the copies read-only, reads
 *    the state out, and deletes them.
 *
 *  - then, over the same endpoint, every fd of the parent, and the frames of MAP_SHARED
 *    pages. The fd copies reference the same open-file record at the server, so
 *    offsets are shared, as Linux's fork shares them.
 *
 * The parent waits on the child only after the child said it lives, with a byte on a
 * pipe (child fd FORK_ACK): one before it takes the frames, one once it read them (so
 * the parent may write its buffer again). A child that died shows as the end of that
 * pipe, never as a Call nobody answers.
 *
 * The copy is eager, not copy-on-write: a frame shared by both would live in the
 * parent's quota (gone with the parent, as MAP_SHARED pages are), and under -icount a
 * page's Map, Unmap and capability transfer cost about as much as copying it four
 * times; the spawn itself is most of a fork. The child then loads the registers with
 * RAX 0 and goes on after the call.
 */
#include <writ/fd.h>
#include <writ/mem.h>
#include <writ/proc.h>

#include <errno.h>

#include "lx.h"

#define CLONE_VM 0x100
#define CLONE_VFORK 0x4000
#define CLONE_SETTLS 0x80000
#define CLONE_PARENT_SETTID 0x100000
#define CLONE_CHILD_CLEARTID 0x200000
#define CLONE_CHILD_SETTID 0x1000000
#define SYS_CLONE 56
#define FORK_ENV "WRIT_LX_FORK="   /* then the lowest stack page the parent sends, hex */
#define FORK_ACK (WRIT_FD_MAX - 2)      /* the child's bytes back: it lives, it read all */
#define FORK_EP_LAST_FD (WRIT_FD_MAX - 1)
#define FORK_MAGIC 0x6b726f467872774cull       /* "LwrxForK" */
/* The child's quota: the program's memory (its image is the child's own frames, unless
 * init shares its text), as much again of what it may write (room to grow) and 2 MiB
 * for the personality and the process's objects; at least 4 MiB, at most 16 MiB (as
 * execve's). A shell's children mostly exec at once, and the exec'd program's quota
 * comes on top while the child waits for it: 16 MiB each ran a three-stage pipeline
 * out of a 256 MiB machine. */
#define FORK_QUOTA_MIN 22
#define FORK_QUOTA_MAX 24
/* The child personality's own stack while it takes the state: the program's stack
 * pages below those the parent sends (init mapped them all; their bytes are dead in the
 * parent), else a malloc'ed one (64 KiB of heap cost the child 42,000 instructions). */
#define CHILD_STACK (32 * 1024)

/* The program's registers at the call, as lx_fork_resume loads them. */
struct lx_fork_regs {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rsp, rip, rflags;
};

_Static_assert(sizeof(struct lx_fork_regs) == 18 * 8, "entry.asm's lx_fork_resume reads these offsets");

struct fork_hdr {
	uint64_t magic;
	struct lx_fork_regs regs;
	uint64_t ctid;                  /* CLONE_CHILD_SETTID's address, or 0 */
	uint8_t fx[512] __attribute__((aligned(16)));
};

__attribute__((noreturn)) void lx_fork_resume(const struct lx_fork_regs *r, const void *fx);
__attribute__((noreturn)) void lx_on_stack(void (*fn)(void *), void *arg, uint64_t top);

static struct fork_hdr hdr;

/* ---- moving bytes ---- */

/*
 * The state goes through a buffer of the parent's frames: the parent writes it there,
 * the child maps copies of the frame capabilities (read-only) and reads it out, so
 * each byte is copied twice, by the two processes themselves (through a pipe it was
 * six times, with a Call to the pipe server for every 32 KiB). The parent keeps up to
 * XFER_KEEP pages mapped for its next fork; the rest go back to mem.c's kept frames.
 */
#define XFER_PAGES 8192                 /* 32 MiB: more than a child's largest quota */
#define XFER_KEEP 64
static struct {
	uint8_t *va;                    /* XFER_PAGES pages of address space */
	writ_cptr_t *frames;            /* the first n mapped there, read-write */
	size_t n, cap;                  /* cap: room in frames[] */
} xfer;
/* The parent's transfer buffer, as the child maps it: read-only, in a window of its
 * own address space (kept for another fork's, as address space is never given back). */
static struct {
	uint8_t *va;
	size_t reserved;                /* pages of address space at va */
	writ_cptr_t *frames;
	size_t n, want;
	bool bad;                       /* a frame that did not map: fail once all came */
} rd;
static size_t io_len, io_pos;           /* bytes written (parent), read (child) */
static size_t io_total;                 /* the child's: bytes the parent wrote */

/* Room for `need` bytes in the parent's buffer. */
static long
xfer_grow(size_t need)
{
	if (need > (size_t)XFER_PAGES * 4096 ||
	    (!xfer.va && !(xfer.va = writ_va_reserve(XFER_PAGES))))
		return -ENOMEM;
	while (xfer.n * 4096 < need) {
		writ_cptr_t f;

		if (xfer.n == xfer.cap) {
			size_t cap = xfer.cap ? 2 * xfer.cap : XFER_KEEP;
			writ_cptr_t *more = realloc(xfer.frames, cap * sizeof(*more));

			if (!more)
				return -ENOMEM;
			xfer.frames = more;
			xfer.cap = cap;
		}
		f = lx_mem_frame_reuse();

		if (!f && writ_own_object(WRIT_OBJ_FRAME_4K, 0, &f) != WRIT_OK)
			return -ENOMEM;
		if (writ_map_frame(WRIT_PSLOT_VSPACE, f, (writ_word_t)(xfer.va + xfer.n * 4096),
				   WRIT_RIGHT_READ | WRIT_RIGHT_WRITE, WRIT_MAP_WRITE_BACK,
				   writ_own_table, NULL) != WRIT_OK) {
			lx_mem_frame_keep(f);
			return -ENOMEM;
		}
		xfer.frames[xfer.n++] = f;
	}
	return 0;
}

/* After a fork: pages past XFER_KEEP back to mem.c (no one else holds them now). */
static void
xfer_trim(void)
{
	while (xfer.n > XFER_KEEP) {
		writ_cptr_t f = xfer.frames[--xfer.n];

		writ_frame_unmap(f);
		lx_mem_frame_keep(f);
	}
}

long
lx_fork_io(void *buf, size_t n, bool send)
{
	long r;

	if (send) {
		if ((r = xfer_grow(io_len + n)) < 0)
			return r;
		memcpy(xfer.va + io_len, buf, n);
		io_len += n;
		return 0;
	}
	if (n > io_total - io_pos)
		return -EPIPE;
	memcpy(buf, rd.va + io_pos, n);
	io_pos += n;
	return 0;
}

/* ---- the parent ---- */

/* The program this process runs, as init can spawn it again. */
static const char *
exe_path(char *buf, size_t n)
{
	const struct writ_startinfo *si = writ_startinfo();
	long r;

	if (si && si->name[0] && strnlen(si->name, sizeof(si->name)) < sizeof(si->name) - 1)
		return si->name;
	memcpy(buf, "file:", 5);
	r = lx_proc_readlink("/proc/self/exe", buf + 5, n - 6);
	if (r <= 0)
		return NULL;
	buf[5 + r] = 0;
	return buf;
}

/* Every fd, three a Call on the endpoint the child got (the kernel
 * copies them into its CSpace; ours stay): mr[0] = how many | LAST_FDS on the last one,
 * mr[1..3] = their numbers. Cable ends go this way too (a cable refuses to carry
 * them). */
#define LAST_FDS 0x100

static long
send_fds(writ_cptr_t ep, int skip)
{
	struct writ_msg m = { 0 };
	unsigned n = 0;

	for (int fd = 0; fd <= FORK_EP_LAST_FD; fd++) {
		bool last = fd == FORK_EP_LAST_FD;

		if (fd != skip && writ_fd_cap(fd)) {
			writ_set_cap(n, writ_fd_cap(fd));
			m.mr[1 + n++] = (writ_word_t)fd;
		}
		if (n == 3 || last) {
			m.mr[0] = n | (last ? LAST_FDS : 0);
			m.info = writ_msginfo(0, n, 4);
			if (writ_call(ep, &m) != WRIT_OK)
				return -EIO;
			n = 0;
		}
	}
	return 0;
}

/* The state, into the transfer buffer from its start. */
static long
put_state(uint64_t sp)
{
	long r;

	io_len = 0;
	if ((r = lx_fork_io(&hdr, sizeof(hdr), true)) < 0 ||
	    (r = lx_fs_fork_io(true)) < 0 || (r = lx_sig_fork_io(true)) < 0 ||
	    (r = lx_main_fork_io(true)) < 0 || (r = lx_sock_fork_io(true)) < 0 ||
	    (r = lx_mem_fork_io(true, sp)) < 0)
		return r;
	return 0;
}

/* The buffer's frames, three a Call, mr[1..3] = the state's length; the child maps
 * the copies in order. */
static long
send_frames(writ_cptr_t ep)
{
	size_t pages = (io_len + 4095) / 4096, i = 0;
	struct writ_msg m;

	do {
		unsigned n = 0;

		memset(&m, 0, sizeof(m));
		for (; n < 3 && i < pages; n++, i++) {
			writ_set_cap(n, xfer.frames[i]);
			m.mr[1 + n] = io_len;
		}
		m.mr[0] = n | (i == pages ? LAST_FDS : 0);
		m.info = writ_msginfo(0, n, 4);
		if (writ_call(ep, &m) != WRIT_OK)
			return -EIO;
	} while (i < pages);
	return 0;
}

/* MAP_SHARED pages: their frames, three a Call, mr[1..3] = va | prot; the child maps
 * the copies the kernel gives it, so both map the same frames. */
struct shared_out {
	writ_cptr_t ep;
	struct writ_msg m;
	unsigned n;
	long err;
};

static void
shared_flush(struct shared_out *o, bool last)
{
	o->m.mr[0] = o->n | (last ? LAST_FDS : 0);
	o->m.info = writ_msginfo(0, o->n, 4);
	if (o->err == 0 && writ_call(o->ep, &o->m) != WRIT_OK)
		o->err = -EIO;
	o->n = 0;
}

static void
shared_one(uint64_t va, unsigned prot, writ_cptr_t frame, void *ctx)
{
	struct shared_out *o = ctx;

	writ_set_cap(o->n, frame);
	o->m.mr[1 + o->n++] = va | prot;
	if (o->n == 3)
		shared_flush(o, false);
}

static long
send_shared(writ_cptr_t ep)
{
	struct shared_out o = { .ep = ep };

	lx_mem_each_shared(shared_one, &o);
	shared_flush(&o, true);
	return o.err;
}

/* The child, started from our program again, with our policies and the transfer fds;
 * -> its pid (*cap to wait for it), or -errno. */
static long
spawn_child(int ack_wr, writ_cptr_t ep, uint64_t stack_lo, writ_cptr_t *cap)
{
	static struct writ_spawn_opts o;
	static char marker[40];
	static const char *envp[] = { marker, NULL };
	char buf[1024];
	const char *path = exe_path(buf, sizeof(buf));
	const char *argv[] = { path, NULL };
	uint64_t need = lx_mem_bytes(false) + lx_mem_bytes(true) + (2ull << 20);
	unsigned bits = FORK_QUOTA_MIN;

	if (!path)
		return -ENOEXEC;
	writ_snprintf(marker, sizeof(marker), FORK_ENV "%lx", stack_lo);
	while (bits < FORK_QUOTA_MAX && (1ull << bits) < need)
		bits++;
	o = (struct writ_spawn_opts){ .quota_bits = bits, .envp = envp };
	writ_spawn_opts_inherit(&o);
	if (o.ncaps > 13)
		o.ncaps = 14;	/* room for the two transfer capabilities */
	writ_spawn_opts_fd(&o, ack_wr, FORK_ACK);
	o.caps[o.ncaps++] = (struct writ_spawn_cap){ .slot = (uint32_t)ep, .kind = WRIT_SCAP_OTHER,
						     .name = "lxfork" };
	/* A program read through file: (`sandbox` starts them so) that is also in the boot
	 * archive starts again from init's copy, as archive programs are open to all: a
	 * sandboxed program's policies may not reach its own file. */
	if (strncmp(path, "file:/", 6) == 0) {
		long r = writ_spawn(path + 5, argv, &o, cap);

		if (r != -ENOENT)
			return r;
	}
	return writ_spawn(path, argv, &o, cap);
}

/* One line on log: saying why a fork failed (the program only sees EAGAIN or ENOMEM). */
static long
said(const char *what, long err, long ret)
{
	char line[128];
	int n = writ_snprintf(line, sizeof(line), "writ-linux: pid %u: fork: %s: %ld\n", lx_pid,
			      what, err);

	if (n > 0)
		lx_log(line, (size_t)n);
	return ret;
}

static long
fork_parent(struct lx_call *c, const uint64_t *cs, uint64_t flags)
{
	static writ_cptr_t ep;
	int ack[2];
	writ_cptr_t cap;
	long pid, r;
	char byte = 0;

	hdr.magic = FORK_MAGIC;
	hdr.regs = (struct lx_fork_regs){
		.rax = 0, .rbx = cs[1], .rcx = c->rcx, .rdx = c->a[2], .rsi = c->a[1],
		.rdi = c->a[0], .rbp = cs[0], .r8 = c->a[4], .r9 = c->a[5], .r10 = c->a[3],
		.r11 = c->r11, .r12 = cs[2], .r13 = cs[3], .r14 = cs[4], .r15 = cs[5],
		.rsp = c->rsp, .rip = c->rcx, .rflags = c->r11 };
	hdr.ctid = 0;
	if (c->nr == SYS_CLONE) {
		if (c->a[1])
			hdr.regs.rsp = c->a[1];
		if (flags & CLONE_CHILD_SETTID)
			hdr.ctid = c->a[3];
		if ((flags & CLONE_SETTLS) && c->a[4] >= WRIT_USER_HI)
			return -EINVAL;
	}
	memcpy(hdr.fx, (const uint8_t *)c + sizeof(*c), sizeof(hdr.fx));
	if (!ep && (r = writ_own_object(WRIT_OBJ_ENDPOINT, 0, &ep)) != WRIT_OK)
		return said("endpoint", r, -ENOMEM);
	if ((r = put_state(c->rsp)) < 0) {
		xfer_trim();
		return said("state", r, -ENOMEM);
	}
	if ((r = writ_pipe(ack)) < 0) {
		xfer_trim();
		return said("pipe", r, -EAGAIN);
	}
	pid = spawn_child(ack[1], ep, lx_mem_stack_lo(c->rsp), &cap);
	writ_close(ack[1]);
	if (pid < 0) {
		writ_close(ack[0]);
		xfer_trim();
		return said("spawn", pid, pid == -ENOMEM ? -ENOMEM : -EAGAIN);
	}
	/* Each wait on the child that only it can end comes after a byte it wrote on the
	 * ack pipe: a child that died shows as the pipe's end, never as a Call nobody
	 * answers. One byte before it takes the frames, one once it has read them. */
	if (writ_read(ack[0], &byte, 1) != 1)
		r = -ECHILD;
	if (r >= 0)
		r = send_frames(ep);
	if (r >= 0 && writ_read(ack[0], &byte, 1) != 1)
		r = -ECHILD;	/* it ended before it took everything */
	writ_close(ack[0]);
	if (r >= 0)
		r = send_fds(ep, -1);
	if (r >= 0)
		r = send_shared(ep);
	if (r < 0 || (r = lx_child_add((uint32_t)pid, cap)) < 0) {
		writ_proc_kill(cap);
		writ_proc_wait(cap);
		xfer_trim();	/* its copies of the frames went with it */
		return said("handing over", r, -EAGAIN);
	}
	xfer_trim();
	if (c->nr == SYS_CLONE && (flags & CLONE_PARENT_SETTID) && lx_writable(c->a[2], 4))
		*(uint32_t *)c->a[2] = (uint32_t)pid;
	return pid;
}

/* lx_upcall's way for clone and fork (entry.asm): cs = the program's RBP RBX R12-R15. */
long
lx_fork(struct lx_call *c, const uint64_t *cs)
{
	uint64_t flags = c->a[0];

	if (c->nr == SYS_CLONE && (flags & (CLONE_VM | CLONE_VFORK)))
		return lx_dispatch(c);
	long r;

	if (c->nr == SYS_CLONE && (flags & 0xff) && (flags & 0xff) != 17)
		return -EINVAL;	/* an exit signal other than SIGCHLD: not served */
	/* In a call, as lx_dispatch says for the others: the signal thread must not
	 * suspend us in the middle of the hand-over's IPC (a child's SIGCHLD comes now). */
	lx_main_in_call = 1;
	r = fork_parent(c, cs, flags);
	lx_main_in_call = 0;
	return r;
}

/* ---- the child ---- */

bool
lx_fork_is_child(char **envp, uint64_t *free_top)
{
	for (; envp && *envp; envp++)
		if (strncmp(*envp, FORK_ENV, sizeof(FORK_ENV) - 1) == 0) {
			const char *h = *envp + sizeof(FORK_ENV) - 1;

			*free_top = 0;
			for (; (*h >= '0' && *h <= '9') || (*h >= 'a' && *h <= 'f'); h++)
				*free_top = *free_top << 4 | (uint64_t)(*h <= '9' ? *h - '0' : *h - 'a' + 10);
			return true;
		}
	return false;
}

static void
fail(const char *why)
{
	char line[96];
	int n = writ_snprintf(line, sizeof(line), "writ-linux: pid %u: fork child: %s\n", lx_pid, why);

	if (n > 0)
		lx_log(line, (size_t)n);
	writ_exit(127);
}

/* Messages on the endpoint until the last: each capability to fn with its word. */
static void
recv_caps(writ_cptr_t ep, void (*fn)(writ_cptr_t slot, writ_word_t word))
{
	struct writ_msg m;

	do {
		writ_cptr_t slots = writ_slot_alloc_run(3);
		unsigned n, got;

		if (!slots)
			fail("no slots for what the parent sends");
		writ_set_receive_slot(WRIT_PSLOT_CNODE, slots, 64);
		memset(&m, 0, sizeof(m));
		if (writ_recv(ep, &m) != WRIT_OK)
			fail("the parent's capabilities did not come");
		n = m.mr[0] & 3;
		got = (unsigned)writ_msginfo_caps(m.info);
		for (unsigned i = 0; i < 3; i++) {
			if (i < got && i < n)
				fn(slots + i, m.mr[1 + i]);
			else if (i < got)
				writ_cnode_delete(WRIT_PSLOT_CNODE, slots + i, 64);
			if (i >= got || i >= n)
				writ_slot_free(slots + i);
		}
		writ_reply(&(struct writ_msg){ .info = writ_msginfo(0, 0, 0) });
	} while (!(m.mr[0] & LAST_FDS));
}

/* A parent's fd, at its number. */
static void
take_fd(writ_cptr_t slot, writ_word_t num)
{
	int fd = writ_fd_install(slot);

	if (fd < 0) {
		writ_cnode_delete(WRIT_PSLOT_CNODE, slot, 64);
		writ_slot_free(slot);
		return;
	}
	if (num <= FORK_EP_LAST_FD && (int)num != fd) {
		writ_dup2(fd, (int)num);
		writ_close(fd);
	}
}

static void
take_frame(writ_cptr_t slot, writ_word_t total)
{
	if (!rd.frames && !rd.bad) {
		rd.want = (total + 4095) / 4096;
		io_total = total;
		if (rd.want == 0 || rd.want > XFER_PAGES ||
		    !(rd.frames = malloc(rd.want * sizeof(*rd.frames))))
			rd.bad = true;
		else if (rd.reserved < rd.want &&
			 (rd.va = writ_va_reserve(rd.want)) != NULL)
			rd.reserved = rd.want;
		if (rd.reserved < rd.want)
			rd.bad = true;
	}
	if (rd.bad || rd.n == rd.want ||
	    writ_map_frame(WRIT_PSLOT_VSPACE, slot, (writ_word_t)(rd.va + rd.n * 4096),
			   WRIT_RIGHT_READ, WRIT_MAP_WRITE_BACK, writ_own_table, NULL) != WRIT_OK) {
		rd.bad = true;
		writ_cnode_delete(WRIT_PSLOT_CNODE, slot, 64);
		writ_slot_free(slot);
		return;
	}
	rd.frames[rd.n++] = slot;
}

/* The parent's frames, out of our CSpace (a copy's mapping goes with it). */
static void
drop_frames(void)
{
	for (size_t i = 0; i < rd.n; i++) {
		writ_cnode_delete(WRIT_PSLOT_CNODE, rd.frames[i], 64);
		writ_slot_free(rd.frames[i]);
	}
	free(rd.frames);
	rd.frames = NULL;
	rd.n = rd.want = 0;
}

/* A MAP_SHARED page: the parent's frame, mapped where the parent has it. */
static void
take_shared(writ_cptr_t slot, writ_word_t va_prot)
{
	if (lx_mem_map_shared(va_prot & ~4095ull, (unsigned)(va_prot & 7), slot) < 0)
		fail("cannot map a shared page");
}

static void
child_main(void *arg)
{
	writ_cptr_t ep;

	(void)arg;
	if (!(ep = writ_cap_named("lxfork")))
		fail("no endpoint to take the state from");
	if (writ_write(FORK_ACK, "r", 1) != 1)
		fail("the parent is gone");
	recv_caps(ep, take_frame);
	if (rd.bad || rd.n != rd.want)
		fail("cannot map the parent's state");
	if (lx_fork_io(&hdr, sizeof(hdr), false) < 0 || hdr.magic != FORK_MAGIC)
		fail("no registers");
	if (lx_fs_fork_io(false) < 0 || lx_sig_fork_io(false) < 0 ||
	    lx_main_fork_io(false) < 0 || lx_sock_fork_io(false) < 0 ||
	    lx_mem_fork_io(false, 0) < 0)
		fail("the parent's state did not come");
	drop_frames();
	io_pos = io_total = 0;
	if (writ_write(FORK_ACK, "d", 1) != 1)
		fail("the parent is gone");
	writ_close(FORK_ACK);
	recv_caps(ep, take_fd);
	recv_caps(ep, take_shared);
	writ_cnode_delete(WRIT_PSLOT_CNODE, ep, 64);
	if (hdr.ctid && lx_writable(hdr.ctid, 4))
		*(uint32_t *)hdr.ctid = lx_pid;
	lx_main_in_call = 0;	/* the program's code from here (main.c kept it 1) */
	lx_fork_resume(&hdr.regs, hdr.fx);
}

/* Take the parent's state and go on as it would after its fork, RAX 0. */
void
lx_fork_child(uint64_t free_top)
{
	/* Below both what the parent sends and the frames we run on now. */
	uint64_t top = (uint64_t)__builtin_frame_address(0) - 512;
	uint8_t *stack;

	if (free_top < top)
		top = free_top;
	top = (top - 256) & ~15ull;
	if (free_top && top >= lx_mem_stack_bottom() + CHILD_STACK)
		lx_on_stack(child_main, NULL, top);
	stack = malloc(CHILD_STACK);
	if (!stack)
		fail("no memory for a stack");
	lx_on_stack(child_main, NULL, (uint64_t)stack + CHILD_STACK);
}
