/* progress: the line on standard error while large files are read
 * (progress.h). */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kexray/input/progress.h"

struct kx_progress {
	FILE *out;
	int n;
	uint64_t *sizes;       /* per input */
	uint64_t total;
	uint64_t before;       /* bytes of the inputs already read */
	int cur;
	int64_t (*offset)(void);
	uint64_t start_us, last_us;
	bool shown;
};

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

struct kx_progress *
kx_progress_new(const char *const *paths, int n, bool quiet, FILE *out)
{
	struct kx_progress *p;
	uint64_t total = 0;
	struct stat st;

	if (quiet || n <= 0 || isatty(fileno(out)) != 1)
		return NULL;
	for (int i = 0; i < n; i++) {
		if (strcmp(paths[i], "-") == 0 || stat(paths[i], &st) != 0 ||
		    !S_ISREG(st.st_mode))
			return NULL;
		total += (uint64_t)st.st_size;
	}
	if (total < KX_PROGRESS_MIN_BYTES)
		return NULL;
	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->sizes = calloc((size_t)n, sizeof(*p->sizes))) == NULL) {
		free(p);
		return NULL;
	}
	for (int i = 0; i < n; i++) {
		stat(paths[i], &st);
		p->sizes[i] = (uint64_t)st.st_size;
	}
	p->out = out;
	p->n = n;
	p->total = total;
	p->cur = -1;
	p->start_us = p->last_us = now_us();
	return p;
}

void
kx_progress_free(struct kx_progress *p)
{
	if (p == NULL)
		return;
	kx_progress_hide(p);
	free(p->sizes);
	free(p);
}

void
kx_progress_begin(struct kx_progress *p, int i, int64_t (*offset)(void))
{
	if (p == NULL || i < 0 || i >= p->n)
		return;
	p->before = 0;
	for (int k = 0; k < i; k++)
		p->before += p->sizes[k];
	p->cur = i;
	p->offset = offset;
}

/* "512.0 MiB", "3.2 GiB" */
static void
size_text(char *buf, size_t len, uint64_t b)
{
	if (b >= 1024ull * 1024 * 1024)
		snprintf(buf, len, "%.1f GiB", (double)b / (1024.0 * 1024 * 1024));
	else
		snprintf(buf, len, "%.1f MiB", (double)b / (1024.0 * 1024));
}

void
kx_progress_format(char *buf, size_t len, uint64_t done, uint64_t total,
    uint64_t elapsed_us, uint64_t frames, uint64_t conns)
{
	char d[32], t[32], left[32] = "";
	uint64_t pct = total > 0 ? done * 100 / total : 0;
	double secs = (double)elapsed_us / 1e6;

	if (done > total)
		done = total;
	size_text(d, sizeof(d), done);
	size_text(t, sizeof(t), total);
	/* Time left at the average rate so far; none until bytes moved. */
	if (done > 0 && secs > 0) {
		uint64_t rest = (uint64_t)((double)(total - done) * secs / (double)done);

		snprintf(left, sizeof(left), ", %llu:%02llu left",
		    (unsigned long long)(rest / 60), (unsigned long long)(rest % 60));
	}
	snprintf(buf, len, "kexray: %s of %s (%llu%%), %llu packets/s, %llu "
	    "connection%s%s", d, t, (unsigned long long)(pct > 100 ? 100 : pct),
	    (unsigned long long)(secs > 0 ? (double)frames / secs : 0),
	    (unsigned long long)conns, conns == 1 ? "" : "s", left);
}

void
kx_progress_tick(struct kx_progress *p, uint64_t frames, uint64_t conns)
{
	uint64_t t, done;
	int64_t off;
	char line[160];

	if (p == NULL || p->cur < 0)
		return;
	t = now_us();
	if (t - p->last_us < KX_PROGRESS_INTERVAL_MS * 1000u)
		return;
	p->last_us = t;
	off = p->offset != NULL ? p->offset() : -1;
	done = p->before + (off > 0 ? (uint64_t)off : 0);
	kx_progress_format(line, sizeof(line), done, p->total, t - p->start_us,
	    frames, conns);
	/* CR, the line, erase the rest of the old one (ECMA-48 EL). */
	fprintf(p->out, "\r%s\033[K", line);
	fflush(p->out);
	p->shown = true;
}

void
kx_progress_hide(struct kx_progress *p)
{
	if (p == NULL || !p->shown)
		return;
	fputs("\r\033[K", p->out);
	fflush(p->out);
	p->shown = false;
}
