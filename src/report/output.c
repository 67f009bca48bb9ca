/* The one writer of records (output.h). Records reach the descriptor only
 * whole: the stream the report functions print into is flushed at each
 * record's end into a block, and a block is written record-aligned, so a
 * failed write knows exactly which records it lost. */
#define _GNU_SOURCE   /* fopencookie */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kexray/report/output.h"

/* Records gathered per write(2) when reading files; the cost of a write
 * per 4 KiB is in docs/performance.md. */
#define OUT_BLOCK (1u << 20)
/* The stream's own buffer: one record nearly always fits, so a record
 * reaches the block in one copy. */
#define OUT_STREAM_BUF (64u * 1024u)

struct kx_output {
	FILE *f;
	char *fbuf;
	int fd;             /* -1 after a failed reopen */
	int dirfd;          /* -1: standard output */
	char *path;         /* as given, for messages; NULL: standard output */
	char *name;         /* the last component, opened in dirfd */
	bool block;
	bool regular;       /* a regular file: a cut record can be taken back */
	char *buf;          /* whole records not yet written */
	size_t len, cap;
	size_t *ends;       /* where each record in buf ends */
	size_t nends, capends;
	size_t head;        /* bytes of buf's first record already written */
	uint64_t records, lost;
	bool oom;           /* the current record did not fit in memory */
	bool said;          /* the first failure is on stderr */
};

static const char *
out_name(const struct kx_output *o)
{
	return o->path != NULL ? o->path : "standard output";
}

static ssize_t
cookie_write(void *arg, const char *data, size_t n)
{
	struct kx_output *o = arg;

	if (n > o->cap - o->len) {
		size_t cap = o->cap;
		char *nb;

		while (n > cap - o->len) {
			if (cap > SIZE_MAX / 2) {
				o->oom = true;
				return (ssize_t)n;
			}
			cap *= 2;
		}
		if ((nb = realloc(o->buf, cap)) == NULL) {
			o->oom = true;
			return (ssize_t)n;   /* counted lost at the record's end */
		}
		o->buf = nb;
		o->cap = cap;
	}
	memcpy(o->buf + o->len, data, n);
	o->len += n;
	return (ssize_t)n;
}

static void
say_failure(struct kx_output *o, int err)
{
	if (o->said)
		return;
	o->said = true;
	fprintf(stderr, "kexray: %s: write failed: %s; the records that cannot "
	    "be written are counted\n", out_name(o), strerror(err));
}

/* Writes the first n bytes of buf (whole 1 MiB blocks reading files, the
 * rest at the end; everything, live). On failure counts the records not
 * (wholly) written and takes a cut one back from a regular file, so no
 * reader sees half a line; what is left in buf is then dropped with them. */
static int
write_some(struct kx_output *o, size_t n)
{
	size_t off = 0, i = 0, cut;
	int err = 0;

	while (o->fd >= 0 && off < n) {
		ssize_t w = write(o->fd, o->buf + off, n - off);

		if (w > 0) {
			off += (size_t)w;
		} else if (w < 0 && errno == EINTR) {
			continue;
		} else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			/* A descriptor left non-blocking by whoever gave it. */
			struct pollfd p = { .fd = o->fd, .events = POLLOUT };

			(void)poll(&p, 1, 1000);
		} else {
			err = w == 0 ? EIO : errno;
			break;
		}
	}
	if (o->fd < 0)
		err = EBADF;
	while (i < o->nends && o->ends[i] <= off)
		i++;
	o->records += i;
	if (off < n) {
		/* Bytes of an unfinished record now in the file: from the last
		 * whole record's end, or all of it when it began in an earlier
		 * block. */
		cut = i > 0 ? off - o->ends[i - 1] : o->head + off;
		if (cut > 0 && o->regular) {
			off_t end = lseek(o->fd, 0, SEEK_END);

			if (end >= (off_t)cut)
				(void)ftruncate(o->fd, end - (off_t)cut);
		}
		o->lost += o->nends - i;
		o->records += o->nends - i;
		o->len = 0;
		o->nends = 0;
		o->head = 0;
		say_failure(o, err);
		return -1;
	}
	o->head = i > 0 ? off - o->ends[i - 1] : o->head + off;
	memmove(o->buf, o->buf + off, o->len - off);
	o->len -= off;
	for (size_t j = i; j < o->nends; j++)
		o->ends[j - i] = o->ends[j] - off;
	o->nends -= i;
	if (o->nends == 0)
		o->head = 0;
	return 0;
}

