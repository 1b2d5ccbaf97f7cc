/*
 * Byte-stream device servers (see dev.h).
 */
#include <srv/dev.h>

#include <errno.h>

#define S_IFCHR 0020000

static void
dev_stat(struct srv_req *req, uint64_t ino)
{
	struct scheme_stat st = { .ino = ino, .mode = S_IFCHR | 0666, .nlink = 1,
				  .blksize = 4096 };

	srv_put_bytes(req, 0, &st, sizeof(st));
	srv_result(req, sizeof(st));
}

/* A new open file: through a policy (the device's open hook decides what the record
 * holds), or a dup of `same` (same object; NULL objects are all alike). */
static void
dev_open(struct srv *s, struct srv_req *req, void *same)
{
	struct srv_dev *d = s->user;
	void *obj = same;
	long r;
	int i;

	if (!same && d->open && (r = d->open(d, req, &obj)) < 0) {
		srv_result(req, r);
		return;
	}
	if (same && d->dup && !(obj = d->dup(d, same))) {
		srv_result(req, -ENOMEM);
		return;
	}
	if ((i = srv_record_new(s, SCHEME_KIND_FILE, obj)) < 0) {
		if (obj && (!same || d->dup) && d->release)
			d->release(d, obj);
		srv_result(req, -ENFILE);
		return;
	}
	srv_reply_record(req, s, i);
	srv_result(req, 0);
}

static void
dev_request(struct srv *s, struct srv_req *req)
{
	struct srv_dev *d = s->user;
	static uint8_t buf[SCHEME_INLINE];
	size_t len = req->m.mr[0] < SCHEME_INLINE ? req->m.mr[0] : SCHEME_INLINE;

	if (req->rec->kind == SCHEME_KIND_POLICY || req->rec->kind == SCHEME_KIND_IDENT) {
		switch (req->op) {
		case SCHEME_OP_OPEN: {
			char path[8];
			size_t plen = req->m.mr[2];

			if (plen >= sizeof(path) || srv_get_bytes(req, 0, path, plen) < 0 ||
			    (plen && !(plen == 1 && path[0] == '/'))) {
				srv_result(req, -ENOENT);
				return;
			}
			dev_open(s, req, NULL);
			return;
		}
		case SCHEME_OP_STAT:
			dev_stat(req, 1);
			return;
		case SCHEME_OP_STATS:
			srv_sweep(s);
			srv_result(req, (long)s->live);
			return;
		default:
			srv_result(req, -ENOSYS);
			return;
		}
	}
	switch (req->op) {
	case SCHEME_OP_READ:
	case SCHEME_OP_PREAD: {
		long n = req->op == SCHEME_OP_PREAD && d->pread ? d->pread(d, buf, len, req->m.mr[1])
			 : d->read(d, buf, len);

		if (n > 0)
			srv_put_bytes(req, 0, buf, (size_t)n);
		srv_result(req, n);
		return;
	}
	case SCHEME_OP_WRITE:
	case SCHEME_OP_PWRITE:
		if (srv_get_bytes(req, 0, buf, len) < 0) {
			srv_result(req, -EINVAL);
			return;
		}
		srv_result(req, d->write(d, req->index, buf, len));
		return;
	case SCHEME_OP_SEEK:
	case SCHEME_OP_FSYNC:
		srv_result(req, 0);
		return;
	case SCHEME_OP_FSTAT:
		dev_stat(req, 2);
		return;
	case SCHEME_OP_FTRUNCATE:
		srv_result(req, -EINVAL);
		return;
	case SCHEME_OP_GETDENTS:
		srv_result(req, -ENOTDIR);
		return;
	case SCHEME_OP_FPATH: {
		size_t n = strlen(d->scheme);

		srv_put_bytes(req, 0, d->scheme, n);
		srv_result(req, (long)n);
		return;
	}
	case SCHEME_OP_DUP:
		dev_open(s, req, req->rec->obj);
		return;
	case SCHEME_OP_CLOSE:
		req->rec->closed = true;
		srv_result(req, 0);
		return;
	default:
		srv_result(req, -ENOSYS);
		return;
	}
}

static void
dev_release(struct srv *s, struct srv_record *rec)
{
	struct srv_dev *d = s->user;

	if (rec->obj && d->release)
		d->release(d, rec->obj);
}

static const struct srv_ops dev_ops = { .request = dev_request, .release = dev_release };

void
srv_dev_run(struct srv_dev *d)
{
	if (srv_init(&d->srv, d->scheme, &dev_ops) != 0) {
		writ_printf("%s: no endpoint to serve\n", d->scheme);
		writ_exit(1);
	}
	d->srv.user = d;
	d->srv.idents = d->idents;
	if (srv_root_policy(&d->srv) != 1) {
		writ_printf("%s: cannot make the root policy\n", d->scheme);
		writ_exit(1);
	}
	srv_run(&d->srv);
}
