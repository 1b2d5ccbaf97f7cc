/*
 * init's loop: messages on the process manager's endpoint. The badge says who sent
 * it: a process about itself (exit, spawn, info), a fault of one of its threads, or a
 * holder of a capability to a process (wait, kill).
 */
#include <errno.h>

#include "init.h"

#define SPAWN_DEFAULT_QUOTA 22          /* 4 MiB */
#define SPAWN_MIN_QUOTA 16

static writ_cptr_t recv_slot;

static const char *
fault_name(writ_word_t label)
{
	switch (label) {
	case WRIT_FAULT_UNKNOWN_SYSCALL: return "unknown syscall";
	case WRIT_FAULT_VM: return "VM fault";
	case WRIT_FAULT_USER_EXCEPTION: return "CPU exception";
	case WRIT_FAULT_CAP: return "capability fault";
	}
	return "fault";
}

/* One line that says which process, where and why, decoded as the kernel's reports. */
static void
report_fault(struct proc *p, struct writ_msg *m)
{
	writ_word_t label = writ_msginfo_label(m->info);
	char what[160];

	if (label == WRIT_FAULT_VM) {
		writ_word_t err = m->mr[WRIT_VM_FAULT_ERROR];

		writ_snprintf(what, sizeof(what), "%s at %lx (%s, %s%s), RIP %lx", fault_name(label),
			      m->mr[WRIT_VM_FAULT_ADDR], m->mr[WRIT_VM_FAULT_FETCH] ? "fetch"
			      : err & 2 ? "write" : "read",
			      err & 1 ? "protection" : "not mapped", err & 8 ? ", reserved bit" : "",
			      m->mr[WRIT_VM_FAULT_IP]);
	} else if (label == WRIT_FAULT_USER_EXCEPTION) {
		writ_snprintf(what, sizeof(what), "%s: vector %lu, error code %lx, RIP %lx",
			      fault_name(label), writ_mr_get(WRIT_CTX_COUNT),
			      writ_mr_get(WRIT_CTX_COUNT + 1), m->mr[WRIT_CTX_RIP]);
	} else if (label == WRIT_FAULT_UNKNOWN_SYSCALL) {
		writ_snprintf(what, sizeof(what), "%s %ld, RIP %lx", fault_name(label),
			      (long)writ_mr_get(WRIT_CTX_RAX), m->mr[WRIT_CTX_RIP]);
	} else {
		writ_snprintf(what, sizeof(what), "%s (label %lu)", fault_name(label), label);
	}
	writ_printf("init: process %s (pid %u) killed: %s\n", p->name, p->pid, what);
}

static bool
all_ended(const unsigned *pids, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct proc *p = proc_get(pids[i]);

		if (p && p->alive)
			return false;
	}
	return true;
}

/* len bytes of the message from word `word` (>= WRIT_MSG_REGS: in the IPC buffer),
 * which the caller checked lie inside it; one copy, not a call per word. */
static void
get_bytes(unsigned word, void *buf, size_t len)
{
	memcpy(buf, &writ_ipc_buffer()->msg[word], len);
}

/* A capability to process `pid`, for its spawner: wait and kill through it. */
static writ_cptr_t
handle_for(unsigned pid)
{
	writ_cptr_t h = slot_alloc();

	if (h && writ_cnode_mint(WRIT_SLOT_ROOT_CNODE, h, FULL_DEPTH, WRIT_SLOT_ROOT_CNODE, init.ep,
				 FULL_DEPTH, WRIT_RIGHT_WRITE | WRIT_RIGHT_GRANT,
				 BADGE_HANDLE | pid) != WRIT_OK) {
		slot_free(h);
		return 0;
	}
	return h;
}

/* A Linux program's memory is frames its personality maps one by one, each in a slot
 * of its CNode: room for as many as its quota holds. Others keep the small CNode. */
