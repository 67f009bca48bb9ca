/* input.h: a look at the first bytes of an input file. */
#define _GNU_SOURCE   /* fopencookie */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "kexray/input/input.h"

/* What a log line of sshd or ssh carries (sshd(8), ssh(1) -v): one of
 * these in the first block of a file says it is a log. */
static const char *const log_marks[] = {
	"sshd[", "sshd-session[", "debug1: ", "Accepted publickey",
	"Accepted password", "Connection closed by", "kex_exchange_identification",
	"Unable to negotiate", "Server listening on",
};

/* Bytes read to decide: a few log lines. */
#define KX_INPUT_PEEK 4096

bool
kx_input_is_gzip(FILE *f)
{
	int a, b;

	/* Pushed back, not rewound: f can be a pipe (-r <(...)). glibc
	 * takes back more than the one byte C guarantees. */
	if ((a = getc(f)) == EOF)
		return false;
	if (a != 0x1f) {
		ungetc(a, f);
		return false;
	}
	b = getc(f);
	if (b != EOF)
		ungetc(b, f);
	ungetc(a, f);
	return b == 0x8b;
}

static ssize_t
gz_read(void *cookie, char *buf, size_t len)
{
	int n = gzread((gzFile)cookie, buf, len > (1u << 30) ? 1u << 30 :
	    (unsigned)len);

	return n < 0 ? -1 : n;
}

static int
gz_close(void *cookie)
{
	return gzclose((gzFile)cookie) == Z_OK ? 0 : -1;
}

bool
kx_input_fd_is_gzip(int fd)
{
	unsigned char m[2];

	return pread(fd, m, sizeof(m), 0) == (ssize_t)sizeof(m) &&
	    m[0] == 0x1f && m[1] == 0x8b;
}

FILE *
kx_input_gunzip_fd(int fd)
{
	cookie_io_functions_t io = { .read = gz_read, .close = gz_close };
	gzFile gz;
	FILE *out;

	if ((gz = gzdopen(fd, "rb")) == NULL) {
		close(fd);
		return NULL;
	}
	(void)gzbuffer(gz, 1u << 20);
	if ((out = fopencookie(gz, "rb", io)) == NULL)
		gzclose(gz);
	return out;
}

FILE *
kx_input_gunzip(FILE *f)
{
	int fd;

	/* zlib reads from its own descriptor, from the start of the file:
	 * what f's buffer holds already is read again. A pipe cannot be
	 * read again: NULL. */
	if ((fd = dup(fileno(f))) < 0) {
		fclose(f);
		return NULL;
	}
	fclose(f);
	if (lseek(fd, 0, SEEK_SET) != 0) {
		close(fd);
		return NULL;
	}
	return kx_input_gunzip_fd(fd);
}

void
kx_input_hint_bytes(const char *path, const char *peek_in, size_t n,
    char *buf, size_t len)
{
	char peek[KX_INPUT_PEEK + 1];

	if (len == 0)
		return;
	buf[0] = '\0';
	if (n > KX_INPUT_PEEK)
		n = KX_INPUT_PEEK;
	/* A NUL means binary: not a log. */
	if (n == 0 || memchr(peek_in, '\0', n) != NULL)
		return;
	memcpy(peek, peek_in, n);
	peek[n] = '\0';
	for (size_t i = 0; i < sizeof(log_marks) / sizeof(log_marks[0]); i++) {
		if (strstr(peek, log_marks[i]) != NULL) {
			snprintf(buf, len, "; it looks like an sshd or ssh log: "
			    "read it with --sshd-log %.400s", path);
			return;
		}
	}
}

void
kx_input_hint(const char *path, char *buf, size_t len)
{
	char peek[KX_INPUT_PEEK];
	size_t n;
	FILE *f;

	if (len > 0)
		buf[0] = '\0';
	if (len == 0 || strcmp(path, "-") == 0 || (f = fopen(path, "rb")) == NULL)
		return;
	n = fread(peek, 1, sizeof(peek), f);
	fclose(f);
	kx_input_hint_bytes(path, peek, n, buf, len);
}
