/*
 * The Linux personality: serves an unmodified static Linux program's system calls
 * inside its own process, with that process's own capabilities (issue 22).
 *
 * init maps it beside any ELF without Writ's mark (userland/srv/init/linux.c) and
 * starts the thread here with the program's Linux initial stack. It sets itself up from
 * the capabilities the process got (its fds, its scheme policies), sets the thread's
 * syscall upcall (TCB_SET_UPCALL) to lx_upcall (entry.asm), and jumps to the program's
 * entry. Each `syscall` of the program then lands in lx_dispatch on the program's own
 * stack, below its red zone, and returns with a plain jump.
 *
 * Linux fds are libwrit's fds (capabilities of the process's own CSpace). Memory the
 * program names is checked against the personality's map of the program's memory
 * (mem.c) before it is touched, so a bad pointer is -EFAULT, never a fault here.
 */
#ifndef LX_H
#define LX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <writ/writ.h>

/* What the upcall entry saved, in this order (entry.asm); the C side may change it. */
struct lx_call {
	uint64_t nr;
	uint64_t a[6];          /* RDI RSI RDX R10 R8 R9 */
	uint64_t rsp;           /* the program's stack pointer (not restored from here) */
	uint64_t rcx, r11;      /* the return address, RFLAGS */
};

_Static_assert(sizeof(struct lx_call) == 10 * 8, "entry.asm pushes ten words");

long lx_dispatch(struct lx_call *c);
void lx_upcall(void);
__attribute__((noreturn)) void lx_enter(uint64_t entry, uint64_t sp);

/* One Linux system call: the arguments, -> the result or -errno. */
typedef long (*lx_fn)(const uint64_t *a);

/* The largest syscall number the table covers; above: -ENOSYS. */
#define LX_NR_MAX 512

/* ---- mem.c: the program's memory, and checking what it names ---- */
void lx_mem_init(const uint64_t *auxv, uint64_t sp);
/* Whether [addr, addr + len) is the program's memory, readable (writable). */
bool lx_readable(uint64_t addr, uint64_t len);
bool lx_writable(uint64_t addr, uint64_t len);
/* A NUL-terminated string of the program's at addr into buf (n bytes): its length, or
 * -EFAULT, -ENAMETOOLONG. */
long lx_string_in(uint64_t addr, char *buf, size_t n);
long lx_brk(const uint64_t *a);
long lx_mmap(const uint64_t *a);
long lx_munmap(const uint64_t *a);
long lx_mprotect(const uint64_t *a);
long lx_mremap(const uint64_t *a);
/* Count [lo, lo + len) as the program's too, read-write (a vfork child's stack), until
 * called again (len 0: nothing more). */
void lx_mem_allow(uint64_t lo, uint64_t len);

/* ---- fs.c: files, directories, paths ---- */
void lx_fs_init(void);
long lx_read(const uint64_t *a);
long lx_write(const uint64_t *a);
long lx_readv(const uint64_t *a);
long lx_writev(const uint64_t *a);
long lx_pread64(const uint64_t *a);
long lx_pwrite64(const uint64_t *a);
long lx_open(const uint64_t *a);
long lx_openat(const uint64_t *a);
long lx_creat(const uint64_t *a);
long lx_close(const uint64_t *a);
long lx_lseek(const uint64_t *a);
long lx_fstat(const uint64_t *a);
long lx_stat(const uint64_t *a);
long lx_lstat(const uint64_t *a);
long lx_newfstatat(const uint64_t *a);
long lx_statx(const uint64_t *a);
long lx_attr_path(const uint64_t *a);
long lx_attr_lpath(const uint64_t *a);
long lx_attr_fd(const uint64_t *a);
long lx_fchmodat(const uint64_t *a);
long lx_fchownat(const uint64_t *a);
long lx_utimensat(const uint64_t *a);
long lx_ioctl(const uint64_t *a);
long lx_poll(const uint64_t *a);
long lx_ppoll(const uint64_t *a);
long lx_getdents64(const uint64_t *a);
long lx_mkdir(const uint64_t *a);
long lx_mkdirat(const uint64_t *a);
long lx_rmdir(const uint64_t *a);
long lx_unlink(const uint64_t *a);
long lx_unlinkat(const uint64_t *a);
long lx_rename(const uint64_t *a);
long lx_renameat(const uint64_t *a);
long lx_renameat2(const uint64_t *a);
long lx_link(const uint64_t *a);
long lx_symlink(const uint64_t *a);
long lx_readlink(const uint64_t *a);
long lx_readlinkat(const uint64_t *a);
long lx_getcwd(const uint64_t *a);
long lx_chdir(const uint64_t *a);
long lx_fchdir(const uint64_t *a);
long lx_dup(const uint64_t *a);
long lx_dup2(const uint64_t *a);
long lx_dup3(const uint64_t *a);
long lx_fcntl(const uint64_t *a);
long lx_pipe(const uint64_t *a);
long lx_pipe2(const uint64_t *a);
long lx_access(const uint64_t *a);
long lx_faccessat(const uint64_t *a);
long lx_ftruncate(const uint64_t *a);
long lx_truncate(const uint64_t *a);
long lx_fsync(const uint64_t *a);
/* The program's path at upath (relative to the working directory) as "scheme:path" in
 * out[1024]. -> 0 or -errno. */
