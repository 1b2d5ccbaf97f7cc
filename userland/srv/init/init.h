/* init, the root task and process manager: what its parts share. */
#ifndef WRIT_INIT_H
#define WRIT_INIT_H

#include <writ/mem.h>
#include <writ/proc.h>
#include <writ/scheme.h>
#include <writ/writ.h>

#define FULL_DEPTH 64

struct init_state {
	const struct writ_bootinfo *bi;
	writ_cptr_t serial;             /* IOPort for COM1, lent to programs that print raw */
	writ_cptr_t exit_port;          /* isa-debug-exit */
	writ_cptr_t ep;                 /* the process manager's endpoint */
	writ_cptr_t irq_control, ioport_control;        /* 0 while lent */
	unsigned failures;              /* test verdicts init itself checks */
	bool trace;                     /* `inittrace`: a line per message */
	const struct writ_bootinfo_module *archive;     /* the boot archive's frames */
	const struct writ_bootinfo_module *added;       /* `exec` boots: files added, or NULL */
	const char *conf_path;          /* /etc/boot.conf, or /etc/exec.conf in `exec` boots */
};

extern struct init_state init;

/* Slots of init's own CNode. */
writ_cptr_t slot_alloc(void);
void slot_free(writ_cptr_t slot);
/* n consecutive slots, or 0. */
writ_cptr_t slot_alloc_run(unsigned n);
unsigned slots_left(void);

bool cmdline_has(const char *word);
/* The boot module GRUB loaded with this command line (mapped read-only), or NULL. */
const void *module_named(const char *name, size_t *size,
			 const struct writ_bootinfo_module **bm);
