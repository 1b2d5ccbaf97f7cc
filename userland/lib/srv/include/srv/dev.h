/*
 * Byte-stream device servers (null:, zero:, rand:, log:): a scheme whose every open
 * file is the same endless stream. The root policy opens it (path "" or "/"); reads and
 * writes go to the device's functions; there is no offset, no directory, no name.
 */
#ifndef SRV_DEV_H
#define SRV_DEV_H

#include <srv/srv.h>

struct srv_dev {
	const char *scheme;
	/* Fill buf with up to n bytes; the number given (0: end of file). */
	long (*read)(struct srv_dev *d, void *buf, size_t n);
	/* May be NULL (PREAD reads as READ). Up to n bytes from offset off. */
	long (*pread)(struct srv_dev *d, void *buf, size_t n, uint64_t off);
	/* Take n bytes written through record `index`; the number taken. */
	long (*write)(struct srv_dev *d, uint32_t index, const void *buf, size_t n);
	/* May be NULL. A new open file, through the policy (or identity capability) req
	 * names: 0 and *obj (kept as the record's), or -errno. */
	long (*open)(struct srv_dev *d, struct srv_req *req, void **obj);
	/* May be NULL (records share the object). A copy of obj for a dup'ed record. */
	void *(*dup)(struct srv_dev *d, void *obj);
	/* May be NULL. The record holding obj is gone. */
	void (*release)(struct srv_dev *d, void *obj);
	bool idents;                    /* callers may use identity capabilities (srv.h) */
	struct srv srv;
};

/* Serve the device for ever (its root policy is record 1). */
__attribute__((noreturn)) void srv_dev_run(struct srv_dev *d);

#endif
