/*
 * Processes: what a program finds when it starts, and how it asks init (the process
 * manager) to spawn, wait for and kill processes.
 *
 * A process is a CSpace, a VSpace, threads and a memory quota, all made from untyped
 * memory that init set aside for it; its authority is exactly the capabilities in its
 * own CSpace. Its CSpace root is one CNode whose guard makes a capability pointer
 * equal to a slot index (as the root task's), laid out as WRIT_PSLOT_* below.
 *
 * The start. init lays out the initial stack exactly as Linux does for a static
 * x86_64 program (argc, argv, envp, auxv with AT_PHDR, AT_PHNUM, AT_PAGESZ, AT_ENTRY,
 * AT_RANDOM), so unmodified programs start the same way, and adds one auxv entry,
 * WRIT_AT_STARTINFO, the address of a read-only page describing the capabilities it
 * handed over (struct writ_startinfo). libwrit's _start finds it and calls main().
 */
#ifndef WRIT_PROC_H
#define WRIT_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <writ/abi.h>

/* Fixed slots of a process's CSpace (the first ones match the root task's). */
#define WRIT_PSLOT_TCB          1       /* its first thread */
#define WRIT_PSLOT_CNODE        2       /* its CSpace root */
#define WRIT_PSLOT_VSPACE       3       /* its PML4 */
#define WRIT_PSLOT_IRQ_CONTROL  4       /* empty unless lent (the kernel test suite) */
#define WRIT_PSLOT_IOPORT_CONTROL 5     /* empty unless lent */
#define WRIT_PSLOT_BOOTINFO     6       /* a BootInfo view, for the kernel test suite */
#define WRIT_PSLOT_IPC_BUFFER   7       /* the first thread's IPC buffer frame */
#define WRIT_PSLOT_PROC         9       /* itself, at init: exit, spawn, wait, kill */
#define WRIT_PSLOT_STARTINFO   10       /* the frame of struct writ_startinfo */
#define WRIT_PSLOT_FAULT       12       /* init's endpoint for its threads' faults */
#define WRIT_PSLOT_FIRST_FREE  16

/* Where things are in a new process's address space. */
#define WRIT_STARTINFO_VADDR   0x7fff00002000ull
/* The first thread's stack ends here: in the page table of the IPC buffer and the start
 * info (WRIT_ROOT_IPC_BUFFER), so that the three need one table between them. */
#define WRIT_PROC_STACK_TOP    0x7fff00200000ull
#define WRIT_ARCHIVE_VADDR     0x7ffc00000000ull  /* the boot archive, read-only (use=archive) */
#define WRIT_ADDED_VADDR       0x7ffc80000000ull  /* `./writ exec --add`'s archive, ditto */
#define WRIT_ARCHIVE_MAX       0x80000000ull      /* each view is smaller than the gap */
#define WRIT_IMAGE_VADDR       0x7ffb00000000ull  /* a program image being read (IMAGE) */
#define WRIT_HEAP_LO           0x100000000000ull  /* anonymous memory: heap, stacks */
#define WRIT_HEAP_HI           0x200000000000ull
/* A Linux program's stack: its pages end at WRIT_PROC_STACK_TOP (issue 22). */
#define WRIT_LINUX_STACK_PAGES 32

#define WRIT_AT_STARTINFO      0x5701   /* auxv type: not one Linux uses */
#define WRIT_STARTINFO_MAGIC   0x5772697453747274ull   /* "WritStrt" */
#define WRIT_STARTINFO_UNTYPED 12
#define WRIT_STARTINFO_CAPS    40
#define WRIT_CAP_NAME          32

/* A capability init handed over, by name: a scheme ("file", "log", ...), an fd
 * ("fd0".."fd2"), a device ("ioport0", "irq4", "devmem0"), a served endpoint ("serve"). */
struct writ_startinfo_cap {
	char name[WRIT_CAP_NAME];
	uint32_t slot;
	uint32_t kind;                  /* WRIT_SCAP_* */
	writ_word_t arg;                /* kind-specific: the IRQ line, first/last port... */
};

