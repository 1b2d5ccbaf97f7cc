/*
 * Services: the servers and drivers /etc/boot.conf names, started with exactly the
 * capabilities their lines give, restarted when they say so.
 *
 * A server's endpoint is init's, made from init's own memory, so it outlives the
 * server: a restarted server serves the same endpoint, and the capabilities clients
 * hold stay valid. Each life has an epoch (in the badges the server mints), so the new
 * life answers records of the old one with EIO. A server that is not restarted takes
 * its endpoint with it: init deletes it, and every client call fails at once.
 */
#include <archive/archive.h>
#include <bootconf/bootconf.h>

#include "init.h"

#define MAX_SERVICES 24
#define DEFAULT_QUOTA_BITS 22           /* 4 MiB */

struct service {
	struct bootconf_entry *e;
	writ_cptr_t ep;                 /* the endpoint it serves (init's original) */
	writ_cptr_t gc;                 /* signalled when any process ends */
	writ_cptr_t gc_signal;          /* init's badged copy: a signal that finds the
					 * server busy is kept, not lost (unbadged ones are) */
	unsigned pid;
	unsigned epoch;
	unsigned restarts;
	char id_name[BOOTCONF_SCHEME_MAX + 4];  /* "<scheme>.id" (ident_caps) */
};

static struct bootconf_entry entries[MAX_SERVICES + 16];
static char pool[16384];
static struct bootconf conf;
static struct service services[MAX_SERVICES];
static unsigned n_services;
static struct archive arch;
static bool have_archive;

bool
archive_init(const void *data, size_t size)
{
	struct archive_err err;

	if (archive_open(&arch, data, size, &err) != ARCHIVE_OK) {
		writ_printf("init: the boot archive is malformed at byte %lu: %s\n", err.offset,
			    err.msg);
		return false;
	}
	have_archive = true;
	return true;
}

/*
 * A lookup walks the archive's headers from the start (about 1,000 instructions an
 * entry: 40,000 of the 470,000 a spawn cost before this cache), so the programs found
 * are remembered: the archive never changes. Replaced round robin when full.
 */
#define LOOKUP_CACHE 32
static struct {
	char path[64];
	size_t len, size;
	const void *data;
} found[LOOKUP_CACHE];
static unsigned next_found;

/*
 * The entry a path names, through symbolic links (the applet links of /bin point at
 * /bin/busybox): a link's target, absolute or relative to the link's folder, replaces
 * the path, at most 8 times so a loop ends. false when nothing is there.
 */
static bool
archive_resolve(const char *path, size_t len, struct archive_entry *e)
{
	char buf[2][256];
	unsigned cur = 0;

	for (unsigned hops = 0; hops <= 8; hops++) {
		size_t dir = len;

		if (archive_lookup(&arch, path, len, e) != ARCHIVE_OK)
			return false;
		if (e->type != ARCHIVE_SYMLINK)
			return true;
		/* The target lands in the buffer the path is not in. */
		cur ^= 1;
		while (dir > 0 && path[dir - 1] != '/')
			dir--;
		if (e->size > 0 && ((const char *)e->data)[0] == '/')
			dir = 0;
		if (dir + e->size >= sizeof(buf[cur]))
			return false;
		memcpy(buf[cur], path, dir);
		memcpy(buf[cur] + dir, e->data, e->size);
		len = dir + e->size;
		buf[cur][len] = 0;
		path = buf[cur];
	}
	return false;
}

const void *
archive_file(const char *path, size_t *size)
{
	struct archive_entry e;
	size_t len = strlen(path);

	for (unsigned i = 0; i < LOOKUP_CACHE; i++)
		if (found[i].data && found[i].len == len && memcmp(found[i].path, path, len) == 0) {
			*size = found[i].size;
			return found[i].data;
		}
	if (!have_archive || !archive_resolve(path, len, &e) || e.type != ARCHIVE_REG)
		return NULL;
	if (len < sizeof(found[0].path)) {
		unsigned i = next_found++ % LOOKUP_CACHE;

		memcpy(found[i].path, path, len);
		found[i].len = len;
		found[i].size = e.size;
		found[i].data = e.data;
	}
	*size = e.size;
	return e.data;
}

