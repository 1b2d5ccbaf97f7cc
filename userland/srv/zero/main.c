/* zero: reads give zeros, writes vanish. */
#include <srv/dev.h>

static long
zero_read(struct srv_dev *d, void *buf, size_t n)
{
	(void)d;
	memset(buf, 0, n);
	return (long)n;
}

static long
zero_write(struct srv_dev *d, uint32_t index, const void *buf, size_t n)
{
	(void)d, (void)index, (void)buf;
	return (long)n;
}

/* Filled in by main: an initialiser would put its 100 KiB of records in .data, and
 * into the program file. */
static struct srv_dev dev;

int
main(void)
{
	dev.scheme = "zero";
	dev.read = zero_read;
	dev.write = zero_write;
	srv_dev_run(&dev);
}