static int
write_block(struct kx_output *o)
{
	return write_some(o, o->len);
}

int
kx_output_block(struct kx_output *o)
{
	size_t cap = OUT_BLOCK + OUT_STREAM_BUF;
	char *nb;

	if (o->cap < cap) {
		/* realloc, not a new buffer: freeing a large block raises
		 * glibc's mmap threshold and fattens the heap for the run. */
		if ((nb = realloc(o->buf, cap)) == NULL) {
			fputs("kexray: out of memory\n", stderr);
			return -1;
		}
		o->buf = nb;
		o->cap = cap;
	}
	o->block = true;
	return 0;
}

int
kx_output_open(const char *path, struct kx_output **out)
{
	static const cookie_io_functions_t io = { .write = cookie_write };
	struct kx_output *o;
	struct stat st;
	const char *slash;
	int fd = -1;

	*out = NULL;
	if ((o = calloc(1, sizeof(*o))) == NULL)
		goto nomem;
	o->fd = o->dirfd = -1;
	o->cap = 2 * OUT_STREAM_BUF;
	o->capends = 1024;
	if ((o->buf = malloc(o->cap)) == NULL ||
	    (o->ends = malloc(o->capends * sizeof(*o->ends))) == NULL ||
	    (o->fbuf = malloc(OUT_STREAM_BUF)) == NULL)
		goto nomem;
	if (path == NULL) {
		o->fd = STDOUT_FILENO;
	} else {
		if ((o->path = strdup(path)) == NULL)
			goto nomem;
		slash = strrchr(path, '/');
		if (slash != NULL && slash[1] == '\0') {
			fprintf(stderr, "kexray: --output %s: a directory\n", path);
			goto fail;
		}
		o->name = strdup(slash != NULL ? slash + 1 : path);
		if (o->name == NULL)
			goto nomem;
		if (slash == NULL) {
			o->dirfd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		} else {
			char *dir = strndup(path, slash == path ? 1 :
			    (size_t)(slash - path));

			if (dir == NULL)
				goto nomem;
			o->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			free(dir);
		}
		if (o->dirfd < 0) {
			fprintf(stderr, "kexray: --output %s: its directory: %s\n",
			    path, strerror(errno));
			goto fail;
		}
		fd = openat(o->dirfd, o->name, O_WRONLY | O_APPEND | O_CREAT |
		    O_CLOEXEC | O_NOCTTY, 0666);
		if (fd < 0) {
			fprintf(stderr, "kexray: --output %s: %s\n", path,
			    strerror(errno));
			goto fail;
		}
		/* The lowest free number: every lower one is open and stays
		 * open, so the reopen (close, then openat) gets it back. */
		o->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
		if (o->fd < 0 || o->fd > fd) {
			if (o->fd >= 0)
				close(o->fd);
			o->fd = fd;
		} else {
			close(fd);
		}
		fd = -1;
	}
	o->regular = fstat(o->fd, &st) == 0 && S_ISREG(st.st_mode);
	if ((o->f = fopencookie(o, "w", io)) == NULL)
		goto nomem;
	(void)setvbuf(o->f, o->fbuf, _IOFBF, OUT_STREAM_BUF);
	*out = o;
	return 0;
nomem:
	fputs("kexray: out of memory\n", stderr);
fail:
	if (fd >= 0)
		close(fd);
	if (o != NULL) {
		o->lost = 0;
		o->len = 0;
		(void)kx_output_close(o);
	}
	return -1;
}

FILE *
kx_output_stream(struct kx_output *o)
{
	return o->f;
}