/* Calls fn for every regular file directly under `dir` ("test"), in archive order. */
void
archive_each(const char *dir, void (*fn)(const char *path, void *ctx), void *ctx)
{
	struct archive_iter it;
	struct archive_entry e;
	size_t n = strlen(dir);
	char path[ARCHIVE_NAME_MAX + 2];

	if (!have_archive)
		return;
	archive_iter_init(&it, &arch);
	while (archive_next(&it, &e))
		if (e.type == ARCHIVE_REG && e.name_len > n + 1 &&
		    memcmp(e.name, dir, n) == 0 && e.name[n] == '/' &&
		    !memchr(e.name + n + 1, '/', e.name_len - n - 1) &&
		    e.name_len + 2 < sizeof(path)) {
			path[0] = '/';
			memcpy(path + 1, e.name, e.name_len);
			path[e.name_len + 1] = 0;
			fn(path, ctx);
		}
}

static struct service *
service_of_scheme(const char *scheme, size_t n)
{
	for (unsigned i = 0; i < n_services; i++)
		if (strlen(services[i].e->serves) == n &&
		    memcmp(services[i].e->serves, scheme, n) == 0)
			return &services[i];
	return NULL;
}

/* Schemes whose server must know which process calls: their capability names the
 * child (SCHEME_KIND_IDENT, its pid) instead of the root policy. */
static bool
wants_identity(const char *scheme)
{
	return strcmp(scheme, "log") == 0;
}

/*
 * Servers that log who did what with their policies (file: and the other instances of
 * /sbin/file): besides the root policy, every process gets "<scheme>.id", a capability
 * init mints with the process's pid in its badge (SCHEME_KIND_IDENT). It carries no
 * authority (the server answers nothing on it); libwrit sends it along with path
 * operations, weakens and revokes, the kernel unwraps it into its badge, and the
 * server knows who asks. A badge is set once and only init holds the unbadged
 * endpoint: no process can name another.
 */
static bool
logs_callers(const struct service *sv)
{
	return strcmp(sv->e->path, "/sbin/file") == 0;
}

static void
ident_cap(struct spawn_args *a, struct service *sv)
{
	if (!logs_callers(sv) || !sv->ep || a->n_caps == SPAWN_MAX_CAPS)
		return;
	writ_snprintf(sv->id_name, sizeof(sv->id_name), "%s.id", sv->e->serves);
	a->caps[a->n_caps++] = (struct spawn_cap){
		.name = sv->id_name, .src = sv->ep, .kind = WRIT_SCAP_OTHER,
		.badge = scheme_badge(0, 0, SCHEME_KIND_IDENT, sv->epoch), .add_pid = true,
		.rights = SCHEME_CAP_RIGHTS };
}

/* Every process's identity at each server that logs its callers (see ident_cap). */
void
ident_caps(struct spawn_args *a)
{
	for (unsigned i = 0; i < n_services; i++)
		if (services[i].e->serves[0])
			ident_cap(a, &services[i]);
}

/* Is this a name ident_caps gives? A process cannot pass its identity on as one. */
bool
is_ident_name(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	return n > 3 && strcmp(name + n - 3, ".id") == 0;
}

/* A capability for the root policy of `scheme` goes to the child being built. */
bool
scheme_cap(struct spawn_args *a, const char *scheme)
{
	struct service *sv = service_of_scheme(scheme, strlen(scheme));
	bool ident = wants_identity(scheme);

	if (!sv || !sv->ep || a->n_caps == SPAWN_MAX_CAPS)
		return false;
	a->caps[a->n_caps++] = (struct spawn_cap){
		.name = sv->e->serves, .src = sv->ep, .kind = WRIT_SCAP_SCHEME,
		.badge = ident ? scheme_badge(0, 0, SCHEME_KIND_IDENT, sv->epoch)
			       : scheme_badge(1, 1, SCHEME_KIND_POLICY, sv->epoch),
		.add_pid = ident,
		.rights = SCHEME_CAP_RIGHTS };
	ident_cap(a, sv);
	return true;
}

