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

static struct srv_dev dev = { .scheme = "zero", .read = zero_read, .write = zero_write };

int
main(void)
{
	srv_dev_run(&dev);
}