long lx_path_of(uint64_t upath, char *out);
bool lx_fd_cloexec(int fd);
/* Copy fd from's flags (close-on-exec, status) to fd to. */
void lx_fd_flags_save(int from, int to);
void lx_cwd_save(char *buf);            /* buf: 1024 bytes */
void lx_cwd_restore(const char *buf);

/* ---- proc.c: new processes ---- */
long lx_vfork(struct lx_call *c, bool own_stack);
long lx_execve(const uint64_t *a);
long lx_wait4(const uint64_t *a);
/* In a vfork child, exit goes back to the parent (and does not return): else false. */
bool lx_vfork_child_exit(int status);
/* Signal sig to our child pid (it ends, as most default actions would): 0 or -errno. */
long lx_kill_child(int32_t pid, int sig);
/* Whether a vfork child runs on the first thread now. */
bool lx_vfork_active(void);
/* fd is about to be closed or replaced: in a vfork child, the parent's capability
 * there is kept aside first (proc.c). */
void lx_vfork_fd_touched(int fd);
/* The parent's pid, from the start info. */
extern uint32_t lx_ppid;

/* Put a vfork, fork or wcap_spawn child into the table wait4 looks at: 0, or -EAGAIN
 * when full. */
long lx_child_add(uint32_t pid, writ_cptr_t cap);

/* ---- fork.c: fork, clone without CLONE_VM ---- */
long lx_fork(struct lx_call *c, const uint64_t *callee_saved);
/* Whether we are a fork's child (the marker in envp), and then the top of the program's
 * stack pages the parent does not copy, as its marker says (0 if not said). */
bool lx_fork_is_child(char **envp, uint64_t *free_top);
__attribute__((noreturn)) void lx_fork_child(uint64_t free_top);
/* n bytes into the fork's transfer buffer (send: the parent), or the next n out of it
 * (the child): 0 or -errno. */
long lx_fork_io(void *buf, size_t n, bool send);
/* Each part's state a fork child inherits, into or out of the transfer buffer: 0 or
 * -errno. */
long lx_fs_fork_io(bool send);
long lx_sig_fork_io(bool send);
long lx_main_fork_io(bool send);
long lx_mem_fork_io(bool send, uint64_t sp);
/* The lowest page of the program's stack a fork copies for stack pointer sp (the whole
 * stack when sp is not in it), and the stack's first page. */
uint64_t lx_mem_stack_lo(uint64_t sp);
uint64_t lx_mem_stack_bottom(void);
/* A frame kept from unmapped pages (unmapped, not zeroed; 0 if none), and one to keep. */
writ_cptr_t lx_mem_frame_reuse(void);
void lx_mem_frame_keep(writ_cptr_t f);
long lx_sock_fork_io(bool send);
/* Bytes of the program's memory: its image (writable: only its writable segments), its
 * stack, brk's and mmap's pages. */