/*
 * fds 0, 1 and 2 on the console: copies of the console server's pinned record 2 (see
 * lib/ttysrv), minted here from the endpoint init owns, so init never calls the
 * server (it is single-threaded: a call to a server that is starting, dead or waiting
 * on init would stop the whole system). All three name one open file, as a terminal's
 * do after a shell's dup2. False when no console is served.
 */
static bool
console_fds_of(struct spawn_args *a, const char *scheme)
{
	if (!service_of_scheme(scheme, strlen(scheme)) || a->n_caps + 3 > SPAWN_MAX_CAPS)
		return false;
	for (unsigned fd = 0; fd < 3; fd++)
		if (!scheme_fd(a, scheme, fd))
			return false;
	return true;
}

/* fd `fd` (0..2) on record 2 of `scheme`'s server, which must pin it as the console's
 * driver does: `./writ exec` boots give fd 2 on stderr: (COM3) this way. */
bool
scheme_fd(struct spawn_args *a, const char *scheme, unsigned fd)
{
	static const char *const names[3] = { "fd0", "fd1", "fd2" };
	struct service *sv = service_of_scheme(scheme, strlen(scheme));

	if (!sv || !sv->ep || !sv->pid || fd > 2 || a->n_caps == SPAWN_MAX_CAPS)
		return false;
	a->caps[a->n_caps++] = (struct spawn_cap){
		.name = names[fd], .src = sv->ep, .kind = WRIT_SCAP_FD, .arg = fd,
		.badge = scheme_badge(2, 1, SCHEME_KIND_FILE, sv->epoch),
		.rights = SCHEME_CAP_RIGHTS };
	return true;
}

bool
console_fds(struct spawn_args *a)
{
	return console_fds_of(a, "console");
}

/*
 * Servers and `run` programs print through their fd 1 once a console is served. In
 * test and bench boots they keep COM1's ports too, so their lines go out whole and at
 * once among the lines init and the test programs write straight to COM1 (the
 * console's output drains later, by interrupts, and could land inside them).
 */
bool
serial_for_servers(void)
{
	return !service_of_scheme("console", 7) || cmdline_has("test") || cmdline_has("bench") ||
	       cmdline_has("exec");     /* the console is the program's terminal there */
}

/* Every scheme init serves, for the test programs and `run` lines without use=. */
void
all_scheme_caps(struct spawn_args *a)
{
	for (unsigned i = 0; i < n_services; i++)
		if (services[i].e->serves[0])
			scheme_cap(a, services[i].e->serves);
}

static unsigned
quota_bits_of(uint64_t bytes)
{
	unsigned bits = 12;

	if (!bytes)
		return DEFAULT_QUOTA_BITS;
	while (bits < 40 && (1ull << bits) < bytes)
		bits++;
	return bits;
}

/*
 * Slots for a quota of 2^bits: each 4 KiB page a process makes takes a slot, so a
 * large quota needs a CSpace that can name it (file: holds a 16 MiB file, 4,096 pages,
 * beside the frames of the boot archive it is lent, which ran out of 2^12 slots). A
 * slot per page of quota, at least 2^12 slots, at most 2^16 (a 2 MiB CNode: one Retype
 * zeroes at most that).
 */
static unsigned
cnode_radix_of(unsigned quota_bits)
{
	unsigned radix = quota_bits > 12 ? quota_bits - 12 : 12;

	return radix < 12 ? 12 : radix > 16 ? 16 : radix;
}