int
kx_output_fd(const struct kx_output *o)
{
	return o->fd;
}

int
kx_output_dirfd(const struct kx_output *o)
{
	return o->dirfd;
}

void
kx_output_record(struct kx_output *o)
{
	(void)fflush(o->f);   /* into buf, through cookie_write */
	if (o->oom || ferror(o->f)) {
		/* Out of memory for this record: drop it whole. */
		size_t keep = o->nends > 0 ? o->ends[o->nends - 1] : 0;

		o->len = keep;
		o->lost++;
		o->records++;
		o->oom = false;
		clearerr(o->f);
		say_failure(o, ENOMEM);
		return;
	}
	if (o->len > (o->nends > 0 ? o->ends[o->nends - 1] : 0)) {
		if (o->nends == o->capends) {
			size_t *ne = realloc(o->ends, 2 * o->capends *
			    sizeof(*ne));

			if (ne == NULL) {
				(void)write_block(o);
				if (o->len > 0)
					return;
			} else {
				o->ends = ne;
				o->capends *= 2;
			}
		}
		o->ends[o->nends++] = o->len;
	}
	if (!o->block)
		(void)write_block(o);
	while (o->block && o->len >= OUT_BLOCK)
		(void)write_some(o, OUT_BLOCK);
}

int
kx_output_check_dir(const struct kx_output *o, const char *user)
{
	if (o == NULL || o->dirfd < 0)
		return 0;
	/* Real ids: this runs after the drop, as the user. */
	if (faccessat(o->dirfd, ".", W_OK | X_OK, 0) != 0) {
		fprintf(stderr, "kexray: --output %s: user %s cannot create files "
		    "in its directory (%s), so SIGHUP could not reopen the file "
		    "after a rotation; give the directory to %s, or choose "
		    "another user with -Z\n", o->path, user, strerror(errno),
		    user);
		return -1;
	}
	return 0;
}

int
kx_output_reopen(struct kx_output *o)
{
	int fd, want = o->fd;
	struct stat st;

	if (o->dirfd < 0)
		return 0;
	kx_output_record(o);
	(void)write_block(o);
	if (o->fd >= 0)
		close(o->fd);
	o->fd = -1;
	fd = openat(o->dirfd, o->name, O_WRONLY | O_APPEND | O_CREAT |
	    O_CLOEXEC | O_NOCTTY, 0666);
	if (fd < 0) {
		fprintf(stderr, "kexray: SIGHUP: cannot reopen %s: %s; records "
		    "are counted as not written until a reopen succeeds\n",
		    o->path, strerror(errno));
		return -1;
	}
	if (want >= 0 && fd != want)
		fprintf(stderr, "kexray: SIGHUP: %s reopened as descriptor %d, "
		    "not %d; the sandbox may refuse writes to it\n", o->path, fd,
		    want);
	o->fd = fd;
	o->regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
	return 0;
}

int
kx_output_flush(struct kx_output *o)
{
	kx_output_record(o);
	return write_block(o);
}

uint64_t
kx_output_lost(const struct kx_output *o)
{
	return o->lost;
}

int
kx_output_close(struct kx_output *o)
{
	int ret;

	if (o == NULL)
		return 0;
	if (o->f != NULL) {
		(void)kx_output_flush(o);
		fclose(o->f);
	}
	if (o->lost > 0)
		fprintf(stderr, "kexray: %s: %llu of %llu records not written\n",
		    out_name(o), (unsigned long long)o->lost,
		    (unsigned long long)o->records);
	ret = o->lost > 0 ? -1 : 0;
	if (o->fd >= 0 && o->path != NULL && close(o->fd) != 0 && ret == 0) {
		fprintf(stderr, "kexray: %s: %s\n", out_name(o), strerror(errno));
		ret = -1;
	}
	if (o->dirfd >= 0)
		close(o->dirfd);
	free(o->buf);
	free(o->ends);
	free(o->fbuf);
	free(o->path);
	free(o->name);
	free(o);
	return ret;
}