uint64_t lx_mem_bytes(bool writable);
/* MAP_SHARED anonymous pages: fn for each (the parent), and one mapped from the frame
 * the parent sent (the child): 0 or -errno. */
void lx_mem_each_shared(void (*fn)(uint64_t va, unsigned prot, writ_cptr_t frame, void *ctx),
			void *ctx);
long lx_mem_map_shared(uint64_t va, unsigned prot, writ_cptr_t frame);

/* ---- sig.c: signals ---- */
#define LX_NSIG 64
#define LX_SIGKILL 9
#define LX_SIGSEGV 11
#define LX_SIGPIPE 13
#define LX_SIGSTOP 19
/* Set while a signal waits for delivery or a handler returns: entry.asm's slow way out. */
extern volatile uint8_t lx_sig_slow;
void lx_sig_raise(int sig, int code, int pid);
__attribute__((noreturn)) void lx_exit_signal(int sig);
long lx_rt_sigaction(const uint64_t *a);
long lx_rt_sigprocmask(const uint64_t *a);
long lx_rt_sigpending(const uint64_t *a);
long lx_sigaltstack(const uint64_t *a);
long lx_kill(const uint64_t *a);
long lx_tkill(const uint64_t *a);
long lx_tgkill(const uint64_t *a);
long lx_rt_sigreturn(struct lx_call *c);
long lx_pause(const uint64_t *a);
long lx_rt_sigsuspend(const uint64_t *a);
long lx_getpgid(const uint64_t *a);
long lx_getsid(const uint64_t *a);
long lx_getpgrp(const uint64_t *a);
long lx_setpgid(const uint64_t *a);
long lx_setsid(const uint64_t *a);
/* fd is a terminal whose foreground group the program set: send its ^C ^\\ ^Z. */
void lx_sig_tty_watch(int fd);
/* A vfork child's execve made process pid: what it asked for its group is done. */
void lx_sig_vfork_spawned(long pid);
/* Around a vfork child: our dispositions and mask aside, and back. */
void lx_sig_vfork_keep(void);
void lx_sig_vfork_back(void);
/* At the start: tell init to apply the default actions until lx_sig_need. */
void lx_sig_init(void);
/* Register with init for signals from other processes and start the signal thread,
 * once: what needs it calls this (sig.c says what). */
void lx_sig_need(void);
/* execve in place: the deadly signals to take along; the signal thread waits till _end. */
uint64_t lx_sig_exec_begin(void);
void lx_sig_exec_end(void);
/* Set while the main thread serves a call (entry.asm's lx_sig_async sets it too). */
extern volatile uint8_t lx_main_in_call;
/* Whether the caller is the program's first thread, the one others' signals interrupt. */
bool lx_is_main(void);
/* A signal that would run a handler or end the process is pending and not blocked:
 * a call that waits returns -EINTR. */
bool lx_sig_wanted(void);
/* Around a wait a signal must cut short: the thread blocks on notification ntfn, which
 * the signal thread signals. begin -> false when a signal is wanted already. */
bool lx_sig_wait_begin(writ_cptr_t ntfn);
void lx_sig_wait_end(void);
/* The main thread's call nr returns -EINTR: with SA_RESTART it starts again. */
void lx_sig_eintr(uint64_t nr);
/* Whether init reaps our children when they end (SIGCHLD ignored, SA_NOCLDWAIT). */
bool lx_sig_chld_reaped(void);

/* ---- gnu.c: calls glibc's programs make ---- */
/* prctl's name of the process: the last part of path, cut to 15 bytes. */
void lx_set_comm(const char *path);
long lx_rseq(const uint64_t *a);
long lx_prctl(const uint64_t *a);
long lx_sendfile(const uint64_t *a);

/* ---- thread.c: threads and futexes ---- */
long lx_clone(struct lx_call *c);
long lx_exit_thread(const uint64_t *a);
long lx_gettid(const uint64_t *a);
long lx_set_tid_address(const uint64_t *a);
long lx_futex(const uint64_t *a);
/* Unmap [addr, addr + len), the calling thread's own stack, once the thread is gone:
 * false if it cannot be deferred (not a thread of clone's). */
