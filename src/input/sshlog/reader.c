/* sshlog: rebuilds SSH connections from OpenSSH's own debug logs (sshd at
 * LogLevel DEBUG2 or more, ssh -vv or more), so kx_analyze and the reports
 * can judge them as if they had been captured. docs/sshd-log.md describes
 * the formats; the strings matched are OpenSSH's (kex.c, sshd.c,
 * packet.c, monitor.c, sshconnect.c), cited where they are matched.
 *
 * A line is: an optional prefix (RFC 5424 or BSD syslog header, journald's
 * short formats, "prog[PID]:"), an optional level ("debug2: ", "fatal: "),
 * the message, and an optional " [preauth]" that sshd's monitor adds to what
 * its network child logs. Lines are grouped by PID; a log without PIDs
 * (sshd -d, sshd -D -e, journalctl -o cat) is one stream in which each
 * "Connection from" starts the next connection. Every byte of the log is
 * read through the kx_cursor API. This file is the API: bytes into lines,
 * a wrapped line joined to the line before, files and streams; internal.h
 * lists the other parts. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "words.h"

/* Bytes read from a file at a time. */
#define READ_CHUNK 65536u

struct kx_sshlog *
kx_sshlog_new(kx_conn_done_fn done, void *arg)
{
	struct kx_sshlog *l;
	time_t now = time(NULL);
	struct tm tm;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	l->done = done;
	l->arg = arg;
	l->writer_hint = -1;
	l->now_s = (int64_t)now;
	l->year = gmtime_r(&now, &tm) != NULL ? tm.tm_year + 1900 : 1970;
	return l;
}

void
kx_sshlog_free(struct kx_sshlog *l)
{
	if (l == NULL)
		return;
	while (l->head != NULL) {
		struct lconn *lc = l->head;

		while (lc->npids > 0)
			kx_sshlog_pid_unbind(l, lc->pids[--lc->npids], lc);
		kx_sshlog_open_unlink(l, lc);
		free(lc->blk.buf);
		for (int s = 0; s < 2; s++)
			kx_ssh_side_free(&lc->hsl.hs.ssh[s]);
		free(lc);
	}
	free(l);
}

static void
flush_pend(struct kx_sshlog *l)
{
	if (!l->have_pend)
		return;
	l->have_pend = false;
	kx_sshlog_process_line(l, l->pend, l->pend_len, l->pend_cut, l->pend_no);
}

/* OpenSSH vis-encodes what it logs (log.c strnvis): a raw control byte
 * means the line did not come from it, or the file is not text. */
static bool
is_binary(const uint8_t *p, size_t n)
{
	struct kx_cursor c;
	uint8_t b;

	kx_cur_init(&c, p, n);
	while (kx_cur_u8(&c, &b) == KX_OK)
		if (b == 0 || b == 0x7f || (b < 0x20 && b != '\t'))
			return true;
	return false;
}

/* A whole line was read: it is held as the pending line, or, when the
 * pending line has a syslog/journald prefix and this one has none, it is
 * the rest of the pending line, wrapped (a terminal's or a relay's hard
 * wrap inserts nothing, so the two are joined as they are). journalctl's
 * "-- Boot ... --" and "-- Logs begin ..." lines are not continuations. */
static void
end_line(struct kx_sshlog *l)
{
	struct kx_cursor c;
	struct lineinfo li = { 0 };
	uint8_t b;
	size_t n = l->line_len;
	bool cut = l->line_cut;

	l->line_len = 0;
	l->line_cut = false;
	l->st.lines++;
	if (cut)
		l->st.cut++;
	/* CR LF line ends (sshd -e and ssh write "\r\n" to stderr). */
	kx_cur_init(&c, l->line, n);
	if (n > 0 && kx_cur_peek_u8(&c, n - 1, &b) == KX_OK && b == '\r')
		n--;
	if (is_binary(l->line, n)) {
		flush_pend(l);
		l->st.binary++;
		l->prev_list = NULL;
		return;
	}
	kx_cur_init(&c, l->line, n);
	kx_sshlog_parse_prefix(l, &c, &li);
	if (l->have_pend && l->pend_prefixed && !li.prefixed && n > 0 &&
	    !lit(&c, "-- ")) {
		size_t room = sizeof(l->pend) - l->pend_len;

		if (n > room) {
			n = room;
			l->pend_cut = true;
		}
		memcpy(l->pend + l->pend_len, l->line, n);
		l->pend_len += (uint32_t)n;
		l->pend_cut = l->pend_cut || cut;
		return;
	}
	flush_pend(l);
	memcpy(l->pend, l->line, n);
	l->pend_len = (uint32_t)n;
	l->pend_cut = cut;
	l->pend_prefixed = li.prefixed;
	l->pend_no = l->st.lines;
	l->have_pend = true;
}