#define WRIT_SCAP_SCHEME  1     /* a scheme capability (a policy at its server) */
#define WRIT_SCAP_FD      2     /* an open file; arg = fd number */
#define WRIT_SCAP_IOPORT  3     /* arg = first | last << 16 */
#define WRIT_SCAP_IRQ     4     /* an IRQHandler; arg = the line */
#define WRIT_SCAP_DEVMEM  5     /* a device untyped; arg = physical address */
#define WRIT_SCAP_SERVE   6     /* the endpoint a server receives on */
#define WRIT_SCAP_OTHER   7
/* "archive": the boot archive's frames, mapped read-only from WRIT_ARCHIVE_VADDR; slot =
 * the first of its consecutive frame capabilities, arg = its size in bytes | the offset
 * of its first byte in the first page << 52. Given to a line with use=archive (file:).
 * "added": the same for the archive of files `./writ exec --add` put into the boot (the
 * boot module "added"), at WRIT_ADDED_VADDR; its entries replace the boot archive's. */
#define WRIT_SCAP_ARCHIVE 8
#define WRIT_SCAP_RAM     9     /* a RAM untyped lent whole; arg = paddr | bits << 56 */

struct writ_startinfo {
	writ_word_t magic;
	uint32_t version;
	uint32_t pid;
	uint32_t cnode_radix;
	uint32_t first_free_slot;       /* [first_free_slot, 1 << cnode_radix) are empty */
	uint32_t n_untyped;
	uint32_t n_caps;
	struct { uint32_t slot; uint32_t size_bits; } untyped[WRIT_STARTINFO_UNTYPED];
	writ_word_t heap_lo, heap_hi;   /* virtual range for anonymous memory */
	writ_word_t spawn_tsc;          /* the TSC when init began building it */
	struct writ_startinfo_cap caps[WRIT_STARTINFO_CAPS];
	char name[WRIT_CAP_NAME];       /* what init calls it (its boot.conf name or path) */
	uint32_t ppid;                  /* the pid of the process that spawned it (0: init) */
};

_Static_assert(sizeof(struct writ_startinfo) <= 4096, "start info fits one page");

/* ---- the process's own runtime ---- */

/* The start info init gave this process (NULL in the root task).
 * Example: `for (unsigned i = 0; i < writ_startinfo()->n_caps; i++) ...` */
const struct writ_startinfo *writ_startinfo(void);
/* The slot of the capability named `name`, or 0. Example: `writ_cap_named("serve")` */
writ_cptr_t writ_cap_named(const char *name);
/* Let go of the start info's capability i for good (a sandbox entered: the Linux
 * personality's cap_enter): its slot is emptied, and writ_cap_named, writ_scheme_cap
 * and writ_spawn_opts_inherit no longer give it. writ_startinfo_held(i): not let go.
 * Example: `for (i...) if (si->caps[i].kind == WRIT_SCAP_SCHEME) writ_startinfo_drop(i);` */
void writ_startinfo_drop(unsigned i);
bool writ_startinfo_held(unsigned i);
/* A free slot of the process's own CSpace, or 0 when the CNode is full; free it once
 * empty. Example: `writ_cptr_t s = writ_slot_alloc(); ... writ_slot_free(s);` */
writ_cptr_t writ_slot_alloc(void);
void writ_slot_free(writ_cptr_t slot);
/* n consecutive free slots (the first), or 0. Example: `writ_slot_alloc_run(4)` */
writ_cptr_t writ_slot_alloc_run(unsigned n);
/* The process's arguments and environment, as main got them.
 * Example: `const char *home = writ_getenv("HOME");  // NULL if unset` */
extern int writ_argc;
extern char **writ_argv;
extern char **writ_envp;
const char *writ_getenv(const char *name);

/*
 * Leave: the process ends with `status`, and every object made from its quota goes
 * back to init. Example: `if (bad) writ_exit(2);`
 */