bool lx_defer_unmap(uint64_t addr, uint64_t len);
/* The personality's lock, for what threads share (a no-op before the first clone). */
void lx_lock(void);
void lx_unlock(void);
/* The calling thread's wake notification (0 if it has none). */
writ_cptr_t lx_thread_wake(void);

/* The working directory, without a NUL: -> its length, or -ERANGE (fs.c). */
long lx_getcwd_str(char *out, size_t n);

/* Record a new fd's open flags (O_CLOEXEC, the status flags): -> fd (fs.c). */
long lx_fd_opened(long fd, unsigned flags);
bool lx_fd_valid(int fd);
/* The fd's access mode as opened (O_RDONLY, O_WRONLY, O_RDWR). */
int lx_fd_accmode(int fd);

/* ---- sock.c: socketpair(AF_UNIX) over cable: ---- */
bool lx_sock_is(int fd);
void lx_sock_dup(int from, int to);
void lx_sock_closed(int fd);
long lx_sock_read(int fd, void *buf, size_t n);
long lx_sock_write(int fd, const void *buf, size_t n);
long lx_socketpair(const uint64_t *a);
long lx_sendmsg(const uint64_t *a);
long lx_recvmsg(const uint64_t *a);
long lx_sendto(const uint64_t *a);
long lx_recvfrom(const uint64_t *a);

/* ---- procfs.c: /proc, served here ---- */
struct scheme_stat;
void lx_proc_init(char **argv);
bool lx_proc_path(char *abs, size_t n, bool follow);
long lx_proc_open(const char *abs, unsigned flags);
long lx_proc_readlink(const char *abs, char *out, size_t n);
long lx_proc_stat(const char *abs, struct scheme_stat *st, bool nofollow);
/* The /proc folders' fds: getdents, fstat (false: not one), close. */
long lx_proc_getdents(int fd, void *out, size_t n);
bool lx_proc_fstat(int fd, struct scheme_stat *st);
bool lx_proc_is_folder(int fd);
void lx_proc_closed(int fd);
long lx_syslog(const uint64_t *a);
void lx_proc_sysinfo(uint64_t *total, uint64_t *free, unsigned *procs);

/* A line for log:, not the program's stderr (fs.c). */
void lx_log(const char *line, size_t n);

/* ---- clock.c: MONOTONIC and REALTIME from time:'s base ---- */
#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID 3
#define CLOCK_MONOTONIC_RAW 4
#define CLOCK_REALTIME_COARSE 5
#define CLOCK_MONOTONIC_COARSE 6
#define CLOCK_BOOTTIME 7
int64_t lx_monotonic_ns(void);
/* MONOTONIC as it was when the TSC read tsc (a past reading). */
int64_t lx_tsc_mono_ns(uint64_t tsc);
int64_t lx_realtime_ns(void);
/* Wait on the thread's wake notification for about ns, woken by time:'s timer, a
 * signal, or anything else that signals it (early: the caller checks its clock and
 * comes again). -> false when no timer was armed (no time:, no IRQ for it, its table
 * full, or ns too short to be worth one): the caller yields instead. */
bool lx_timer_sleep(int64_t ns);
/* (main.c) Sleep until clock `id` reads `until`: 0, or -EINTR for a caught signal. */
long lx_sleep_until(uint64_t id, int64_t until);
/* Fix REALTIME at MONOTONIC + ns_at_mono0 from now on (time: no longer asked). */
void lx_set_realtime_base(int64_t ns_at_mono0);

/* ---- cap.c: Writ's own calls (<writ/cap.h>), policies as fds ---- */
long lx_cap_call(const struct lx_call *c);
bool lx_cap_is_policy(int fd);
/* Open path through policy fd dirfd (its root: "/a" and "a" alike), which the caller
 * knows to be a policy: -> fd or -errno. */
long lx_cap_open(int dirfd, const char *path, unsigned flags, unsigned mode);
/* A policy fd for text, weakened from dirfd's policy (-1: the namespace's). */
long lx_cap_open_policy(int dirfd, const char *text, unsigned flags);

/* ---- main.c ---- */
extern uint32_t lx_pid;
/* Say once per number that the program asked for something not served. */
long lx_enosys(uint64_t nr);

#endif