/* ---- device memory (devmem=) ----
 *
 * A devmem range is given as device untyped capabilities that cover it exactly (the
 * driver makes its own frames from them): init splits the device untyped the kernel
 * gave it, halving each block that straddles the range's edge until every block is
 * inside or outside, and hands over a *copy* of each block inside. The copy lends the
 * block whole to the driver (cspace/untyped.c); when the driver ends its copy goes and
 * the block is init's again, so a restarted driver gets the same blocks. Splits are
 * kept for good (a device untyped is only ever split, never retyped else), remembered
 * here so the next start walks the same halves.
 */
#define DEV_SPLITS 64
#define VGA_TEXT 0xb8000ull

static struct {
	writ_cptr_t parent, low, high;
} splits[DEV_SPLITS];
static unsigned n_splits;
static char fb_env[160];

/* The two halves of device untyped `ut` (2^bits at paddr): made once, then found. */
static bool
dev_halves(writ_cptr_t ut, unsigned bits, writ_cptr_t *low, writ_cptr_t *high)
{
	for (unsigned i = 0; i < n_splits; i++)
		if (splits[i].parent == ut) {
			*low = splits[i].low;
			*high = splits[i].high;
			return true;
		}
	if (n_splits == DEV_SPLITS || !(*low = slot_alloc()))
		return false;
	if (!(*high = slot_alloc())) {
		slot_free(*low);
		return false;
	}
	/* Placement is from the watermark up: the first is the lower half. */
	if (writ_untyped_retype(ut, WRIT_OBJ_UNTYPED, bits - 1, WRIT_SLOT_ROOT_CNODE, 0, 0,
				*low, 1) != WRIT_OK ||
	    writ_untyped_retype(ut, WRIT_OBJ_UNTYPED, bits - 1, WRIT_SLOT_ROOT_CNODE, 0, 0,
				*high, 1) != WRIT_OK) {
		writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, *low, FULL_DEPTH);
		slot_free(*low);
		slot_free(*high);
		return false;
	}
	splits[n_splits].parent = ut;
	splits[n_splits].low = *low;
	splits[n_splits++].high = *high;
	return true;
}

/* The blocks of device untyped `ut` (2^bits at paddr) inside [lo, hi), for the child. */
static bool
dev_give(struct spawn_args *a, writ_cptr_t ut, uint64_t paddr, unsigned bits, uint64_t lo,
	 uint64_t hi)
{
	uint64_t end = paddr + (1ull << bits);
	writ_cptr_t low, high;

	if (paddr >= hi || end <= lo)
		return true;
	if ((lo <= paddr && end <= hi) || bits <= 12) {
		if (a->n_caps == SPAWN_MAX_CAPS)
			return false;
		a->caps[a->n_caps++] = (struct spawn_cap){ .name = "devmem", .src = ut,
			.kind = WRIT_SCAP_DEVMEM, .arg = paddr | (uint64_t)bits << 56 };
		return true;
	}
	return dev_halves(ut, bits, &low, &high) &&
	       dev_give(a, low, paddr, bits - 1, lo, hi) &&
	       dev_give(a, high, paddr + (1ull << (bits - 1)), bits - 1, lo, hi);
}

/* Device untyped covering [lo, hi) to the child; false if some page of it is in none. */
static bool
dev_range(struct spawn_args *a, uint64_t lo, uint64_t hi)
{
	const struct writ_bootinfo *bi = init.bi;
	uint64_t covered = 0;

	for (unsigned i = 0; i < bi->n_untyped; i++) {
		const struct writ_bootinfo_untyped *u = &bi->untyped[i];
		uint64_t end = u->paddr + (1ull << u->size_bits);

		if (!u->is_device || u->paddr >= hi || end <= lo)
			continue;
		if (!dev_give(a, u->slot, u->paddr, u->size_bits, lo, hi))
			return false;
		covered += (end < hi ? end : hi) - (u->paddr > lo ? u->paddr : lo);
	}
	return covered == hi - lo;
}