__attribute__((noreturn)) void writ_exit(int status);

/*
 * The name init gave live process `pid` (its boot.conf name or program path), NUL-
 * terminated in buf. -> its length, or -ESRCH. Servers use it to say who wrote.
 * Example: `char n[WRIT_CAP_NAME]; writ_proc_name(5, n, sizeof(n));`
 */
long writ_proc_name(unsigned pid, char *buf, size_t n);

/* One capability of a scheme that a process holds (writ_proc_holders). */
struct writ_holder {
	unsigned pid;
	unsigned rights;                /* WRIT_RIGHT_* */
	writ_word_t slot;               /* in its CSpace */
	writ_word_t badge;              /* the server's record in it (scheme_badge_index) */
};

/*
 * Which live processes hold capabilities of the scheme `scheme_cap` (any capability of
 * it the caller holds) and with which badges, as init sees their CSpaces now (the
 * server itself left out): up to max (at least WRIT_CNODE_FIND_MAX_FOUND) into out,
 * continuing from *cursor (0 at first; 0 again when every process was looked at).
 * -> how many, or -EINVAL when the capability is no scheme's or max is too small. captree uses it to say who holds each policy and file.
 * Example: `struct writ_holder h[64]; unsigned long c = 0;
 *           do n = writ_proc_holders(writ_scheme_cap("file"), &c, h, 64); while (c);`
 */
long writ_proc_holders(writ_cptr_t scheme_cap, unsigned long *cursor, struct writ_holder *out,
		       unsigned max);

/* ---- the process manager's protocol (labels of calls on WRIT_PSLOT_PROC) ---- */
#define WRIT_PROC_EXIT    1     /* (status): never answered */
#define WRIT_PROC_SPAWN   2     /* see writ_spawn */
#define WRIT_PROC_WAIT    3     /* on a child's capability: -> (status) */
#define WRIT_PROC_KILL    4     /* on a child's capability */
#define WRIT_PROC_INFO    5     /* -> (pid, init's free bytes, its free blocks) */
#define WRIT_PROC_KILL_SERVICE 6 /* (name length) scheme name: test programs only */
#define WRIT_PROC_NAME    7     /* (pid) -> (length), the name from SCHEME_DATA_WORD */
#define WRIT_PROC_IMAGE   8     /* (size) -> 0: an image buffer at WRIT_IMAGE_VADDR */
/* (signal | 0x80 for a core): end as killed by that signal (a Linux program's default
 * action); never answered. Its wait status is Linux's for that end. */
#define WRIT_PROC_EXIT_SIGNAL 9
/*
 * Signals between processes (the Linux personality's kill and SIGCHLD; init/sig.c).
 * SIG_REGISTER (a notification capability): init keeps it and signals it when a
 * signal is posted to the caller; without one, a signal has its default action (the
 * process ends as killed by it, or nothing for the ignored ones). SIGNAL (pid, sig):
 * pid > 0 one process, pid < 0 the process group -pid, 0 the caller's group; the
 * caller may signal itself, its descendants, its parent, its group and session; sig 0
 * only checks. -> 0, -ESRCH, -EPERM, -EINVAL, or 1: the group named holds the caller,
 * which signals itself (init posts to the others). SIG_TAKE: -> (pending set) and from
 * word 1, one word per signal 1..64: the sender's pid | si_code << 32 | status << 40
 * (the last sender for all but SIGCHLD, a fault's own), then a fault's address and RIP.
 * SETPGID (pid, pgid) / GETPGID (pid, 0) -> 0 / the pgid, as Linux's (0: the caller);
 * GETPGID (pid, 1) -> its session; SETSID -> the new session's id.
 */