static unsigned
spawn_radix(const struct spawn_args *a)
{
	if (!a->elf || linux_is_writ_program(a->elf, a->elf_size))
		return a->cnode_radix;
	return a->quota_bits > 25 ? 14 : a->quota_bits > 24 ? 13 : 12;
}

/* do_spawn's answer to an execve that took place: the caller is gone, nobody to answer. */
#define SPAWN_REPLACED (-1000000)

/* spawn(a); with a->pid (an execve's: the caller's own), the caller goes by PID_ASIDE
 * meanwhile, so that each pid names one process. -> the pid, and *child its entry. */
static unsigned
spawn_for(struct proc *caller, const struct spawn_args *a, struct proc **child)
{
	unsigned pid;

	if (a->pid)
		caller->pid = PID_ASIDE;
	pid = spawn(a);
	*child = pid ? proc_get(pid) : NULL;
	if (a->pid)
		caller->pid = a->pid;
	return pid;
}

/* The handle to `pid` straight into the caller's slot `slot`, when it names an empty one. */
static bool
handle_placed(struct proc *parent, writ_word_t slot, unsigned pid)
{
	return slot && slot < (1ull << parent->cnode_radix) &&
	       writ_cnode_mint(parent->cnode, slot, parent->cnode_radix, WRIT_SLOT_ROOT_CNODE,
			       init.ep, FULL_DEPTH, WRIT_RIGHT_WRITE | WRIT_RIGHT_GRANT,
			       BADGE_HANDLE | pid) == WRIT_OK;
}

/* SPAWN: a program from the boot archive (or the caller's image buffer), with
 * capabilities the caller names in its own CSpace. -> pid or -errno; the child's handle
 * in the caller's slot (*placed) or else in the reply. */