/*
 * devmem=framebuffer: the display the boot loader left, or VGA text memory when it
 * left none, with its geometry for the driver in the environment:
 *   WRIT_FB=TYPE,PADDR,WIDTH,HEIGHT,PITCH,BPP,RPOS,RSIZE,GPOS,GSIZE,BPOS,BSIZE
 * (decimal but PADDR in hex; TYPE as BootInfo's fb_type, WRIT_FB_*).
 */
static void
dev_framebuffer(uint64_t *lo, uint64_t *hi)
{
	const struct writ_bootinfo *bi = init.bi;

	if (bi->fb_paddr) {
		*lo = bi->fb_paddr & ~4095ull;
		*hi = (bi->fb_paddr + (uint64_t)bi->fb_pitch * bi->fb_height + 4095) & ~4095ull;
		writ_snprintf(fb_env, sizeof(fb_env), "WRIT_FB=%u,%lx,%u,%u,%u,%u,%u,%u,%u,%u,%u,%u",
			      bi->fb_type, bi->fb_paddr, bi->fb_width, bi->fb_height, bi->fb_pitch,
			      bi->fb_bpp, bi->fb_red_pos, bi->fb_red_size, bi->fb_green_pos,
			      bi->fb_green_size, bi->fb_blue_pos, bi->fb_blue_size);
	} else {
		*lo = VGA_TEXT;
		*hi = VGA_TEXT + 0x8000;
		writ_snprintf(fb_env, sizeof(fb_env), "WRIT_FB=%u,%llx,80,25,160,16,0,0,0,0,0,0",
			      WRIT_FB_EGA_TEXT, VGA_TEXT);
	}
}

static bool
devmem_caps(const struct bootconf_entry *e, struct spawn_args *a, bool *fb)
{
	for (unsigned i = 0; i < e->ndevmem; i++) {
		uint64_t lo = e->devmem[i].addr, hi = lo + e->devmem[i].size;

		if (e->devmem[i].size == 0) {
			dev_framebuffer(&lo, &hi);
			*fb = true;
		}
		if (!dev_range(a, lo, hi)) {
			writ_printf("init: boot.conf:%u: %s: devmem %lx..%lx is not all device "
				    "memory init can give\n", e->line, e->name, lo, hi);
			return false;
		}
	}
	return true;
}

/* The capabilities of entry e's line; false (with a message) if one cannot be had. */
/* Ports and IRQs are issued afresh for each start and given for good: they go with the
 * process, so a restart can issue the IRQ line again (one handler per line). */
static bool
entry_caps(const struct bootconf_entry *e, struct spawn_args *a, struct service *sv)
{
	if (sv) {
		a->caps[a->n_caps++] = (struct spawn_cap){ .name = "serve", .src = sv->ep,
			.kind = WRIT_SCAP_SERVE, .arg = sv->epoch };
		a->caps[a->n_caps++] = (struct spawn_cap){ .name = "gc", .src = sv->gc,
			.kind = WRIT_SCAP_OTHER, .rights = WRIT_RIGHT_READ };
	}
	for (unsigned i = 0; i < e->nuses; i++) {
		const char *u = e->uses[i], *colon = strchr(u, ':');
		size_t n = colon ? (size_t)(colon - u) : strlen(u);
		char scheme[32];

		if (n >= sizeof(scheme) || colon) {
			/* Narrowed policies (scheme:glob:rights) come with user space part 2. */
			writ_printf("init: boot.conf:%u: %s: use=%s: only whole schemes can be "
				    "given yet\n", e->line, e->name, u);
			return false;
		}
		memcpy(scheme, u, n);
		scheme[n] = 0;
		if (strcmp(scheme, "archive") == 0 && !service_of_scheme(scheme, n)) {
			/* Not a scheme: the boot archive itself, read-only (file: seeds from it). */
			a->archive_view = true;
			continue;
		}
		if (!scheme_cap(a, scheme)) {
			writ_printf("init: boot.conf:%u: %s: use=%s: no server serves '%s'\n",
				    e->line, e->name, u, scheme);
			return false;
		}
	}
	for (unsigned i = 0; i < e->nioports; i++) {
		writ_cptr_t s = slot_alloc();

		if (!s || writ_ioport_issue(WRIT_SLOT_IOPORT_CONTROL, e->ioports[i].first,
					    e->ioports[i].last, WRIT_SLOT_ROOT_CNODE, s,
					    FULL_DEPTH) != WRIT_OK) {
			writ_printf("init: boot.conf:%u: %s: ioport=%x-%x cannot be issued\n",
				    e->line, e->name, e->ioports[i].first, e->ioports[i].last);
			return false;
		}
		a->caps[a->n_caps++] = (struct spawn_cap){ .name = "ioport", .src = s,
			.kind = WRIT_SCAP_IOPORT, .move = true, .give = true,
			.arg = e->ioports[i].first | (writ_word_t)e->ioports[i].last << 16 };
	}
	for (unsigned i = 0; i < e->nirqs; i++) {
		writ_cptr_t s = slot_alloc();

		if (!s || writ_irq_control_issue(WRIT_SLOT_IRQ_CONTROL, e->irqs[i],
						 WRIT_SLOT_ROOT_CNODE, s, FULL_DEPTH) != WRIT_OK) {
			writ_printf("init: boot.conf:%u: %s: irq=%u cannot be issued\n", e->line,
				    e->name, e->irqs[i]);
			return false;
		}
		a->caps[a->n_caps++] = (struct spawn_cap){ .name = "irq", .src = s,
			.kind = WRIT_SCAP_IRQ, .move = true, .give = true, .arg = e->irqs[i] };
	}
	return true;
}