#define WRIT_PROC_SIG_REGISTER 20
#define WRIT_PROC_SIGNAL      21
#define WRIT_PROC_SIG_TAKE    22
#define WRIT_PROC_SETPGID     23
#define WRIT_PROC_GETPGID     24
#define WRIT_PROC_SETSID      25
/*
 * Stop and continue (init/sig.c). STOP (sig): the caller's personality stops itself by
 * a stop signal's default action; init records it for the parent's wait (WUNTRACED)
 * and posts SIGCHLD CLD_STOPPED. A SIGCONT posted to a stopped process makes it
 * continued (WCONTINUED, CLD_CONTINUED). CHLD_REAP (on, handled): with on, the
 * caller's children are reaped when they end (SIGCHLD ignored, or SA_NOCLDWAIT): no
 * zombie, and a WAIT on one answers -ECHILD; with handled, SIGCHLD has a handler and
 * init posts it, otherwise a child's end or stop posts none (ignored at generation).
 */
#define WRIT_PROC_STOP        31
#define WRIT_PROC_CHLD_REAP   32
/* SIG_LINUX: the caller is a Linux program that has no signal thread yet (lx/README.md,
 * "Signals from other processes"): init applies the default actions, and a fault ends
 * it as killed by the fault's signal (with a core) rather than WRIT_WAIT_FAULTED. */
#define WRIT_PROC_SIG_LINUX   33
/* (table index, slot) and a capability of a scheme -> who holds the scheme's
 * capabilities (see writ_proc_holders; srv/init/holders.c). */
#define WRIT_PROC_HOLDERS 30
/*
 * The process list (srv/init/list.c), for ps, top and the personality's /proc.
 * LIST (cursor) -> (count, next cursor) and count struct writ_proc_entry from word
 * SCHEME_DATA_WORD; the cursor is 0 at first and 0 again once every process was
 * given. Who sees whom: a process spawned WRIT_SPAWN_CONFINED (sandbox's programs),
 * and every process it spawns, sees only itself and its own descendants; any other
 * sees every process. A pid nobody may see is as absent as one that never was.
 * MEMINFO -> (0, the bytes init manages in all, those free now, the quotas of the
 * live processes), the same for every caller (a sandboxed one learns only how full
 * the machine is, as Linux's sysinfo tells anyone).
 */
#define WRIT_PROC_LIST    40
#define WRIT_PROC_MEMINFO 41
/* KLOG (offset) -> (bytes in all, n) and n bytes from word SCHEME_DATA_WORD: the
 * kernel's console lines until init started (WRIT_KLOG_VADDR), for dmesg. */
#define WRIT_PROC_KLOG    46

#define WRIT_PROC_CMDLINE 112           /* argv, NUL-separated, cut there */

struct writ_proc_entry {
	uint32_t pid, ppid, pgid, sid;
	uint8_t state;                  /* 'R' the caller, 'S' alive, 'Z' ended, not reaped */
	uint8_t quota_bits;             /* its memory quota is 2^quota_bits bytes */
	uint16_t cmdline_len;           /* bytes of cmdline used */
	uint32_t reserved;
	uint64_t start_tsc;             /* the TSC when init began building it */
	char name[WRIT_CAP_NAME];       /* what init calls it (boot.conf name or path) */
	char cmdline[WRIT_PROC_CMDLINE];
};

_Static_assert(sizeof(struct writ_proc_entry) % 8 == 0, "entries fill whole words");
#define WRIT_PROC_LIST_MAX \
	((WRIT_MSG_MAX_LENGTH - 4) * 8 / sizeof(struct writ_proc_entry))

/*
 * The next processes the caller may see (see WRIT_PROC_LIST), from *cursor (0 at
 * first; 0 again after the last) into out, room for max >= WRIT_PROC_LIST_MAX -> how
 * many (0 with *cursor 0: no more), or -errno (-EINVAL: max too small).
 * Example: `struct writ_proc_entry e[WRIT_PROC_LIST_MAX]; unsigned c = 0;
 *           do n = writ_proc_list(&c, e, WRIT_PROC_LIST_MAX); while (n > 0 && c);`
 */
