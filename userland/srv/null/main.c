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

/* Filled in by main: an initialiser would put its 100 KiB of records in .data, and
 * into the program file. */
static struct srv_dev dev;

int
main(void)
{
	dev.scheme = "null";
	dev.read = null_read;
	dev.write = null_write;
	srv_dev_run(&dev);
}