/*
 * Is there a UART at COM1? Its scratch register keeps what is written to it; with no
 * UART (QEMU's -serial none, most new PCs) the port reads back all ones. Asked once:
 * the answer decides whether what runs last gets the serial line or the screen.
 */
static bool
com1_present(void)
{
	static int known = -1;
	uint32_t v = 0;

	if (known < 0) {
		known = init.serial &&
			writ_ioport_out(init.serial, 1, 0x3ff, 0x5a) == WRIT_OK &&
			writ_ioport_in(init.serial, 1, 0x3ff, &v) == WRIT_OK && v == 0x5a &&
			writ_ioport_out(init.serial, 1, 0x3ff, 0xa5) == WRIT_OK &&
			writ_ioport_in(init.serial, 1, 0x3ff, &v) == WRIT_OK && v == 0xa5;
		if (!known)
			writ_printf("init: no UART at COM1: what runs last gets the screen\n");
	}
	return known;
}

static const char *spawn_argv[BOOTCONF_ARGS_MAX + 2];
static const char *spawn_envp[BOOTCONF_ENV_MAX + 2];

static unsigned
start_entry(const struct bootconf_entry *e, struct service *sv)
{
	static struct spawn_args a;
	unsigned i, largest;
	bool fb;

	memset(&a, 0, sizeof(a));
	a.name = e->name;
	a.elf = archive_file(e->path, &a.elf_size);
	if (!a.elf) {
		writ_printf("init: boot.conf:%u: %s: no program %s in the boot archive\n", e->line,
			    e->name, e->path);
		return 0;
	}
	spawn_argv[0] = e->path;
	for (i = 0; i < e->nargs; i++)
		spawn_argv[i + 1] = e->args[i];
	spawn_argv[i + 1] = NULL;
	for (i = 0; i < e->nenv; i++)
		spawn_envp[i] = e->env[i];
	spawn_envp[i] = NULL;
	a.argv = spawn_argv;
	a.envp = spawn_envp;
	a.quota_bits = quota_bits_of(e->quota);
	/* A quota is one aligned block: on a small machine (128 MiB) there is no free 64 MiB
	 * block for file:, since the firmware's tables sit at the top of RAM. The largest
	 * block there is serves instead, and says so; too small for the program, its spawn
	 * fails as it would have. */
	largest = umem_largest_free_bits();
	if (e->quota && largest >= 12 && largest < a.quota_bits) {
		writ_printf("init: %s: quota lowered to %lu KiB, the largest free block\n",
			    e->name, (unsigned long)(1ull << (largest - 10)));
		a.quota_bits = largest;
	}
	a.cnode_radix = cnode_radix_of(a.quota_bits);
	/* Servers and drivers run above the programs they serve (100): a server that
	 * has work finishes it before its clients go on, so its start-up is over (and its
	 * lines printed whole) before the first test program prints. */
	a.prio = (e->given & BOOTCONF_HAS_PRIO) ? e->prio : e->kind == BOOTCONF_RUN ? 100 : 110;
	a.mcp = a.prio;
	/* The console's own server writes to COM1 itself, and holds no fd on itself. */
	if (!sv || strcmp(sv->e->serves, "console") != 0) {
		if (init.serial && serial_for_servers())
			a.caps[a.n_caps++] = (struct spawn_cap){ .name = "serial", .src = init.serial,
				.kind = WRIT_SCAP_IOPORT, .arg = 0x3f8 | 0x3ffull << 16 };
		/* `console=screen` on the kernel command line, or no serial port at all:
		 * what runs last gets the screen's terminal (drivers/pccon) as its fds 0, 1
		 * and 2. */
		if (e->kind != BOOTCONF_RUN ||
		    !(cmdline_has("console=screen") || !com1_present()) ||
		    !console_fds_of(&a, "screen"))
			console_fds(&a);
	}
	if (!entry_caps(e, &a, sv))
		return 0;
	fb = false;
	if (!devmem_caps(e, &a, &fb))
		return 0;
	if (fb) {
		spawn_envp[e->nenv] = fb_env;
		spawn_envp[e->nenv + 1] = NULL;
	}
	if (e->kind == BOOTCONF_RUN && e->nuses == 0)
		all_scheme_caps(&a);
	return spawn(&a);
}