long writ_proc_list(unsigned *cursor, struct writ_proc_entry *out, unsigned max);
/* Memory as init counts it (WRIT_PROC_MEMINFO): -> 0 or -errno.
 * Example: `writ_word_t total, free, quotas; writ_proc_meminfo(&total, &free, &quotas);` */
long writ_proc_meminfo(writ_word_t *total, writ_word_t *free_bytes, writ_word_t *quotas);
/* The kernel's boot lines (WRIT_PROC_KLOG) from byte `offset` into buf -> bytes copied
 * (0 past the end), or -errno. Example: `n = writ_proc_klog(0, buf, sizeof(buf));` */
long writ_proc_klog(size_t offset, char *buf, size_t len);

/* WAIT answers -EAGAIN while the child runs, after keeping the notification capability
 * sent with the request: init signals it when the child ends (or stops or continues).
 * WAIT (flags), with one word: WRIT_WAIT_UNTRACED and WRIT_WAIT_CONTINUED also answer a
 * stop (0x7f | sig << 8) or a continue (0xffff) not yet reported, as Linux's wait4. */
#define WRIT_WAIT_UNTRACED  2
#define WRIT_WAIT_CONTINUED 8

/*
 * SPAWN's request, in the message words from SCHEME_DATA_WORD (writ/scheme.h): this
 * header, then ncaps struct writ_spawn_cap, then the path, argv and envp strings, each
 * NUL-terminated. The capabilities are slots of the caller's own CSpace, which init
 * copies into the child (it holds every process's CNode). Answer: the pid or -errno in
 * message register 0, and a capability to the child (wait, kill): minted straight into
 * the empty slot of the caller's CSpace named in message register 0 of the request
 * (register 1 of the answer is then WRIT_SPAWN_HANDLE_PLACED), else in the reply.
 */
#define WRIT_SPAWN_HANDLE_PLACED 1u
/*
 * Programs from a scheme (writ_spawn("file:/bin/x")). init never calls a server a
 * process names (one that never answered would stop init), so the spawner reads the
 * file itself, with its own authority, into an image buffer: IMAGE (size) has init map
 * fresh writable pages at WRIT_IMAGE_VADDR in the caller (at most WRIT_IMAGE_MAX bytes,
 * one buffer per process, a second IMAGE replaces the first), and SPAWN with
 * WRIT_SPAWN_IMAGE in its flags takes them away again before init reads the ELF from
 * them, so nobody else can change it while init parses. The buffer is init's memory,
 * lent for the spawn only: SPAWN frees it, as does the caller's end.
 */
#define WRIT_IMAGE_MAX    (64ull << 20)
#define WRIT_SPAWN_IMAGE  1u
/* The child and all it spawns see only their own part of the process list. */
#define WRIT_SPAWN_CONFINED 2u
/* execve: the program replaces the caller. It takes the caller's pid, parent, process
 * group and session (a handle the parent holds now waits for it), the caller's memory
 * goes back to init, and the call never returns; on an error (the program is not
 * there or not an ELF, no memory for its quota) the caller goes on with -errno. */
#define WRIT_SPAWN_EXEC 4u

struct writ_spawn_hdr {
	uint32_t quota_bits;            /* 0: init's default */
	uint16_t argc, envc;
	uint16_t ncaps, bytes;          /* capabilities; bytes of strings */
	uint32_t flags;                 /* WRIT_SPAWN_IMAGE, _CONFINED, _EXEC */
	uint32_t pad;
	uint64_t signals;               /* _EXEC: signals the caller took and had not acted
					 * on (bit sig-1), pending for the new program */
};

struct writ_spawn_cap {
	uint32_t slot;                  /* in the caller's CSpace */
	uint32_t kind;                  /* WRIT_SCAP_*; for WRIT_SCAP_FD, arg is the fd */
	writ_word_t arg;
	char name[16];
};