static long
do_spawn(struct proc *parent, struct writ_msg *m, writ_cptr_t *handle, bool *placed)
{
	static struct spawn_args a;
	static char strings[SCHEME_INLINE];
	static const char *argv[SPAWN_MAX_ARGS + 1], *envp[SPAWN_MAX_ARGS + 1];
	static struct writ_spawn_cap caps[16];
	struct writ_spawn_hdr h;
	unsigned len = writ_msginfo_length(m->info), word = SCHEME_DATA_WORD;
	size_t pos = 0, have;
	const char *path;
	struct proc *child;
	unsigned pid;
	writ_word_t handle_slot = m->mr[0];

	if (len < SCHEME_DATA_WORD + 2)
		return -EINVAL;
	get_bytes(word, &h, sizeof(h));
	word += (sizeof(h) + 7) / 8;
	if (h.ncaps > 16 || h.argc > SPAWN_MAX_ARGS || h.envc > SPAWN_MAX_ARGS ||
	    word + (h.ncaps * sizeof(caps[0]) + h.bytes + 7) / 8 > len || h.bytes == 0 ||
	    h.bytes > sizeof(strings) ||
	    (h.quota_bits && (h.quota_bits < SPAWN_MIN_QUOTA || h.quota_bits > 30)))
		return -EINVAL;
	get_bytes(word, caps, h.ncaps * sizeof(caps[0]));
	word += (unsigned)((h.ncaps * sizeof(caps[0]) + 7) / 8);
	get_bytes(word, strings, h.bytes);
	have = h.bytes;
	if (have == 0 || have > sizeof(strings))
		return -EINVAL;
	strings[have - 1] = 0;		/* whatever came, the last string ends */
	path = strings;
	pos = strlen(path) + 1;
	for (unsigned i = 0; i < h.argc; i++) {
		if (pos >= have)
			return -EINVAL;
		argv[i] = strings + pos;
		pos += strlen(strings + pos) + 1;
	}
	argv[h.argc] = NULL;
	for (unsigned i = 0; i < h.envc; i++) {
		if (pos >= have)
			return -EINVAL;
		envp[i] = strings + pos;
		pos += strlen(strings + pos) + 1;
	}
	envp[h.envc] = NULL;
	memset(&a, 0, sizeof(a));
	a.ppid = parent->pid;
	if (h.flags & WRIT_SPAWN_EXEC) {
		a.ppid = parent->parent;
		a.pid = parent->pid;
	}
	if (!(h.flags & WRIT_SPAWN_IMAGE) && !(a.elf = archive_file(path, &a.elf_size)))
		return -ENOENT;
	a.name = path;
	a.argv = argv;
	a.envp = envp;
	a.quota_bits = h.quota_bits ? h.quota_bits : SPAWN_DEFAULT_QUOTA;
	a.cnode_radix = 10;
	a.prio = 100;
	a.mcp = 100;
	for (unsigned i = 0; i < h.ncaps; i++) {
		caps[i].name[sizeof(caps[i].name) - 1] = 0;
		if (caps[i].slot >= (1u << parent->cnode_radix) || caps[i].slot == 0)
			return -EBADF;
		if (is_ident_name(caps[i].name))
			continue;       /* identities are init's to give (ident_caps) */
		a.caps[a.n_caps++] = (struct spawn_cap){
			.name = caps[i].name[0] ? caps[i].name : NULL, .src = caps[i].slot,
			.src_cnode = parent->cnode, .src_depth = parent->cnode_radix,
			.kind = caps[i].kind, .arg = caps[i].arg };
	}
	ident_caps(&a);
	if (h.flags & WRIT_SPAWN_IMAGE) {
		/* From the caller's image buffer, which goes with this spawn. */
		a.elf = image_take(parent, &a.elf_size);
		a.elf_transient = true;
		a.cnode_radix = spawn_radix(&a);
		pid = a.elf ? spawn_for(parent, &a, &child) : 0;
		image_forget(parent);
		if (!a.elf)
			return -EINVAL;
	} else {
		a.cnode_radix = spawn_radix(&a);
		pid = spawn_for(parent, &a, &child);
	}
	if (!pid)
		return -spawn_errno;
	child->confined = parent->confined || (h.flags & WRIT_SPAWN_CONFINED);
	if (a.pid) {
		proc_replace(parent, child);
		/* What the caller's personality took from init and had not acted on yet
		 * (a kill that raced this execve) is the new program's too. */
		child->sig_pending |= h.signals;
		sig_after_exec(child);
		return SPAWN_REPLACED;
	}
	child->parent = parent->pid;
	if (parent->sig_ntfn) {
		/* A Linux program's child joins its group and session, as on Linux. */
		child->pgid = parent->pgid ? parent->pgid : parent->pid;
		child->sid = parent->sid ? parent->sid : parent->pid;
	}
	if (!(*placed = handle_placed(parent, handle_slot, pid)))
		*handle = handle_for(pid);
	return pid;
}

/* KILL_SERVICE: a test program ends the server of a scheme, as a crash would (the
 * tests of dead servers and restarts). No other process may. */
static long
do_kill_service(struct proc *p, struct writ_msg *m)
{
	char name[33];
	size_t n = m->mr[0];
	struct proc *sp;
	unsigned pid;

	if (!p->is_test)
		return -EPERM;
	if (n == 0 || n >= sizeof(name) || writ_msginfo_length(m->info) < SCHEME_DATA_WORD + (n + 7) / 8)
		return -EINVAL;
	get_bytes(SCHEME_DATA_WORD, name, n);
	name[n] = 0;
	if (!(pid = service_pid(name)) || !(sp = proc_get(pid)) || !sp->alive)
		return -ENOENT;
	writ_printf("init: %s (pid %u) killed on the request of test %s\n", sp->name, pid, p->name);
	proc_end(sp, WRIT_WAIT_KILLED);
	return 0;
}

static long
do_wait(struct proc *p, writ_cptr_t got, unsigned flags)
{
	long status;

	if (p->alive) {
		if ((status = sig_wait_report(p, flags)))
			return status;
		if (!got)
			return -EINVAL;	/* nothing to wake the waiter with */
		if (p->waiter_wake) {
			writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, p->waiter_wake, FULL_DEPTH);
			slot_free(p->waiter_wake);
		}
		p->waiter_wake = got;
		return -EAGAIN;
	}
	status = p->status;
	proc_reap(p);
	return status;
}