static bool
start_service(struct service *sv)
{
	sv->pid = start_entry(sv->e, sv);
	if (!sv->pid)
		return false;
	writ_printf("init: started %s (pid %u)%s\n", sv->e->name, sv->pid,
		    sv->epoch ? " again" : "");
	return true;
}

/* Does an entry before `upto` (a server or driver) serve scheme[0..n)? */
static bool
served_before(size_t upto, const char *scheme, size_t n)
{
	for (size_t j = 0; j < upto; j++)
		if (entries[j].kind != BOOTCONF_RUN && strlen(entries[j].serves) == n &&
		    memcmp(entries[j].serves, scheme, n) == 0)
			return true;
	return false;
}

/*
 * What can be known of the parsed file before anything runs: every program is in the
 * archive and every use= names a whole scheme that a server started earlier provides
 * (run lines start after all servers). A wrong line stops the boot before its first
 * server starts, rather than halfway through it.
 */
static bool
conf_check(void)
{
	for (size_t i = 0; i < conf.nentries; i++) {
		const struct bootconf_entry *e = &entries[i];
		size_t upto = e->kind == BOOTCONF_RUN ? conf.nentries : i;
		size_t size;

		if (!archive_file(e->path, &size)) {
			writ_printf("init: boot.conf:%u: %s: no program %s in the boot archive\n",
				    e->line, e->name, e->path);
			return false;
		}
		for (unsigned k = 0; k < e->nuses; k++) {
			const char *u = e->uses[k], *colon = strchr(u, ':');
			size_t n = colon ? (size_t)(colon - u) : strlen(u);

			if (colon) {
				/* Narrowed policies (scheme:glob:rights) come with user space part 2. */
				writ_printf("init: boot.conf:%u: %s: use=%s: only whole schemes can be "
					    "given yet\n", e->line, e->name, u);
				return false;
			}
			if (!served_before(upto, u, n) && strcmp(u, "archive") != 0) {
				writ_printf("init: boot.conf:%u: %s: use=%s: no server%s serves '%s'\n",
					    e->line, e->name, u, e->kind == BOOTCONF_RUN ? "" :
					    " started before it", u);
				return false;
			}
		}
	}
	return true;
}

