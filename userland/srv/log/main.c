/*
 * log: lines from any process to the console, each prefixed with who wrote it:
 * "[pid 5 /test/console] text".
 *
 * Who wrote must not be something the writer says. init, which alone holds the
 * unbadged endpoint, hands every process it starts a `log` capability badged with that
 * process's pid (SCHEME_KIND_IDENT, <writ/scheme.h>); badges are set once, so a
 * process cannot make one naming another. Opening "log:" through it makes a record
 * that remembers the pid, and the name init gave the process (asked of init once, at
 * open: init answers and never calls us, so neither can wait on the other). A process
 * that hands its log fd to another lends its name with it, as a Unix process hands
 * over its stderr. The root policy (record 1) knows nobody, so it opens nothing.
 *
 * Each line of a write becomes one console line; a write that does not end with a
 * newline still ends its line (no partial lines are kept between writes).
 *
 * The last LOG_RING bytes of lines are kept, for dmesg (the personality's syslog(2)):
 * pread at offset k gives the kept text from its k-th byte, whole lines only at the
 * start (the oldest, cut, is dropped). Any process may read it, as Linux's log with
 * dmesg_restrict off: its lines say which pid and program wrote, and what they chose
 * to say; a program that must keep a secret does not write it to log:.
 */
#include <srv/dev.h>
#include <writ/fd.h>
#include <writ/mem.h>

#include <errno.h>

#define O_WRONLY 01

struct writer {
	unsigned pid;
	char name[WRIT_CAP_NAME];
};

static int console = -1;

#define LOG_RING 16384
static char ring[LOG_RING];
static uint64_t ring_total;     /* bytes ever kept: the newest is at (ring_total - 1) % LOG_RING */

static void
ring_put(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ring[(ring_total + i) % LOG_RING] = p[i];
	ring_total += n;
}

/* The kept text from its byte off (whole lines: the first kept line starts after the
 * first newline once the ring has wrapped). */
static long
log_pread(struct srv_dev *d, void *buf, size_t n, uint64_t off)
{
	uint64_t first = ring_total > LOG_RING ? ring_total - LOG_RING : 0;
	char *out = buf;
	size_t k = 0;

	(void)d;
	if (first) {
		while (first < ring_total && ring[first % LOG_RING] != '\n')
			first++;
		first++;
	}
	if (off >= ring_total - first)
		return 0;
	for (uint64_t at = first + off; at < ring_total && k < n; at++)
		out[k++] = ring[at % LOG_RING];
	return (long)k;
}

static long
log_open(struct srv_dev *d, struct srv_req *req, void **obj)
{
	struct writer *w;

	(void)d;
	if (req->rec->kind != SCHEME_KIND_IDENT)
		return -EACCES;
	if (!(w = malloc(sizeof(*w))))
		return -ENOMEM;
	w->pid = req->index;
	if (writ_proc_name(w->pid, w->name, sizeof(w->name)) < 0)
		memcpy(w->name, "?", 2);
	*obj = w;
	return 0;
}

static void *
log_dup(struct srv_dev *d, void *obj)
{
	struct writer *w = malloc(sizeof(*w));

	(void)d;
	if (w)
		memcpy(w, obj, sizeof(*w));
	return w;
}

static void
log_release(struct srv_dev *d, void *obj)
{
	(void)d;
	free(obj);
}

static long
log_read(struct srv_dev *d, void *buf, size_t n)
{
	(void)d, (void)buf, (void)n;
	return -EBADF;
}

/* One console write per line: the prefix and the line together, so they stay whole. */
static void
emit(const struct writer *w, const char *text, size_t n)
{
	char line[SCHEME_INLINE];
	int k = writ_snprintf(line, sizeof(line), "[pid %u %s] ", w->pid, w->name);

	if (k < 0 || (size_t)k >= sizeof(line) - 2)
		return;
	if (n > sizeof(line) - 1 - (size_t)k)
		n = sizeof(line) - 1 - (size_t)k;
	memcpy(line + k, text, n);
	line[k + n] = '\n';
	ring_put(line, (size_t)k + n + 1);
	writ_write(console, line, (size_t)k + n + 1);
}

static long
log_write(struct srv_dev *d, uint32_t index, const void *buf, size_t n)
{
	const struct writer *w = d->srv.rec[index].obj;
	const char *p = buf, *end = p + n;

	if (!w)
		return -EBADF;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *stop = nl ? nl : end;

		emit(w, p, (size_t)(stop - p));
		p = nl ? nl + 1 : end;
	}
	return (long)n;
}

/* Filled in by main: an initialiser would put its 100 KiB of records in .data, and
 * into the program file. */
static struct srv_dev dev;

/* argv[1], when given, names the scheme to write to instead of console: (`./writ
 * exec` boots keep the console for the program they run: log: goes to COM1's). */
int
main(int argc, char **argv)
{
	const char *scheme = argc > 1 ? argv[1] : "console";
	char to[40];

	writ_snprintf(to, sizeof(to), "%s:", scheme);
	console = writ_open(to, O_WRONLY, 0);
	if (console < 0) {
		writ_printf("log: cannot open %s (%d): boot.conf should give it use=%s\n", to,
			    console, scheme);
		return 1;
	}
	dev.scheme = "log";
	dev.read = log_read;
	dev.pread = log_pread;
	dev.write = log_write;
	dev.open = log_open;
	dev.dup = log_dup;
	dev.release = log_release;
	dev.idents = true;
	srv_dev_run(&dev);
}