static void
reply(struct writ_msg *m, long result, writ_word_t r1, writ_word_t r2, writ_cptr_t cap)
{
	m->mr[0] = (writ_word_t)result;
	m->mr[1] = r1;
	m->mr[2] = r2;
	m->info = writ_msginfo(0, cap ? 1 : 0, 3);
	if (cap)
		writ_set_cap(0, cap);
	writ_reply(m);
}

/* NAME: the name of a live process, in the data words (log: says who wrote). */
static void
reply_name(struct writ_msg *m, const struct proc *p)
{
	size_t n = p && p->alive ? strnlen(p->name, sizeof(p->name)) : 0;

	m->mr[0] = p && p->alive ? (writ_word_t)n : (writ_word_t)-ESRCH;
	for (size_t i = 0; i < n; i += 8) {
		writ_word_t w = 0;

		memcpy(&w, p->name + i, n - i < 8 ? n - i : 8);
		writ_mr_set(SCHEME_DATA_WORD + (unsigned)(i / 8), w);
	}
	m->info = writ_msginfo(0, 0, SCHEME_DATA_WORD + (unsigned)((n + 7) / 8));
	writ_reply(m);
}

void
serve(const unsigned *pids, unsigned n)
{
	struct writ_msg m;

	while (!pids || !all_ended(pids, n)) {
		writ_word_t kind, label;
		writ_cptr_t got = 0, handle = 0;
		bool placed = false;
		struct proc *p;
		long r;

		if (!recv_slot)
			recv_slot = slot_alloc();
		writ_set_receive_slot(WRIT_SLOT_ROOT_CNODE, recv_slot, FULL_DEPTH);
		memset(&m, 0, sizeof(m));
		writ_recv(init.ep, &m);
		if (writ_msginfo_caps(m.info) == 1 && !(m.info >> WRIT_MSGINFO_UNWRAP_SHIFT & 1)) {
			got = recv_slot;
			recv_slot = 0;
		}
		kind = m.badge & BADGE_KIND_MASK;
		label = writ_msginfo_label(m.info);
		if (init.trace)
			writ_printf("init: message label %lu badge %lx caps %u\n", label, m.badge,
				    writ_msginfo_caps(m.info));
		p = proc_get((unsigned)(m.badge & BADGE_PID_MASK));
		if (!p || (kind != BADGE_HANDLE && !p->alive)) {
			/* A late message from a process already gone, or a handle to a
			 * process reaped: nothing to answer for. */
			if (p == NULL && kind == BADGE_HANDLE)
				reply(&m, -ECHILD, 0, 0, 0);
			goto drop;
		}
		if (kind == BADGE_FAULT) {
			if (label == WRIT_FAULT_VM &&
			    proc_stack_fault(p, m.mr[WRIT_VM_FAULT_ADDR],
					     m.mr[WRIT_VM_FAULT_ERROR])) {
				reply(&m, 0, 0, 0, 0);	/* the thread goes on */
				goto drop;
			}
			if (sig_fault(p, &m))
				goto drop;	/* the faulting thread waits; its personality acts */
			report_fault(p, &m);
			proc_end(p, WRIT_WAIT_FAULTED);
			goto drop;
		}
		if (kind == BADGE_SELF) {
			switch (label) {
			case WRIT_PROC_EXIT:
				proc_end(p, (int)((m.mr[0] & 0xff) << 8));
				goto drop;
			case WRIT_PROC_EXIT_SIGNAL:
				if (!(m.mr[0] & 0x7f) || (m.mr[0] & 0x7f) == 0x7f)
					break;	/* not a signal: 0x7f would read as stopped */
				proc_end(p, (int)(m.mr[0] & 0xff));
				goto drop;
			case WRIT_PROC_SPAWN:
				r = do_spawn(p, &m, &handle, &placed);
				if (r == SPAWN_REPLACED)
					goto drop;	/* the caller is gone: its execve took place */
				reply(&m, r, placed ? WRIT_SPAWN_HANDLE_PLACED : 0, 0,
				      r > 0 ? handle : 0);
				if (handle) {
					writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, handle, FULL_DEPTH);
					slot_free(handle);
				}
				goto drop;
			case WRIT_PROC_IMAGE:
				reply(&m, image_lend(p, m.mr[0]), 0, 0, 0);
				goto drop;
			case WRIT_PROC_INFO:
				reply(&m, p->pid, umem_free_bytes(), umem_free_blocks(), 0);
				goto drop;
			case WRIT_PROC_KILL_SERVICE:
				reply(&m, do_kill_service(p, &m), 0, 0, 0);
				goto drop;
			case WRIT_PROC_NAME:
				reply_name(&m, proc_get((unsigned)m.mr[0]));
				goto drop;
			case WRIT_PROC_LIST:
				do_list(p, &m);
				goto drop;
			case WRIT_PROC_MEMINFO:
				do_meminfo(&m);
				goto drop;
			case WRIT_PROC_KLOG:
				do_klog(&m);
				goto drop;
			case WRIT_PROC_HOLDERS:
				do_holders(&m, got);
				goto drop;
			case WRIT_PROC_SIG_REGISTER:
				r = sig_register(p, got);
				if (r == 0)
					got = 0;	/* kept */
				reply(&m, r, 0, 0, 0);
				goto drop;
			case WRIT_PROC_SIGNAL:
				r = sig_send(p, (int32_t)m.mr[0], (unsigned)m.mr[1]);
				if (p->alive)
					reply(&m, r, 0, 0, 0);
				goto drop;
			case WRIT_PROC_SIG_TAKE:
				sig_take(p, &m);
				goto drop;
			case WRIT_PROC_SETPGID:
				reply(&m, sig_setpgid(p, (unsigned)m.mr[0], (unsigned)m.mr[1]), 0, 0, 0);
				goto drop;
			case WRIT_PROC_GETPGID:
				reply(&m, m.mr[1] ? sig_getsid(p, (unsigned)m.mr[0])
				      : sig_getpgid(p, (unsigned)m.mr[0]), 0, 0, 0);
				goto drop;
			case WRIT_PROC_SETSID:
				reply(&m, sig_setsid(p), 0, 0, 0);
				goto drop;
			case WRIT_PROC_STOP:
				reply(&m, sig_stop(p, (unsigned)m.mr[0]), 0, 0, 0);
				goto drop;
			case WRIT_PROC_SIG_LINUX:
				p->linux_defaults = true;
				reply(&m, 0, 0, 0, 0);
				goto drop;
			case WRIT_PROC_CHLD_REAP:
				p->reap_children = m.mr[0] != 0;
				p->chld_handled = writ_msginfo_length(m.info) > 1 && m.mr[1];
				reply(&m, 0, 0, 0, 0);
				goto drop;
			}
		} else if (kind == BADGE_HANDLE) {
			switch (label) {
			case WRIT_PROC_WAIT:
				r = do_wait(p, got, writ_msginfo_length(m.info) ? (unsigned)m.mr[0] : 0);
				if (r == -EAGAIN)
					got = 0;	/* kept as the waiter's wake-up */
				reply(&m, r, 0, 0, 0);
				goto drop;
			case WRIT_PROC_KILL:
				proc_end(p, WRIT_WAIT_KILLED);
				reply(&m, 0, 0, 0, 0);
				goto drop;
			}
		}
		reply(&m, -ENOSYS, 0, 0, 0);
drop:
		if (got) {
			writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, got, FULL_DEPTH);
			if (!recv_slot)
				recv_slot = got;
			else
				slot_free(got);
		}
	}
}
