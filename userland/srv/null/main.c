/* null: reads end at once, writes vanish. */
#include <srv/dev.h>

static long
null_read(struct srv_dev *d, void *buf, size_t n)
{
	(void)d, (void)buf, (void)n;
	return 0;
}

static long
null_write(struct srv_dev *d, uint32_t index, const void *buf, size_t n)
{
	(void)d, (void)index, (void)buf;
	return (long)n;
}

static struct srv_dev dev = { .scheme = "null", .read = null_read, .write = null_write };

int
main(void)
{
	srv_dev_run(&dev);
}