/* Read /etc/boot.conf and start its servers and drivers; false stops the boot. */
bool
boot_services(void)
{
	size_t size;
	const char *text = archive_file(init.conf_path, &size);
	struct bootconf_err err;

	if (!text) {
		writ_printf("init: no %s in the boot archive\n", init.conf_path);
		return false;
	}
	bootconf_init(&conf, entries, sizeof(entries) / sizeof(entries[0]), pool, sizeof(pool));
	if (bootconf_parse(&conf, text, size, &err) != BOOTCONF_OK) {
		char msg[256];

		bootconf_format_error(&err, strrchr(init.conf_path, '/') + 1, msg, sizeof(msg));
		writ_printf("init: %s\n", msg);
		return false;
	}
	if (!conf_check())
		return false;
	for (size_t i = 0; i < conf.nentries; i++) {
		struct service *sv;

		if (entries[i].kind == BOOTCONF_RUN)
			continue;
		if (n_services == MAX_SERVICES) {
			writ_printf("init: boot.conf:%u: too many servers\n", entries[i].line);
			return false;
		}
		sv = &services[n_services++];
		sv->e = &entries[i];
		if (!(sv->ep = init_object(WRIT_OBJ_ENDPOINT)) ||
		    !(sv->gc = init_object(WRIT_OBJ_NOTIFICATION)) ||
		    !(sv->gc_signal = slot_alloc()) ||
		    writ_cnode_mint(WRIT_SLOT_ROOT_CNODE, sv->gc_signal, FULL_DEPTH,
				    WRIT_SLOT_ROOT_CNODE, sv->gc, FULL_DEPTH, WRIT_RIGHT_WRITE,
				    1) != WRIT_OK) {
			writ_printf("init: no memory for %s's endpoint\n", sv->e->name);
			return false;
		}
		if (!start_service(sv))
			return false;
	}
	return true;
}

/* The `run` lines, in order; their pids in pids[] (0 for one that did not start). */
unsigned
boot_runs(unsigned *pids, unsigned max)
{
	unsigned n = 0;

	for (size_t i = 0; i < conf.nentries && n < max; i++)
		if (entries[i].kind == BOOTCONF_RUN) {
			pids[n] = start_entry(&entries[i], NULL);
			if (pids[n])
				writ_printf("init: started %s (pid %u)\n", entries[i].name, pids[n]);
			n++;
		}
	return n;
}

/* A process ended: servers sweep their records; a service that ended is restarted or
 * takes its endpoint with it. */
void
services_process_ended(unsigned pid)
{
	for (unsigned i = 0; i < n_services; i++) {
		struct service *sv = &services[i];

		if (sv->pid == pid) {
			sv->pid = 0;
			if (sv->e->restart && sv->restarts < 100) {
				sv->restarts++;
				sv->epoch++;
				writ_printf("init: %s ended; restarting it\n", sv->e->name);
				start_service(sv);
			} else {
				writ_printf("init: %s ended; its clients get EIO\n", sv->e->name);
				revoke_fully(sv->ep);
				writ_cnode_delete(WRIT_SLOT_ROOT_CNODE, sv->ep, FULL_DEPTH);
				sv->ep = 0;
			}
		}
	}
	for (unsigned i = 0; i < n_services; i++)
		if (services[i].pid && services[i].gc_signal)
			writ_signal(services[i].gc_signal);
}

/* The pid of the server of `scheme` now, or 0 (tests kill servers through init). */
/* Service i's endpoint (0 while it has none) and server pid; (writ_cptr_t)-1 past the
 * last service. */
writ_cptr_t
service_ep(unsigned i, unsigned *pid)
{
	if (i >= n_services)
		return (writ_cptr_t)-1;
	*pid = services[i].pid;
	return services[i].ep;
}

unsigned
service_pid(const char *scheme)
{
	struct service *sv = service_of_scheme(scheme, strlen(scheme));

	return sv ? sv->pid : 0;
}