void
kx_sshlog_feed(struct kx_sshlog *l, const uint8_t *p, size_t n)
{
	struct kx_cursor c;

	kx_cur_init(&c, p, n);
	while (kx_cur_left(&c) > 0) {
		const uint8_t *seg;
		size_t at, take, room;
		enum kx_status st = kx_cur_find_lf(&c, SIZE_MAX, &at);

		take = st == KX_OK ? at : kx_cur_left(&c);
		if (kx_cur_bytes(&c, take, &seg) != KX_OK)
			break;
		room = sizeof(l->line) - l->line_len;
		if (take > room) {
			take = room;
			l->line_cut = true;
		}
		memcpy(l->line + l->line_len, seg, take);
		l->line_len += (uint32_t)take;
		if (st == KX_OK) {
			if (kx_cur_skip(&c, 1) != KX_OK)
				break;
			end_line(l);
		}
	}
}

static int
by_seq(const void *a, const void *b)
{
	const struct lconn *x = *(const struct lconn *const *)a;
	const struct lconn *y = *(const struct lconn *const *)b;

	return x->c.seq_no < y->c.seq_no ? -1 : x->c.seq_no > y->c.seq_no;
}

void
kx_sshlog_finish(struct kx_sshlog *l)
{
	struct lconn **all;
	uint32_t n = 0;

	if (l->line_len > 0 || l->line_cut)
		end_line(l);
	flush_pend(l);
	if (l->nopen == 0)
		return;
	if ((all = calloc(l->nopen, sizeof(*all))) == NULL) {
		while (l->head != NULL)
			kx_sshlog_conn_finish(l, l->head, KX_CLOSE_CAPTURE_END);
		return;
	}
	for (struct lconn *lc = l->head; lc != NULL; lc = lc->next)
		all[n++] = lc;
	qsort(all, n, sizeof(*all), by_seq);
	for (uint32_t i = 0; i < n; i++)
		kx_sshlog_conn_finish(l, all[i], KX_CLOSE_CAPTURE_END);
	free(all);
}

enum kx_status
kx_sshlog_read_file(struct kx_sshlog *l, const char *path)
{
	bool in = path[0] == '-' && path[1] == '\0';
	FILE *f;

	if ((f = in ? stdin : fopen(path, "rb")) == NULL) {
		fprintf(stderr, "kexray: %s: cannot open log: %s\n",
		    in ? "(stdin)" : path, strerror(errno));
		return KX_IO;
	}
	return kx_sshlog_read_stream(l, f, path, NULL);
}

enum kx_status
kx_sshlog_read_stream(struct kx_sshlog *l, FILE *f, const char *path,
    const volatile sig_atomic_t *stop)
{
	bool in = path[0] == '-' && path[1] == '\0';
	const char *name = in ? "(stdin)" : path;
	uint64_t bin0 = l->st.binary, cut0 = l->st.cut, lines0 = l->st.lines;
	uint64_t rec0 = l->st.recognised;
	enum kx_status ret = KX_OK;
	uint8_t *buf;
	size_t n;

	if ((buf = malloc(READ_CHUNK)) == NULL) {
		if (!in)
			fclose(f);
		fprintf(stderr, "kexray: %s: out of memory\n", name);
		return KX_NOMEM;
	}
	while ((stop == NULL || !*stop) &&
	    (n = fread(buf, 1, READ_CHUNK, f)) > 0)
		kx_sshlog_feed(l, buf, n);
	/* A read ended by SIGINT/SIGTERM (EINTR) is the stop, not damage. */
	if (ferror(f) && (stop == NULL || !*stop)) {
		fprintf(stderr, "kexray: %s: cannot read log: %s\n", name,
		    strerror(errno));
		ret = KX_IO;
	}
	free(buf);
	if (!in)
		fclose(f);
	/* A last line without LF ends with its file, and no line wraps into
	 * the next file. */
	if (l->line_len > 0 || l->line_cut)
		end_line(l);
	flush_pend(l);
	if (l->st.cut > cut0)
		fprintf(stderr, "kexray: %s: %llu line%s longer than %u bytes; "
		    "the rest of each was skipped\n", name,
		    (unsigned long long)(l->st.cut - cut0),
		    l->st.cut - cut0 == 1 ? "" : "s", KX_SSHLOG_LINE_MAX);
	if (ret == KX_OK && l->st.binary > bin0) {
		fprintf(stderr, "kexray: %s: %llu of %llu lines hold binary data "
		    "(NUL or control bytes) and were skipped: not a text log\n",
		    name, (unsigned long long)(l->st.binary - bin0),
		    (unsigned long long)(l->st.lines - lines0));
		ret = KX_MALFORMED;
	} else if (ret == KX_OK && l->st.lines > lines0 && l->st.recognised == rec0) {
		fprintf(stderr, "kexray: %s: no OpenSSH log lines found in %llu "
		    "lines\n", name, (unsigned long long)(l->st.lines - lines0));
	}
	return ret;
}

const struct kx_sshlog_stats *
kx_sshlog_stats(const struct kx_sshlog *l)
{
	return &l->st;
}

uint32_t
kx_sshlog_open(const struct kx_sshlog *l)
{
	return l->nopen;
}

uint64_t
kx_sshlog_held(const struct kx_sshlog *l)
{
	return l->held;
}