void assert_init(bool ok, const char *why);
void check(bool ok, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* umem.c: untyped memory, a buddy allocator over untyped capabilities. */
void umem_add(writ_cptr_t slot, unsigned bits, uint64_t paddr);
struct umem_lent {
	writ_cptr_t slot;
	unsigned bits;
	uint64_t paddr;
};
unsigned umem_lend_roots(struct umem_lent *out, unsigned max);
void umem_take_back(void);
int umem_alloc(unsigned bits, writ_cptr_t *slot);       /* block index, or -1 */
void umem_free(int block);                              /* revokes it first */
uint64_t umem_free_bytes(void);
uint64_t umem_total_bytes(void);
unsigned umem_free_blocks(void);
unsigned umem_largest_free_bits(void);
long revoke_fully(writ_cptr_t slot);
writ_cptr_t init_object(unsigned type);

/* A capability to put into a new process's CSpace. */
struct spawn_cap {
	const char *name;               /* NULL: not listed in the start info */
	writ_cptr_t src;                /* in init's CSpace, or in src_cnode's */
	writ_cptr_t src_cnode;          /* 0: init's own; else a CNode init holds */
	unsigned src_depth;
	unsigned kind;                  /* WRIT_SCAP_* */
	writ_word_t arg;
	bool move;                      /* move (lend), else copy/mint */
	bool give;                      /* with move: for good, it dies with the process */
	writ_word_t badge;              /* mint with this badge when non-zero */
	bool add_pid;                   /* ...with the child's pid in its index bits */
	unsigned rights;                /* 0: all the source has */
	writ_cptr_t dest;               /* fixed slot in the child, or 0 for the next free */
};

#define SPAWN_MAX_CAPS 200
#define SPAWN_MAX_ARGS 64

struct spawn_args {
	const char *name;
	const void *elf;
	size_t elf_size;
	const char *const *argv;        /* NULL-terminated */
	const char *const *envp;        /* NULL-terminated, may be NULL */
	unsigned quota_bits;            /* the untyped block charged for everything */
	unsigned cnode_radix;
	unsigned prio, mcp;
	bool bootinfo_view;             /* the kernel test suite: a BootInfo page as root's */
	unsigned stack_pages;           /* 0: the default */
	bool lend_ram;                  /* lend every whole free RAM block (the kernel suite) */
	bool archive_view;              /* the boot archive mapped read-only (file:) */
	bool elf_transient;             /* elf is not the archive's: never cache by its address */
	unsigned n_caps;
	struct spawn_cap caps[SPAWN_MAX_CAPS];
	unsigned ppid;                  /* the spawner's pid, for the start info (0: init) */
	unsigned pid;                   /* the pid to take (an execve's), or 0: a new one */
};

#define PROC_MAX_LENT 200

/* A process, as init keeps it. */
struct proc {
	unsigned pid;                   /* 0: free entry */
	char name[WRIT_CAP_NAME];
	int block;                      /* its quota (umem block) */
	writ_cptr_t quota;              /* the block's untyped */
	writ_cptr_t tcb, cnode;         /* init's own capabilities to them */
	writ_cptr_t run;                /* its tables and frames in init's slots (or 0)... */
	unsigned run_n;                 /* ...so many */
	void *text_set;                 /* the shared text it maps (spawn.c), or NULL */
	unsigned cnode_radix;
	writ_cptr_t lent[PROC_MAX_LENT];        /* child slots of lent capabilities... */
	writ_cptr_t lent_home[PROC_MAX_LENT];   /* ...and where they go back when it ends */
	unsigned n_lent;
	bool lends_ram;                 /* umem's roots are lent to it: revoke at its end */
	bool alive;
	bool is_test;                   /* a test program init runs: may kill services */
	int status;                     /* wait status, once dead */
	unsigned parent;                /* pid of the process that may wait for it */
	writ_cptr_t waiter_wake;        /* a notification to signal when it ends, or 0 */
	writ_cptr_t sig_ntfn;           /* signalled when a signal is posted to it (sig.c) */
	uint64_t sig_pending;           /* posted, not yet taken */
	/* Who sent them (sig.c's info words): the last sender of any, SIGCHLD's own, the
	 * last fault's (its signal, address and RIP). Few words: init's image is slots. */
	uint64_t sig_from, sig_chld, sig_fault;
	uint64_t sig_fault_addr, sig_fault_ip;
	unsigned sig_fault_sig;
	unsigned pgid, sid;             /* its process group and session */
	bool stopped;                   /* by a stop signal, until a SIGCONT */
	int wait_report;                /* a stop or continue status for wait, or 0 */
	bool reap_children;             /* SIGCHLD ignored / SA_NOCLDWAIT: no zombies */
	bool chld_handled;              /* SIGCHLD has a handler: post it (else it is dropped) */
	bool linux_defaults;            /* a Linux program without a signal thread */
	uint64_t spawn_tsc;
	/* Its first thread's stack but the top page, mapped page by page at the first
	 * touch (spawn.c): [stack_lo, + stack_n pages), frames from stack_ut into the
	 * slots from stack_slots, mapped through vspace (init's own PML4 capability). */
	uint64_t stack_lo;
	uint64_t stack_touched;         /* bit i: page i is mapped */
	writ_cptr_t stack_ut, stack_slots, vspace;
	unsigned stack_n;
	/* list.c: what ps shows of it. */
	char cmdline[WRIT_PROC_CMDLINE];        /* argv, NUL-separated, cut */
	uint16_t cmdline_len;
	uint8_t quota_bits;
	bool confined;                  /* sees only its descendants (WRIT_SPAWN_CONFINED) */
};

#define MAX_PROCS 256

struct proc *proc_get(unsigned pid);
/* Entry i of the process table (free ones too: pid 0), NULL past its end. */
struct proc *proc_at(unsigned i);
/* Entries [proc_count(), MAX_PROCS) are free. */
unsigned proc_count(void);
/* Build and start a process; its pid, or 0 with a line printed that says why. */
unsigned spawn(const struct spawn_args *a);
extern int spawn_errno;         /* why the last spawn failed: ENOEXEC, ENOMEM... */
/* A VM fault of p's at addr (error: the fault's error code) in a stack page it had not
 * touched yet: the page is mapped (the thread may go on) -> true; any other -> false. */
bool proc_stack_fault(struct proc *p, uint64_t addr, uint64_t error);
/* End a live process with wait status `status`: its memory goes back to init. */
void proc_end(struct proc *p, int status);
/* Forget an ended process once its status was collected. */
void proc_reap(struct proc *p);
/* old called execve and `new` (built with old's pid, see spawn_args.pid) runs in its
 * place: new takes old's family and identity, and old goes without a trace (no
 * status, no SIGCHLD): its memory back to init, its entry free. */
void proc_replace(struct proc *old, struct proc *new);
/* The pid a process is known by while the program of its execve is built (the new
 * one has its pid then); never given to a process. */
#define PID_ASIDE BADGE_PID_MASK

/* Copy at most n - 1 bytes of s and a NUL. */
static inline void
strncpy_bounded(char *d, const char *s, size_t n)
{
	size_t l = strnlen(s, n - 1);

	memcpy(d, s, l);
	d[l] = 0;
}

/* Badges on init's endpoint: the pid in the low bits, what the holder is above. */
#define BADGE_PID_MASK 0xffffull
#define BADGE_FAULT   (1ull << 16)  /* a thread of the process faulted */
#define BADGE_SELF    (2ull << 16)  /* the process itself (WRIT_PSLOT_PROC) */
#define BADGE_HANDLE  (3ull << 16)  /* a capability to the process, held by another */
#define BADGE_KIND_MASK (0xfull << 16)

/* list.c: the process list (WRIT_PROC_LIST, WRIT_PROC_MEMINFO). */
void proc_note_spawn(struct proc *p, const struct spawn_args *a);
void do_list(struct proc *caller, struct writ_msg *m);
void do_meminfo(struct writ_msg *m);
void do_klog(struct writ_msg *m);

/* sig.c: signals between processes (WRIT_PROC_SIGNAL and friends). */
long sig_register(struct proc *p, writ_cptr_t ntfn);
void sig_after_exec(struct proc *p);
long sig_send(struct proc *from, int32_t pid, unsigned sig);
void sig_take(struct proc *p, struct writ_msg *m);
long sig_setpgid(struct proc *p, unsigned pid, unsigned pgid);
long sig_getpgid(struct proc *p, unsigned pid);
long sig_setsid(struct proc *p);
long sig_getsid(struct proc *p, unsigned pid);
/* A fault of p's: posted as SIGSEGV, SIGILL, SIGFPE, SIGBUS or SIGTRAP when p takes
 * signals (its personality runs the handler or ends it) -> true; else false. */
bool sig_fault(struct proc *p, const struct writ_msg *m);
/* p ended: SIGCHLD to its parent, its signal notification dropped. */
void sig_proc_ended(struct proc *p);
/* STOP: p stops by sig's default action. */
long sig_stop(struct proc *p, unsigned sig);
/* A stop or continue of p not yet reported, that flags (WRIT_WAIT_*) ask for: its
 * status (then reported), or 0. */
int sig_wait_report(struct proc *p, unsigned flags);
/* p just ended: whether nobody will wait for it (its parent ignores SIGCHLD). */
bool sig_reap_at_end(const struct proc *p);

/* linux.c: Linux programs, which run with the personality beside them (issue 22). */
#define LINUX_PERSONALITY "/lib/writ-linux"
#define LINUX_LO 0x7fe000000000ull      /* where the personality may lie */
#define LINUX_HI 0x7ff000000000ull
#define LINUX_STACK_PAGES WRIT_LINUX_STACK_PAGES  /* 128 KiB: more than ours need */
bool linux_is_writ_program(const void *elf, size_t size);

/* image.c: WRIT_PROC_IMAGE's buffers, programs read from a scheme by their spawner. */
long image_lend(struct proc *p, writ_word_t size);
const void *image_take(struct proc *p, size_t *size);
void image_forget(struct proc *p);

/* Run the init loop until every process in `pids` has ended (test mode), or forever. */
void serve(const unsigned *pids, unsigned n);

/* boot.c: the boot archive, /etc/boot.conf's services, scheme capabilities. */
bool archive_init(const void *data, size_t size);
const void *archive_file(const char *path, size_t *size);
void archive_each(const char *dir, void (*fn)(const char *path, void *ctx), void *ctx);
bool boot_services(void);
unsigned boot_runs(unsigned *pids, unsigned max);
bool scheme_cap(struct spawn_args *a, const char *scheme);
void all_scheme_caps(struct spawn_args *a);
void ident_caps(struct spawn_args *a);
bool is_ident_name(const char *name);
bool console_fds(struct spawn_args *a);
bool scheme_fd(struct spawn_args *a, const char *scheme, unsigned fd);
bool serial_for_servers(void);
void services_process_ended(unsigned pid);
unsigned service_pid(const char *scheme);
writ_cptr_t service_ep(unsigned i, unsigned *pid);

/* holders.c: HOLDERS, who holds a scheme's capabilities (captree). Replies itself. */
void do_holders(struct writ_msg *m, writ_cptr_t got);

/* exec.c: `./writ exec` boots: run the one program the boot describes, leave QEMU. */
__attribute__((noreturn)) void exec_run(void);


#endif