/*
 * Start the program at `path` with argv (NULL-terminated): a path of the boot archive
 * ("/bin/hello"), or a path with a scheme ("file:/home/u/prog", "tmp:/a.out") that the
 * caller opens and reads with its own capabilities (so a process starts only programs it
 * may read; see WRIT_PROC_IMAGE).
 * Without options the child gets the caller's scheme capabilities (its namespace) and
 * its fds 0, 1 and 2; with options, exactly o->caps (a sandbox) and its quota is
 * 2^o->quota_bits bytes (0: init's default, 4 MiB). Returns the pid or -errno
 * (-ENOENT: no such program, -ENOEXEC: not a usable ELF, -ENOMEM: no memory for its
 * quota, -EFBIG: a program file over WRIT_IMAGE_MAX, or what opening or reading it
 * said); *child gets a capability to it, for writ_proc_wait and writ_proc_kill.
 * Example:
 *   writ_cptr_t child;
 *   const char *argv[] = { "/test/bin/echo", "hi", NULL };
 *   long pid = writ_spawn("/test/bin/echo", argv, NULL, &child);
 *   long status = writ_proc_wait(child);     // WRIT_WAIT_STATUS(status) is its exit code
 */
struct writ_spawn_opts {
	unsigned quota_bits;
	const char *const *envp;        /* NULL: the caller's environment */
	unsigned ncaps;
	struct writ_spawn_cap caps[16];
	unsigned flags;                 /* WRIT_SPAWN_CONFINED, WRIT_SPAWN_EXEC, or 0 */
	uint64_t signals;               /* WRIT_SPAWN_EXEC: writ_spawn_hdr's signals */
};

long writ_spawn(const char *path, const char *const *argv, const struct writ_spawn_opts *o,
		writ_cptr_t *child);
/* Add the caller's namespace (its scheme capabilities, and COM1 if it holds it) to o:
 * what a child gets without options, before its fds. Example: under writ_spawn_opts_fd. */
void writ_spawn_opts_inherit(struct writ_spawn_opts *o);
/* Hand the caller's fd to the child as its fd `child_fd`; -EMFILE when o is full.
 * Example:
 *   struct writ_spawn_opts o = { 0 };
 *   writ_spawn_opts_inherit(&o);
 *   writ_spawn_opts_fd(&o, pipe_fds[1], 1);   // the child writes to our pipe
 */
int writ_spawn_opts_fd(struct writ_spawn_opts *o, int fd, int child_fd);
/* Wait for the child to end; its wait status (Linux's encoding), or -errno. The
 * capability is gone afterwards. Example: `long s = writ_proc_wait(child);` */
long writ_proc_wait(writ_cptr_t child);
/* End the child now (its wait status says WRIT_WAIT_KILLED). Example: `writ_proc_kill(child);` */
long writ_proc_kill(writ_cptr_t child);
/* init's free memory, in bytes and in blocks (equal before and after a set of
 * processes that all ended means they returned every byte). -> the caller's pid.
 * Example: `writ_word_t free_bytes; long pid = writ_proc_info(&free_bytes, NULL);` */
long writ_proc_info(writ_word_t *free_bytes, writ_word_t *free_blocks);

/* Kill the server that serves `scheme` now, as a crash would (init restarts it if
 * boot.conf says restart=yes). Only for the test programs init runs: -EPERM for any
 * other process, -ENOENT if no server serves it. Example: `writ_proc_kill_service("pipe");` */
long writ_proc_kill_service(const char *scheme);

/* How a process ended, as wait gives it: exit status in bits 8..15 as Linux's wait
 * status, or the fault that killed it (WRIT_WAIT_FAULTED, WRIT_WAIT_KILLED). */
#define WRIT_WAIT_EXITED(s)   (((s) & 0x7f) == 0)
#define WRIT_WAIT_STATUS(s)   (((s) >> 8) & 0xff)
#define WRIT_WAIT_SIGNAL(s)   ((s) & 0x7f)
#define WRIT_WAIT_KILLED      9         /* SIGKILL */
#define WRIT_WAIT_FAULTED     11        /* SIGSEGV: a fault nobody handled */

#endif
