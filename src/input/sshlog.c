/* sshlog: rebuilds SSH connections from OpenSSH's own debug logs (sshd at
 * LogLevel DEBUG2 or more, ssh -vv or more), so kx_analyze and the reports
 * can judge them as if they had been captured. docs/sshd-log.md describes
 * the formats; the strings matched here are OpenSSH's (kex.c, sshd.c,
 * packet.c, monitor.c, sshconnect.c), cited where they are matched.
 *
 * A line is: an optional prefix (RFC 5424 or BSD syslog header, journald's
 * short formats, "prog[PID]:"), an optional level ("debug2: ", "fatal: "),
 * the message, and an optional " [preauth]" that sshd's monitor adds to what
 * its network child logs. Lines are grouped by PID; a log without PIDs
 * (sshd -d, sshd -D -e, journalctl -o cat) is one stream in which each
 * "Connection from" starts the next connection. Every byte of the log is
 * read through the kx_cursor API. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "kexray/core/cursor.h"
#include "kexray/analyze/negotiate.h"
#include "kexray/input/sshlog.h"

/* kex.c proposal_names[] (OpenSSH 7 and later): the label before each
 * list of a "local/peer ... KEXINIT proposal" block, in KEXINIT order. */
static const char *const list_labels[KX_PROP_MAX] = {
	[KX_PROP_KEX] = "KEX algorithms:",
	[KX_PROP_HOSTKEY] = "host key algorithms:",
	[KX_PROP_ENC_C2S] = "ciphers ctos:",
	[KX_PROP_ENC_S2C] = "ciphers stoc:",
	[KX_PROP_MAC_C2S] = "MACs ctos:",
	[KX_PROP_MAC_S2C] = "MACs stoc:",
	[KX_PROP_COMP_C2S] = "compression ctos:",
	[KX_PROP_COMP_S2C] = "compression stoc:",
	[KX_PROP_LANG_C2S] = "languages ctos:",
	[KX_PROP_LANG_S2C] = "languages stoc:",
};

/* Hash buckets of the PID table (a power of two). */
#define PID_BUCKETS 8192u
/* Bytes read from a file at a time. */
#define READ_CHUNK 65536u
/* Longest address token taken from a log ("[v6 address]" with zone). */
#define ADDR_TEXT_MAX 64
/* RFC 4253 7.1: KEXINIT payload header: message code and 16-byte cookie. */
#define KEXINIT_HEAD 17

/* A KEXINIT proposal block being read, rebuilt as a KEXINIT payload:
 * byte 20, a zero cookie (logs do not show it), then each list as an SSH
 * string; first_kex_packet_follows and reserved when the block ends. */
struct block {
	bool open;
	bool broken;          /* out of order or cut: not used */
	int8_t side;          /* kx_side; -1: OpenSSH 5/6, decided by order */
	uint8_t order;        /* unlabelled blocks of the connection before */
	uint8_t nlists;
	bool have_follows;
	uint8_t follows;
	uint8_t *buf;
	uint32_t len, cap;
	uint32_t list_off;    /* offset of the last list's length field */
};

/* What the log says was negotiated, for the cross-check. */
struct stated {
	uint16_t have;        /* bit per kx_cat: a "kex:" line named it */
	uint16_t nomatch;     /* bit per kx_cat: "(no match)" */
	uint16_t toolong;     /* bit per kx_cat: name longer than kept */
	uint16_t failed;      /* categories of a "no matching X found" */
	uint8_t len[KX_CAT_MAX];
	char alg[KX_CAT_MAX][KX_SSHLOG_ALG_KEEP];
};

struct lconn {
	struct kx_conn c;          /* what kx_analyze and the reports read */
	struct kx_hs hs;           /* c.hs points here (no reassembly) */
	struct kx_logconn info;    /* c.log points here */
	struct lconn *prev, *next; /* open list, least recently active first */
	uint32_t pids[KX_SSHLOG_PIDS_PER_CONN];
	uint8_t npids;
	bool writer_known;
	uint8_t unlabelled;        /* OpenSSH 5/6 blocks begun */
	bool last_was_list;        /* its latest line was a name-list */
	struct block blk;
	struct stated st;
	size_t held;               /* name-list bytes it holds */
};

struct pident {
	uint32_t pid;
	struct lconn *lc;
	struct pident *next;
};

struct kx_sshlog {
	kx_conn_done_fn done;
	void *arg;
	struct kx_sshlog_stats st;
	struct pident *bucket[PID_BUCKETS];
	struct lconn *head, *tail;   /* open, least recently active first */
	uint32_t nopen;
	uint64_t held;
	uint64_t seq;
	int8_t writer_hint;          /* kx_side whose log it shows it is, -1 */
	struct lconn *prev_list;     /* the previous line was a list of it */
	int64_t now_s;               /* for the year of BSD syslog stamps */
	int year;
	/* the line being read */
	uint32_t line_len;
	bool line_cut;
	uint8_t line[KX_SSHLOG_LINE_MAX];
	/* the line read before it, held until the next one shows whether it
	 * was wrapped (a line of a prefixed log without a prefix of its own
	 * is the rest of the line before) */
	bool have_pend;
	bool pend_prefixed;
	bool pend_cut;
	uint64_t pend_no;            /* its (first) line number */
	uint32_t pend_len;
	uint8_t pend[KX_SSHLOG_LINE_MAX];
};

struct lineinfo {
	bool have_ts;
	uint64_t ts_us;
	bool have_pid;
	uint32_t pid;
	bool prefixed;      /* a syslog/journald prefix was there */
	bool leveled;       /* a "debugN: "/"fatal: " level was there */
	bool cut;           /* longer than KX_SSHLOG_LINE_MAX */
};

/* ------------------------------------------------------------ cursor words */

/* Consumes the literal s if the bytes begin with it. */
static bool
lit(struct kx_cursor *c, const char *s)
{
	size_t n = strlen(s);
	struct kx_cursor save = *c;
	const uint8_t *p;

	if (kx_cur_bytes(c, n, &p) != KX_OK)
		return false;
	if (memcmp(p, s, n) != 0) {
		*c = save;
		return false;
	}
	return true;
}

/* Advances past the first occurrence of s; false (nothing consumed) when
 * there is none. Lines are bounded, so the quadratic scan is too. */
static bool
find_lit(struct kx_cursor *c, const char *s)
{
	struct kx_cursor t = *c;

	while (kx_cur_left(&t) >= strlen(s)) {
		if (lit(&t, s)) {
			*c = t;
			return true;
		}
		if (kx_cur_skip(&t, 1) != KX_OK)
			break;
	}
	return false;
}

static bool
ends_with(const struct kx_cursor *c, const char *s)
{
	struct kx_cursor t = *c;
	size_t n = strlen(s);

	if (kx_cur_left(&t) < n ||
	    kx_cur_skip(&t, kx_cur_left(&t) - n) != KX_OK)
		return false;
	return lit(&t, s);
}

/* Drops the last n bytes from the view. */
static void
drop_tail(struct kx_cursor *c, size_t n)
{
	struct kx_cursor whole = *c;

	if (n > kx_cur_left(c))
		n = kx_cur_left(c);
	if (kx_cur_sub(&whole, kx_cur_left(c) - n, c) != KX_OK)
		kx_cur_init(c, NULL, 0);
}

static void
trim_trailing_space(struct kx_cursor *c)
{
	uint8_t b;

	while (kx_cur_left(c) > 0 &&
	    kx_cur_peek_u8(c, kx_cur_left(c) - 1, &b) == KX_OK &&
	    (b == ' ' || b == '\t' || b == '\r'))
		drop_tail(c, 1);
}

/* The bytes up to the next space (or the end), consumed; false if none. */
static bool
token(struct kx_cursor *c, const uint8_t **p, size_t *n)
{
	struct kx_cursor t = *c;
	uint8_t b;
	size_t len = 0;

	while (kx_cur_peek_u8(&t, len, &b) == KX_OK && b != ' ')
		len++;
	if (len == 0)
		return false;
	return kx_cur_bytes(c, len, p) == KX_OK && (*n = len, true);
}

/* The bytes up to the byte stop (not consumed), or false if it is absent. */
static bool
until(struct kx_cursor *c, uint8_t stop, const uint8_t **p, size_t *n)
{
	uint8_t b;
	size_t len = 0;

	while (kx_cur_peek_u8(c, len, &b) == KX_OK) {
		if (b == stop) {
			*n = len;
			return kx_cur_bytes(c, len, p) == KX_OK;
		}
		len++;
	}
	return false;
}

/* Decimal digits, from min to max of them, value at most lim. */
static bool
number(struct kx_cursor *c, size_t min, size_t max, uint64_t lim, uint64_t *v)
{
	struct kx_cursor save = *c;
	uint64_t x = 0;
	size_t n = 0;
	uint8_t b;

	while (n < max && kx_cur_peek_u8(c, 0, &b) == KX_OK &&
	    b >= '0' && b <= '9') {
		x = x * 10 + (uint64_t)(b - '0');
		if (x > lim || kx_cur_skip(c, 1) != KX_OK) {
			*c = save;
			return false;
		}
		n++;
	}
	if (n < min) {
		*c = save;
		return false;
	}
	*v = x;
	return true;
}

static bool
rest(struct kx_cursor *c, const uint8_t **p, size_t *n)
{
	*n = kx_cur_left(c);
	return kx_cur_bytes(c, *n, p) == KX_OK;
}

static bool
bytes_eq(const uint8_t *p, size_t n, const char *s)
{
	return n == strlen(s) && memcmp(p, s, n) == 0;
}

/* ------------------------------------------------------------- timestamps */

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
 * (H. Hinnant's days_from_civil); no time zone, no libc. */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* hh:mm:ss with an optional fraction; adds seconds and microseconds. */
static bool
clock_time(struct kx_cursor *c, int64_t *secs, uint64_t *us)
{
	uint64_t h, m, s, frac = 0;
	size_t digits = 0;
	uint8_t b;

	if (!number(c, 2, 2, 23, &h) || !lit(c, ":") ||
	    !number(c, 2, 2, 59, &m) || !lit(c, ":") ||
	    !number(c, 2, 2, 60, &s))
		return false;
	*us = 0;
	if (lit(c, ".") || lit(c, ",")) {
		while (kx_cur_peek_u8(c, 0, &b) == KX_OK &&
		    b >= '0' && b <= '9') {
			if (digits < 6)
				frac = frac * 10 + (uint64_t)(b - '0');
			digits++;
			if (kx_cur_skip(c, 1) != KX_OK)
				return false;
		}
		if (digits == 0)
			return false;
		for (; digits < 6; digits++)
			frac *= 10;
		*us = frac;
	}
	*secs += (int64_t)(h * 3600 + m * 60 + s);
	return true;
}

static bool
set_ts(struct lineinfo *li, int64_t secs, uint64_t us)
{
	if (secs < 0)
		return false;
	li->have_ts = true;
	li->ts_us = (uint64_t)secs * 1000000u + us;
	return true;
}

/* RFC 3339 / ISO 8601 (journalctl -o short-iso[-precise], rsyslog's
 * RFC3339 template, RFC 5424): YYYY-MM-DD[T ]hh:mm:ss[.frac][Z|+hh[:]mm],
 * then a space. */
static bool
ts_iso(struct kx_cursor *c, struct lineinfo *li)
{
	struct kx_cursor save = *c;
	uint64_t y, mo, d, oh, om;
	int64_t secs;
	uint64_t us;

	if (!number(c, 4, 4, 9999, &y) || !lit(c, "-") ||
	    !number(c, 2, 2, 12, &mo) || mo == 0 || !lit(c, "-") ||
	    !number(c, 2, 2, 31, &d) || d == 0 || !(lit(c, "T") || lit(c, " ")))
		goto fail;
	secs = days_from_civil((int64_t)y, (unsigned)mo, (unsigned)d) * 86400;
	if (!clock_time(c, &secs, &us))
		goto fail;
	if (!lit(c, "Z")) {
		int64_t east = lit(c, "+") ? 1 : lit(c, "-") ? -1 : 0;

		if (east != 0) {
			/* local = UTC + offset */
			if (!number(c, 2, 2, 23, &oh))
				goto fail;
			(void)lit(c, ":");
			if (!number(c, 2, 2, 59, &om))
				goto fail;
			secs -= east * (int64_t)(oh * 3600 + om * 60);
		}
	}
	if (!lit(c, " "))
		goto fail;
	return set_ts(li, secs, us);
fail:
	*c = save;
	return false;
}

/* RFC 3164 / BSD syslog and journalctl's default "short" (and
 * "short-precise", with microseconds): "Mmm dd hh:mm:ss[.frac] ". The
 * stamp has no year and no zone: the current year (the previous one if
 * that would put it more than a day ahead) and UTC are assumed. */
static bool
ts_bsd(struct kx_sshlog *l, struct kx_cursor *c, struct lineinfo *li)
{
	static const char *const months[12] = { "Jan ", "Feb ", "Mar ", "Apr ",
	    "May ", "Jun ", "Jul ", "Aug ", "Sep ", "Oct ", "Nov ", "Dec " };
	struct kx_cursor save = *c;
	uint64_t d, us;
	int64_t tod = 0, secs;
	unsigned m;

	for (m = 0; m < 12; m++)
		if (lit(c, months[m]))
			break;
	if (m == 12)
		return false;
	(void)lit(c, " ");   /* day padded with a space */
	if (!number(c, 1, 2, 31, &d) || d == 0 || !lit(c, " ") ||
	    !clock_time(c, &tod, &us) || !lit(c, " "))
		goto fail;
	secs = days_from_civil(l->year, m + 1, (unsigned)d) * 86400 + tod;
	if (secs > l->now_s + 86400)
		secs = days_from_civil(l->year - 1, m + 1, (unsigned)d) *
		    86400 + tod;
	return set_ts(li, secs, us);
fail:
	*c = save;
	return false;
}

/* journalctl -o short-monotonic: "[ 1234.567890] " (no wall clock). */
static bool
ts_mono(struct kx_cursor *c)
{
	struct kx_cursor save = *c;
	uint64_t v;

	if (!lit(c, "["))
		return false;
	while (lit(c, " "))
		;
	if (!number(c, 1, 12, UINT64_MAX / 16, &v) || !lit(c, ".") ||
	    !number(c, 1, 9, UINT64_MAX / 16, &v) || !lit(c, "] ")) {
		*c = save;
		return false;
	}
	return true;
}

/* ----------------------------------------------------------------- prefix */

static bool
name_byte(uint8_t b)
{
	return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') ||
	    (b >= '0' && b <= '9') || b == '.' || b == '_' || b == '-' ||
	    b == '/';
}

/* "prog[PID]: " (any program name), or "prog: " for OpenSSH's own names. */
static bool
prog_token(struct kx_cursor *c, struct lineinfo *li)
{
	struct kx_cursor save = *c;
	const uint8_t *name;
	size_t n = 0;
	uint64_t pid;
	uint8_t b;

	while (n < 64 && kx_cur_peek_u8(c, n, &b) == KX_OK && name_byte(b))
		n++;
	if (n == 0 || kx_cur_bytes(c, n, &name) != KX_OK)
		goto fail;
	if (lit(c, "[")) {
		if (!number(c, 1, 10, UINT32_MAX, &pid) || !lit(c, "]:"))
			goto fail;
		li->have_pid = true;
		li->pid = (uint32_t)pid;
	} else if (!lit(c, ":") || !(bytes_eq(name, n, "sshd") ||
	    bytes_eq(name, n, "sshd-session") ||
	    bytes_eq(name, n, "sshd-auth") || bytes_eq(name, n, "ssh"))) {
		goto fail;
	}
	(void)lit(c, " ");
	return true;
fail:
	*c = save;
	li->have_pid = false;
	return false;
}

static bool
skip_token_space(struct kx_cursor *c)
{
	const uint8_t *p;
	size_t n;

	return token(c, &p, &n) && lit(c, " ");
}

/* RFC 5424 6: after "<PRI>1 ": TIMESTAMP HOSTNAME APP-NAME PROCID MSGID
 * STRUCTURED-DATA MSG; "-" for a nil value. */
static void
rfc5424(struct kx_cursor *c, struct lineinfo *li)
{
	uint64_t pid;
	uint8_t b;

	if (!ts_iso(c, li) && !lit(c, "- "))
		return;
	if (!skip_token_space(c) || !skip_token_space(c))   /* host, app */
		return;
	if (number(c, 1, 10, UINT32_MAX, &pid) && lit(c, " ")) {
		li->have_pid = true;
		li->pid = (uint32_t)pid;
	} else if (!skip_token_space(c)) {
		return;
	}
	if (!skip_token_space(c))   /* MSGID */
		return;
	if (!lit(c, "- ")) {
		/* SD-ELEMENTs: "[id k="v" ...]" one after another. */
		while (kx_cur_peek_u8(c, 0, &b) == KX_OK && b == '[') {
			const uint8_t *p;
			size_t n;

			if (!until(c, ']', &p, &n) ||
			    kx_cur_skip(c, 1) != KX_OK)
				return;
		}
		(void)lit(c, " ");
	}
	/* RFC 5424 6.4: MSG may begin with a BOM. */
	(void)lit(c, "\xef\xbb\xbf");
	li->prefixed = true;
}

static void
parse_prefix(struct kx_sshlog *l, struct kx_cursor *c, struct lineinfo *li)
{
	struct kx_cursor save = *c, after;
	uint64_t pri;

	if (lit(c, "<") && number(c, 1, 3, 191, &pri) && lit(c, ">")) {
		if (lit(c, "1 ")) {
			rfc5424(c, li);
			return;
		}
		save = *c;      /* RFC 3164 with its PRI */
	} else {
		*c = save;
	}
	if (ts_iso(c, li) || ts_bsd(l, c, li) || ts_mono(c)) {
		li->prefixed = true;
		if (prog_token(c, li))
			return;
		after = *c;
		if (skip_token_space(c) && prog_token(c, li))   /* host first */
			return;
		*c = after;
		return;
	}
	*c = save;
	if (prog_token(c, li))
		li->prefixed = true;
}

/* log.c: "debug1: ", "fatal: " ... before the message. */
static bool
strip_level(struct kx_cursor *c)
{
	static const char *const levels[] = { "debug1: ", "debug2: ",
	    "debug3: ", "debug: ", "fatal: ", "error: ", "verbose: ",
	    "info: " };

	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
		if (lit(c, levels[i]))
			return true;
	return false;
}

/* monitor.c appends " [preauth]" to what the network child logs; newer
 * sshd-session/sshd-auth use " [net]" and " [auth]". */
static void
strip_suffix(struct kx_cursor *c)
{
	static const char *const tags[] = { " [preauth]", " [postauth]",
	    " [net]", " [auth]" };

	trim_trailing_space(c);
	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		if (ends_with(c, tags[i])) {
			drop_tail(c, strlen(tags[i]));
			break;
		}
	}
	trim_trailing_space(c);
}

/* ------------------------------------------------------------ connections */

static struct pident **
pid_slot(struct kx_sshlog *l, uint32_t pid)
{
	/* Knuth's multiplicative hash spreads sequential PIDs. */
	struct pident **pp =
	    &l->bucket[(pid * 2654435761u) & (PID_BUCKETS - 1)];

	while (*pp != NULL && (*pp)->pid != pid)
		pp = &(*pp)->next;
	return pp;
}

static struct lconn *
pid_conn(struct kx_sshlog *l, uint32_t pid)
{
	struct pident *e = *pid_slot(l, pid);

	return e != NULL ? e->lc : NULL;
}

static void
pid_unbind(struct kx_sshlog *l, uint32_t pid, const struct lconn *lc)
{
	struct pident **pp = pid_slot(l, pid), *e = *pp;

	if (e != NULL && e->lc == lc) {
		*pp = e->next;
		free(e);
	}
}

/* Makes pid lead to lc (taking it from a connection it led to before:
 * PIDs are reused). */
static void
pid_bind(struct kx_sshlog *l, struct lconn *lc, uint32_t pid)
{
	struct pident **pp = pid_slot(l, pid), *e = *pp;

	if (e != NULL) {
		struct lconn *old = e->lc;

		for (uint8_t i = 0; i < old->npids; i++)
			if (old->pids[i] == pid)
				old->pids[i] = old->pids[--old->npids];
		e->lc = lc;
	} else {
		if ((e = calloc(1, sizeof(*e))) == NULL)
			return;
		e->pid = pid;
		e->lc = lc;
		*pp = e;
	}
	if (lc->npids < KX_SSHLOG_PIDS_PER_CONN)
		lc->pids[lc->npids++] = pid;
	else
		pid_unbind(l, pid, lc);   /* cannot remember it: let it go */
}

static void
open_unlink(struct kx_sshlog *l, struct lconn *lc)
{
	if (lc->prev != NULL)
		lc->prev->next = lc->next;
	else
		l->head = lc->next;
	if (lc->next != NULL)
		lc->next->prev = lc->prev;
	else
		l->tail = lc->prev;
	lc->prev = lc->next = NULL;
}

static void
open_append(struct kx_sshlog *l, struct lconn *lc)
{
	lc->prev = l->tail;
	lc->next = NULL;
	if (l->tail != NULL)
		l->tail->next = lc;
	else
		l->head = lc;
	l->tail = lc;
}

static void
touch(struct kx_sshlog *l, struct lconn *lc)
{
	if (l->tail != lc) {
		open_unlink(l, lc);
		open_append(l, lc);
	}
}

static void
held_add(struct kx_sshlog *l, struct lconn *lc, size_t n)
{
	lc->held += n;
	l->held += n;
	if (l->held > l->st.held_peak)
		l->st.held_peak = l->held;
}

static void
held_sub(struct kx_sshlog *l, struct lconn *lc, size_t n)
{
	if (n > lc->held)
		n = lc->held;
	lc->held -= n;
	l->held -= n;
}

static int
writer_of(const struct kx_sshlog *l, const struct lconn *lc)
{
	if (lc->writer_known)
		return lc->info.writer;
	return l->writer_hint >= 0 ? l->writer_hint : KX_SERVER;
}

static void
set_writer(struct kx_sshlog *l, struct lconn *lc, int side)
{
	if (!lc->writer_known) {
		lc->writer_known = true;
		lc->info.writer = (int8_t)side;
	}
	if (l->writer_hint < 0)
		l->writer_hint = (int8_t)side;
}

static void
note_step(struct lconn *lc, int side, uint8_t what)
{
	lc->c.last_step.side = (int8_t)side;
	lc->c.last_step.what = what;
	lc->c.half[side].pkts++;
}

static void block_free(struct kx_sshlog *l, struct lconn *lc);
static void block_end(struct kx_sshlog *l, struct lconn *lc, bool fields_seen);
static void cross_check(struct lconn *lc);

/* Reports lc and frees it. why: the close of a connection the log did not
 * see end. */
static void
conn_finish(struct kx_sshlog *l, struct lconn *lc, enum kx_close why)
{
	struct kx_conn *c = &lc->c;

	if (lc->blk.open)
		block_end(l, lc, false);
	if (c->close == KX_CLOSE_NONE)
		c->close = why;
	lc->info.writer = (int8_t)writer_of(l, lc);
	c->source = lc->info.writer == KX_CLIENT ? KX_SOURCE_SSH_LOG :
	    KX_SOURCE_SSHD_LOG;
	cross_check(lc);
	while (lc->npids > 0)
		pid_unbind(l, lc->pids[--lc->npids], lc);
	open_unlink(l, lc);
	l->nopen--;
	if (l->prev_list == lc)
		l->prev_list = NULL;
	held_sub(l, lc, lc->held);
	l->st.conns++;
	l->done(c, l->arg);
	for (int s = 0; s < 2; s++)
		kx_ssh_side_free(&lc->hs.ssh[s]);
	free(lc);
}

static void
evict(struct kx_sshlog *l, struct lconn *lc)
{
	lc->c.evicted = true;
	kx_anom_set(&lc->c.anomalies, KX_ANOM_FLOW_EVICTED);
	l->st.evicted++;
	conn_finish(l, lc, KX_CLOSE_CAPTURE_END);
}

/* A new connection; bound to the line's PID (0 for a log without PIDs)
 * when bind is set. */
static struct lconn *
conn_new(struct kx_sshlog *l, const struct lineinfo *li, bool bind,
    uint64_t line_no)
{
	struct lconn *lc;
	uint32_t pid = li->have_pid ? li->pid : 0;

	if (l->nopen >= KX_SSHLOG_CONNS_MAX && l->head != NULL)
		evict(l, l->head);
	if ((lc = calloc(1, sizeof(*lc))) == NULL)
		return NULL;
	for (int s = 0; s < 2; s++) {
		kx_reasm_init(&lc->hs.rs[s]);
		kx_ssh_side_init(&lc->hs.ssh[s], s == KX_SERVER);
	}
	lc->c.hs = &lc->hs;
	lc->c.seq_no = l->seq++;
	lc->c.kind = KX_CONN_SSH;
	lc->c.ip_version = 4;
	lc->c.closed_by = -1;
	lc->c.close_after.side = -1;
	lc->c.last_step.side = -1;
	lc->c.log = &lc->info;
	lc->info.writer = KX_SERVER;
	lc->info.pid = pid;
	lc->info.first_line = lc->info.last_line = line_no;
	if (li->have_ts) {
		lc->info.have_ts = true;
		lc->c.ts_first = lc->c.ts_last = li->ts_us;
	}
	open_append(l, lc);
	if (++l->nopen > l->st.open_peak)
		l->st.open_peak = l->nopen;
	if (bind)
		pid_bind(l, lc, pid);
	return lc;
}

/* ------------------------------------------------------------------ facts */

static bool
parse_addr(const uint8_t *p, size_t n, struct kx_endpoint *ep, uint8_t *ver)
{
	char text[ADDR_TEXT_MAX + 1];

	if (n == 0 || n > ADDR_TEXT_MAX)
		return false;
	memcpy(text, p, n);
	text[n] = '\0';
	memset(ep->addr, 0, sizeof(ep->addr));
	if (inet_pton(AF_INET, text, ep->addr) == 1) {
		*ver = 4;
		return true;
	}
	if (inet_pton(AF_INET6, text, ep->addr) == 1) {
		*ver = 6;
		return true;
	}
	return false;
}

/* "ADDR port N" (sshd, ssh) into side's endpoint. */
static bool
endpoint(struct lconn *lc, int side, struct kx_cursor *m)
{
	struct kx_cursor save = *m;
	struct kx_endpoint ep;
	const uint8_t *p;
	size_t n;
	uint64_t port;
	uint8_t ver;

	if (!token(m, &p, &n) || !parse_addr(p, n, &ep, &ver) ||
	    !lit(m, " port ") || !number(m, 1, 5, 65535, &port)) {
		*m = save;
		return false;
	}
	ep.port = (uint16_t)port;
	lc->c.ep[side] = ep;
	lc->c.ip_version = ver;
	lc->info.have_ep[side] = true;
	return true;
}

/* "[ADDR]:N" (sshd's MaxStartups line). */
static bool
endpoint_bracketed(struct lconn *lc, int side, struct kx_cursor *m)
{
	struct kx_endpoint ep;
	const uint8_t *p;
	size_t n;
	uint64_t port;
	uint8_t ver;

	if (!lit(m, "[") || !until(m, ']', &p, &n) || !lit(m, "]:") ||
	    !parse_addr(p, n, &ep, &ver) || !number(m, 1, 5, 65535, &port))
		return false;
	ep.port = (uint16_t)port;
	lc->c.ep[side] = ep;
	lc->c.ip_version = ver;
	lc->info.have_ep[side] = true;
	return true;
}

/* Three octal digits ("\\ooo" of vis(3) VIS_OCTAL), at most 0377. */
static bool
octal3(struct kx_cursor *c, uint8_t *v)
{
	struct kx_cursor t = *c;
	unsigned x = 0;
	uint8_t b;

	for (int i = 0; i < 3; i++) {
		if (kx_cur_u8(&t, &b) != KX_OK || b < '0' || b > '7')
			return false;
		x = x * 8 + (unsigned)(b - '0');
	}
	if (x > 0xff)
		return false;
	*v = (uint8_t)x;
	*c = t;
	return true;
}

/* log.c writes messages through strnvis(3) (VIS_OCTAL with VIS_CSTYLE or
 * VIS_SAFE): undo it, so a banner holds the bytes the peer sent. */
static size_t
unvis(const uint8_t *p, size_t n, uint8_t *out, size_t cap)
{
	struct kx_cursor c;
	size_t o = 0;
	uint8_t b, x;

	kx_cur_init(&c, p, n);
	while (o < cap && kx_cur_u8(&c, &b) == KX_OK) {
		if (b == '\\' && kx_cur_peek_u8(&c, 0, &x) == KX_OK) {
			uint8_t v;

			if (octal3(&c, &v)) {
				out[o++] = v;
				continue;
			}
			if (kx_cur_skip(&c, 1) != KX_OK)
				break;
			switch (x) {
			case 'n': b = '\n'; break;
			case 'r': b = '\r'; break;
			case 't': b = '\t'; break;
			case 'a': b = '\a'; break;
			case 'b': b = '\b'; break;
			case 'f': b = '\f'; break;
			case 'v': b = '\v'; break;
			case 's': b = ' '; break;
			case '0': b = '\0'; break;
			default: b = x; break;   /* "\\" and anything else */
			}
		}
		out[o++] = b;
	}
	return o;
}

/* An identification string the log quotes, fed through the same parser
 * the packet path uses (with the CR LF the wire had). */
static void
banner(struct lconn *lc, int side, const char *head, const uint8_t *p,
    size_t n)
{
	struct kx_ssh_side *s = &lc->hs.ssh[side];
	uint8_t line[KX_BANNER_KEEP + 16];
	size_t len = strlen(head), used;
	enum kx_status st;

	if (s->have_banner || s->state != KX_SSH_BANNER)
		return;
	memcpy(line, head, len);
	len += unvis(p, n, line + len, KX_BANNER_KEEP - len);
	line[len++] = '\r';
	line[len++] = '\n';
	st = kx_ssh_feed(s, line, len, &used);
	(void)st;   /* what it found is in s (banner, anomalies) */
	if (s->have_banner)
		note_step(lc, side, KX_STEP_BANNER);
}

static void
set_outcome(struct lconn *lc, const struct kx_cursor *msg)
{
	struct kx_cursor m = *msg;
	const uint8_t *p;
	size_t n;

	if (lc->info.outcome_len > 0 || !rest(&m, &p, &n))
		return;
	if (n > KX_SSHLOG_OUTCOME_KEEP)
		n = KX_SSHLOG_OUTCOME_KEEP;
	memcpy(lc->info.outcome, p, n);
	lc->info.outcome[n] = '\0';
	lc->info.outcome_len = (uint16_t)n;
}

/* "... Their offer: LIST" at the end of the outcome line (kex.c
 * kex_choose_conf: the peer's proposal for the failing category). */
static void
offer_in_outcome(struct kx_logconn *info)
{
	static const char key[] = "Their offer: ";
	struct kx_cursor t;
	size_t n = 0;
	uint8_t b;

	kx_cur_init(&t, (const uint8_t *)info->outcome, info->outcome_len);
	if (!find_lit(&t, key))
		return;
	/* The list runs to the first space ("[preauth]" may follow). */
	while (kx_cur_peek_u8(&t, n, &b) == KX_OK && b != ' ')
		n++;
	info->offer_off = (uint16_t)kx_cur_used(&t);
	info->offer_len = (uint16_t)n;
}

/* The connection ended: side closed it (FIN), reset it (RST), or nobody
 * answered (TIMEOUT, side -1). Reports it at once, as the packet path
 * does when both FINs or a RST are seen. */
static void
closed(struct kx_sshlog *l, struct lconn *lc, int side, enum kx_close how,
    const struct kx_cursor *msg)
{
	struct kx_conn *c = &lc->c;

	set_outcome(lc, msg);
	if (c->close == KX_CLOSE_NONE) {
		c->close = how;
		c->closed_by = (int8_t)side;
		c->close_after = c->last_step;
		if (side >= 0) {
			if (how == KX_CLOSE_RST)
				c->half[side].rst = true;
			else
				c->half[side].fin = true;
			c->half[side].pkts++;
		}
	}
	conn_finish(l, lc, how);
}

/* ----------------------------------------------------------------- blocks */

static bool
block_put(struct kx_sshlog *l, struct lconn *lc, const uint8_t *p, size_t n)
{
	struct block *b = &lc->blk;

	if (n > KX_SSHLOG_BLOCK_MAX || b->len + n > KX_SSHLOG_BLOCK_MAX) {
		b->broken = true;
		kx_anom_set(&lc->c.anomalies, KX_ANOM_LOG_LINE_LIMIT);
		return false;
	}
	if (b->len + n > b->cap) {
		uint32_t cap = b->cap != 0 ? b->cap : 512;
		uint8_t *nb;

		while (cap < b->len + n)
			cap *= 2;
		if (cap > KX_SSHLOG_BLOCK_MAX)
			cap = KX_SSHLOG_BLOCK_MAX;
		if ((nb = realloc(b->buf, cap)) == NULL) {
			b->broken = true;
			return false;
		}
		held_add(l, lc, cap - b->cap);
		b->buf = nb;
		b->cap = cap;
	}
	if (n > 0)
		memcpy(b->buf + b->len, p, n);
	b->len += (uint32_t)n;
	return true;
}

static bool
block_put_u32(struct kx_sshlog *l, struct lconn *lc, uint32_t v)
{
	uint8_t x[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
	    (uint8_t)(v >> 8), (uint8_t)v };

	return block_put(l, lc, x, 4);
}

static void
block_free(struct kx_sshlog *l, struct lconn *lc)
{
	held_sub(l, lc, lc->blk.cap);
	free(lc->blk.buf);
	memset(&lc->blk, 0, sizeof(lc->blk));
}

static void
block_begin(struct kx_sshlog *l, struct lconn *lc, int side)
{
	static const uint8_t head[KEXINIT_HEAD] = { KX_MSG_KEXINIT };

	if (lc->blk.open)
		block_end(l, lc, false);
	lc->blk.open = true;
	lc->blk.side = (int8_t)side;
	if (side < 0)
		lc->blk.order = lc->unlabelled < UINT8_MAX ?
		    lc->unlabelled++ : UINT8_MAX;
	(void)block_put(l, lc, head, sizeof(head));
}

static void
block_list(struct kx_sshlog *l, struct lconn *lc, const uint8_t *p, size_t n,
    bool cut)
{
	struct block *b = &lc->blk;

	if (b->broken)
		return;
	if (cut) {
		/* The list went on past the line cap: not what was sent. */
		b->broken = true;
		kx_anom_set(&lc->c.anomalies, KX_ANOM_LOG_LINE_LIMIT);
		return;
	}
	b->list_off = b->len;
	if (block_put_u32(l, lc, (uint32_t)n) && block_put(l, lc, p, n))
		b->nlists++;
	lc->last_was_list = true;
}

/* A wrapped list's next piece: appended to the last list, whose length
 * field grows by as much. */
static void
block_continue(struct kx_sshlog *l, struct lconn *lc, const uint8_t *p,
    size_t n)
{
	struct block *b = &lc->blk;
	struct kx_cursor c;
	uint32_t len;

	if (b->broken || b->nlists == 0)
		return;
	kx_cur_init(&c, b->buf, b->len);
	if (kx_cur_skip(&c, b->list_off) != KX_OK ||
	    kx_cur_u32be(&c, &len) != KX_OK || !block_put(l, lc, p, n))
		return;
	len += (uint32_t)n;
	/* Our own buffer, written where block_list put the length. */
	b->buf[b->list_off] = (uint8_t)(len >> 24);
	b->buf[b->list_off + 1] = (uint8_t)(len >> 16);
	b->buf[b->list_off + 2] = (uint8_t)(len >> 8);
	b->buf[b->list_off + 3] = (uint8_t)len;
	lc->last_was_list = true;
}

/* The block is over: at its "reserved" line (fields_seen), or cut off by
 * a new block, the connection's end or the log's. A block with all ten
 * lists becomes that side's KEXINIT through kx_kexinit_parse, exactly as
 * a captured one would. */
static void
block_end(struct kx_sshlog *l, struct lconn *lc, bool fields_seen)
{
	struct block *b = &lc->blk;
	struct kx_ssh_side *s;
	struct kx_kexinit *k;
	int w = writer_of(l, lc), side;

	if (!b->open)
		return;
	if (b->broken || b->nlists != KX_PROP_MAX) {
		if (!b->broken)
			kx_anom_set(&lc->c.anomalies,
			    KX_ANOM_LOG_BLOCK_INCOMPLETE);
		block_free(l, lc);
		return;
	}
	if (!fields_seen)
		kx_anom_set(&lc->c.anomalies, KX_ANOM_LOG_BLOCK_INCOMPLETE);
	/* reserved is always logged as 0 by OpenSSH's own peers; a block
	 * that ended without it takes that value too. */
	if (!block_put(l, lc, &b->follows, 1) || !block_put_u32(l, lc, 0)) {
		block_free(l, lc);
		return;
	}
	/* kex.c kex_choose_conf logs its own proposal, then the peer's. */
	side = b->side >= 0 ? b->side : b->order == 0 ? w :
	    b->order == 1 ? !w : -1;
	if (side < 0) {
		block_free(l, lc);
		return;
	}
	s = &lc->hs.ssh[side];
	if (s->newkeys) {
		/* A re-key: the packet path sees none after NEWKEYS either. */
		block_free(l, lc);
		return;
	}
	if (s->kexinit != NULL) {
		if (s->kexinit_count < UINT32_MAX)
			s->kexinit_count++;
		kx_anom_set(&s->anomalies, KX_ANOM_SSH_KEXINIT_REPEATED);
		block_free(l, lc);
		return;
	}
	if ((k = calloc(1, sizeof(*k))) != NULL) {
		if (kx_kexinit_parse(b->buf, b->len, k, &s->anomalies) ==
		    KX_OK) {
			s->kexinit = k;
			s->kexinit_raw_len = k->raw_len;
			s->kexinit_count = 1;
			lc->c.half[side].pkts++;
			held_add(l, lc, k->raw_len);
		} else {
			free(k);
		}
	}
	block_free(l, lc);
}

/* ------------------------------------------------------------ cross-check */

static void
stated_alg(struct lconn *lc, enum kx_cat cat, const uint8_t *p, size_t n)
{
	struct stated *st = &lc->st;
	uint16_t bit = (uint16_t)(1u << cat);

	st->have |= bit;
	if (bytes_eq(p, n, "(no match)")) {
		st->nomatch |= bit;
	} else if (n > KX_SSHLOG_ALG_KEEP) {
		st->toolong |= bit;
	} else {
		memcpy(st->alg[cat], p, n);
		st->len[cat] = (uint8_t)n;
	}
}

/* "cipher_c2s: the log says X, kexray negotiates Y"; the first
 * disagreement is enough to point at it. */
static void
note_disagreement(struct lconn *lc, int cat, const char *logged, int llen,
    const char *ours, int olen)
{
	struct kx_logconn *in = &lc->info;
	int n;

	kx_anom_set(&lc->c.anomalies, KX_ANOM_LOG_NEGOTIATION_DISAGREES);
	if (in->disagree_len > 0)
		return;
	n = snprintf(in->disagree, sizeof(in->disagree),
	    "%s: the log says %.*s, kexray negotiates %.*s", kx_cat_names[cat],
	    llen, logged, olen, ours);
	in->disagree_len = (uint16_t)(n < 0 ? 0 :
	    (size_t)n >= sizeof(in->disagree) ? sizeof(in->disagree) - 1 :
	    (size_t)n);
}

/* Where the log states what OpenSSH negotiated (kex.c choose_kex,
 * choose_hostkeyalg, kex_choose_conf: "kex: algorithm: X", "kex:
 * client->server cipher: C MAC: M compression: Z") or which category
 * failed, kexray's negotiation of the logged proposals must agree. */
static void
cross_check(struct lconn *lc)
{
	const struct kx_kexinit *ck = lc->hs.ssh[KX_CLIENT].kexinit;
	const struct kx_kexinit *sk = lc->hs.ssh[KX_SERVER].kexinit;
	const struct stated *st = &lc->st;
	struct kx_nego n;

	if (ck == NULL || sk == NULL || (st->have == 0 && st->failed == 0))
		return;
	kx_negotiate(ck, sk, &n);
	for (int cat = 0; cat < KX_CAT_MAX; cat++) {
		uint16_t bit = (uint16_t)(1u << cat);
		const char *ours = "no common algorithm";
		int ourlen = (int)strlen(ours);
		bool ok;

		if (!(st->have & bit) || (st->toolong & bit))
			continue;
		if (n.res[cat] == KX_NEGO_AGREED) {
			ours = (const char *)n.alg[cat].p;
			ourlen = (int)n.alg[cat].len;
		} else if (n.res[cat] == KX_NEGO_IMPLICIT) {
			ours = "<implicit>";
			ourlen = (int)strlen(ours);
		}
		if (st->nomatch & bit)
			ok = n.res[cat] == KX_NEGO_MISMATCH;
		else if (bytes_eq((const uint8_t *)st->alg[cat], st->len[cat],
		    "<implicit>"))
			ok = n.res[cat] == KX_NEGO_IMPLICIT;
		else
			ok = n.res[cat] == KX_NEGO_AGREED &&
			    n.alg[cat].len == st->len[cat] &&
			    memcmp(n.alg[cat].p, st->alg[cat], st->len[cat]) == 0;
		if (!ok) {
			const char *said = (st->nomatch & bit) ? "(no match)" :
			    st->alg[cat];

			note_disagreement(lc, cat, said, (st->nomatch & bit) ?
			    (int)strlen(said) : st->len[cat], ours, ourlen);
		}
	}
	if (st->failed != 0 && (st->failed & n.mismatch_mask) == 0) {
		/* The log says no common algorithm in a category where
		 * kexray agrees one. */
		int cat = 0;
		const char *said = "no common algorithm";

		while (cat < KX_CAT_MAX - 1 && !(st->failed & (1u << cat)))
			cat++;
		if (n.res[cat] == KX_NEGO_AGREED)
			note_disagreement(lc, cat, said, (int)strlen(said),
			    (const char *)n.alg[cat].p, (int)n.alg[cat].len);
		else
			note_disagreement(lc, cat, said, (int)strlen(said),
			    "<implicit>", 10);
	}
}

/* Categories of the failures sshd and ssh log (ssherr.c texts after
 * "Unable to negotiate with ...: ", and OpenSSH 5/6's fatal() words). */
static uint16_t
failure_cats(struct kx_cursor m)
{
#define CATS2(a, b) (uint16_t)(1u << (a) | 1u << (b))
	static const struct {
		const char *words;
		uint16_t cats;
	} tab[] = {
		{ "no matching key exchange method found", 1u << KX_CAT_KEX },
		{ "Unable to negotiate a key exchange method", 1u << KX_CAT_KEX },
		{ "no matching host key type found", 1u << KX_CAT_HOSTKEY },
		{ "no hostkey alg", 1u << KX_CAT_HOSTKEY },
		{ "no matching cipher found",
		    CATS2(KX_CAT_CIPHER_C2S, KX_CAT_CIPHER_S2C) },
		{ "no matching MAC found", CATS2(KX_CAT_MAC_C2S, KX_CAT_MAC_S2C) },
		{ "no matching mac found", CATS2(KX_CAT_MAC_C2S, KX_CAT_MAC_S2C) },
		{ "no matching compression method found",
		    CATS2(KX_CAT_COMP_C2S, KX_CAT_COMP_S2C) },
		{ "no matching comp found",
		    CATS2(KX_CAT_COMP_C2S, KX_CAT_COMP_S2C) },
	};
#undef CATS2

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		struct kx_cursor t = m;

		if (find_lit(&t, tab[i].words))
			return tab[i].cats;
	}
	return 0;
}

/* --------------------------------------------------------------- messages */

struct ctx {
	struct kx_sshlog *l;
	const struct lineinfo *li;
	uint64_t line_no;
	struct kx_cursor msg;    /* the whole message, for the outcome */
};

static struct lconn *
conn_of(struct ctx *x)
{
	return pid_conn(x->l, x->li->have_pid ? x->li->pid : 0);
}

/* The line's connection, or a new one begun mid-way (the log starts
 * inside it, or its first lines were lost): like a capture that missed
 * the SYN. */
static struct lconn *
conn_here(struct ctx *x)
{
	struct lconn *lc = conn_of(x);

	if (lc == NULL && (lc = conn_new(x->l, x->li, true, x->line_no)) != NULL) {
		lc->c.midstream = true;
		kx_anom_set(&lc->c.anomalies, KX_ANOM_FLOW_MIDSTREAM);
	}
	return lc;
}

/* A line that begins a connection: the one the PID had before is over. */
static struct lconn *
conn_fresh(struct ctx *x)
{
	struct lconn *old = conn_of(x);

	if (old != NULL)
		conn_finish(x->l, old, KX_CLOSE_CAPTURE_END);
	return conn_new(x->l, x->li, true, x->line_no);
}

/* sshd.c: "Connection from A port P on B port Q[ rdomain R]" (OpenSSH 7+),
 * "Connection from A port P" (older). */
static bool
msg_connection_from(struct ctx *x, struct kx_cursor *m)
{
	struct lconn *lc;

	if (!lit(m, "Connection from ") || (lc = conn_fresh(x)) == NULL)
		return false;
	set_writer(x->l, lc, KX_SERVER);
	(void)endpoint(lc, KX_CLIENT, m);
	if (lit(m, " on "))
		(void)endpoint(lc, KX_SERVER, m);
	/* The TCP handshake is done: both sides have sent something. */
	lc->c.half[KX_CLIENT].pkts++;
	lc->c.half[KX_SERVER].pkts++;
	return true;
}

/* sshconnect.c: "Connecting to HOST [ADDR] port P." */
static bool
msg_connecting(struct ctx *x, struct kx_cursor *m)
{
	struct lconn *lc;
	const uint8_t *p;
	size_t n;

	if (!lit(m, "Connecting to ") || (lc = conn_fresh(x)) == NULL)
		return false;
	set_writer(x->l, lc, KX_CLIENT);
	if (token(m, &p, &n) && lit(m, " [") && until(m, ']', &p, &n)) {
		uint64_t port;
		struct kx_endpoint ep;
		uint8_t ver;

		if (parse_addr(p, n, &ep, &ver) && lit(m, "] port ") &&
		    number(m, 1, 5, 65535, &port)) {
			ep.port = (uint16_t)port;
			lc->c.ep[KX_SERVER] = ep;
			lc->c.ip_version = ver;
			lc->info.have_ep[KX_SERVER] = true;
		}
	}
	lc->c.half[KX_CLIENT].pkts++;   /* its SYN */
	return true;
}

/* sshconnect.c verify_host_key: "Server host key: TYPE SHA256:FP". The
 * type and fingerprint are kept only when both have the shape ssh prints
 * (no space, the fingerprint SHA256: and 43 base64 characters). */
static bool
msg_server_hostkey(struct ctx *x, struct kx_cursor *m)
{
	struct lconn *lc;
	const uint8_t *tp, *fp;
	size_t tn, fn;

	if (!lit(m, "Server host key: ") || (lc = conn_of(x)) == NULL)
		return false;
	if (token(m, &tp, &tn) && tn <= KX_KEYTYPE_MAX && lit(m, " ") &&
	    token(m, &fp, &fn) && fn == KX_FP_LEN && kx_cur_left(m) == 0 &&
	    memcmp(fp, "SHA256:", 7) == 0) {
		memcpy(lc->info.hostkey_type, tp, tn);
		lc->info.hostkey_type[tn] = '\0';
		memcpy(lc->info.hostkey_fp, fp, fn);
		lc->info.hostkey_fp[fn] = '\0';
	}
	return true;
}

/* sshd.c: "drop connection #N from [A]:P on [B]:Q past MaxStartups",
 * logged by the listener: the connection was accepted and closed at once,
 * before any banner. */
static bool
msg_maxstartups(struct ctx *x, struct kx_cursor *m)
{
	struct kx_cursor whole = *m;
	struct lconn *lc;
	uint64_t nth;

	if (!lit(m, "drop connection #") || !number(m, 1, 10, UINT32_MAX, &nth) ||
	    !lit(m, " from ") || (lc = conn_new(x->l, x->li, false, x->line_no)) == NULL)
		return false;
	set_writer(x->l, lc, KX_SERVER);
	(void)endpoint_bracketed(lc, KX_CLIENT, m);
	if (lit(m, " on "))
		(void)endpoint_bracketed(lc, KX_SERVER, m);
	lc->c.half[KX_CLIENT].pkts++;
	closed(x->l, lc, KX_SERVER, KX_CLOSE_FIN, &whole);
	return true;
}

static bool
msg_banners(struct ctx *x, struct kx_cursor *m)
{
	struct lconn *lc;
	const uint8_t *p;
	size_t n;
	uint64_t maj, min;
	char head[32];
	int w;

	if (lit(m, "Local version string ")) {
		/* Our own identification string, as sent. */
		if ((lc = conn_here(x)) == NULL || !rest(m, &p, &n))
			return false;
		banner(lc, writer_of(x->l, lc), "", p, n);
		return true;
	}
	if (lit(m, "Remote protocol version ")) {
		/* kex.c kex_exchange_identification: "Remote protocol version
		 * %d.%d, remote software version %.100s". */
		if ((lc = conn_here(x)) == NULL)
			return false;
		w = writer_of(x->l, lc);
		if (!number(m, 1, 3, 255, &maj) || !lit(m, ".") ||
		    !number(m, 1, 3, 255, &min) ||
		    !lit(m, ", remote software version ") || !rest(m, &p, &n))
			return true;
		snprintf(head, sizeof(head), "SSH-%u.%u-", (unsigned)maj, (unsigned)min);
		banner(lc, !w, head, p, n);
		return true;
	}
	if (lit(m, "Client protocol version ")) {
		/* sshd.c (OpenSSH 7 and older): "Client protocol version %d.%d;
		 * client software version %.100s". */
		if ((lc = conn_here(x)) == NULL)
			return false;
		set_writer(x->l, lc, KX_SERVER);
		if (!number(m, 1, 3, 255, &maj) || !lit(m, ".") ||
		    !number(m, 1, 3, 255, &min) ||
		    !lit(m, "; client software version ") || !rest(m, &p, &n))
			return true;
		snprintf(head, sizeof(head), "SSH-%u.%u-", (unsigned)maj, (unsigned)min);
		banner(lc, KX_CLIENT, head, p, n);
		return true;
	}
	if (lit(m, "Bad protocol version identification '") ||
	    lit(m, "kex_exchange_identification: client sent invalid protocol identifier \"")) {
		/* The peer's first line was not SSH-: it goes through the
		 * banner parser as the wire had it; sshd hangs up. */
		if ((lc = conn_here(x)) == NULL)
			return false;
		w = writer_of(x->l, lc);
		if (until(m, '\'', &p, &n) || until(m, '"', &p, &n))
			banner(lc, !w, "", p, n);
		closed(x->l, lc, w, KX_CLOSE_FIN, &x->msg);
		return true;
	}
	return false;
}

static bool
msg_kexinit(struct ctx *x, struct kx_cursor *m)
{
	static const struct {
		const char *text;
		int8_t writer;   /* the writer it proves, -1 none */
		int8_t side;     /* the block's side; for sent/received see below */
	} heads[] = {
		{ "local server KEXINIT proposal", KX_SERVER, KX_SERVER },
		{ "local client KEXINIT proposal", KX_CLIENT, KX_CLIENT },
		{ "peer client KEXINIT proposal", KX_SERVER, KX_CLIENT },
		{ "peer server KEXINIT proposal", KX_CLIENT, KX_SERVER },
	};
	struct lconn *lc;

	for (size_t i = 0; i < sizeof(heads) / sizeof(heads[0]); i++) {
		if (!lit(m, heads[i].text))
			continue;
		if ((lc = conn_here(x)) == NULL)
			return false;
		set_writer(x->l, lc, heads[i].writer);
		block_begin(x->l, lc, heads[i].side);
		return true;
	}
	/* kex.c: "SSH2_MSG_KEXINIT sent" / "received". */
	if (lit(m, "SSH2_MSG_KEXINIT ")) {
		bool sent = lit(m, "sent");

		if (!sent && !lit(m, "received"))
			return false;
		if ((lc = conn_here(x)) == NULL)
			return false;
		note_step(lc, sent ? writer_of(x->l, lc) : !writer_of(x->l, lc),
		    KX_MSG_KEXINIT);
		return true;
	}
	return false;
}

/* "first_kex_follows N " / "reserved N " ends a block (kex.c kex_buf2prop). */
static bool
block_fields(struct ctx *x, struct kx_cursor *m)
{
	struct lconn *lc;
	uint64_t v;

	if (lit(m, "first_kex_follows ")) {
		if ((lc = conn_of(x)) != NULL && lc->blk.open &&
		    number(m, 1, 3, 255, &v)) {
			lc->blk.have_follows = true;
			lc->blk.follows = (uint8_t)v;
		}
		return true;
	}
	if (lit(m, "reserved ")) {
		if ((lc = conn_of(x)) != NULL && lc->blk.open)
			block_end(x->l, lc, lc->blk.have_follows);
		return true;
	}
	return false;
}

static bool
msg_lists(struct ctx *x, struct kx_cursor *m)
{
	struct lconn *lc;
	const uint8_t *p;
	size_t n;

	/* OpenSSH 5/6 kex.c kex_buf2prop: "kex_parse_kexinit: %s", ten lists
	 * then first_kex_follows and reserved, own proposal first. */
	if (lit(m, "kex_parse_kexinit:")) {
		(void)lit(m, " ");
		if (block_fields(x, m))
			return true;
		if ((lc = conn_here(x)) == NULL || !rest(m, &p, &n))
			return false;
		if (!lc->blk.open || lc->blk.side >= 0 || lc->blk.nlists == KX_PROP_MAX)
			block_begin(x->l, lc, -1);
		block_list(x->l, lc, p, n, x->li->cut);
		return true;
	}
	for (int i = 0; i < KX_PROP_MAX; i++) {
		if (!lit(m, list_labels[i]))
			continue;
		(void)lit(m, " ");
		if ((lc = conn_of(x)) == NULL || !lc->blk.open) {
			/* A list without its block's first line. */
			if (lc != NULL)
				kx_anom_set(&lc->c.anomalies, KX_ANOM_LOG_BLOCK_INCOMPLETE);
			return true;
		}
		if (lc->blk.nlists != i) {
			lc->blk.broken = true;
			kx_anom_set(&lc->c.anomalies, KX_ANOM_LOG_BLOCK_INCOMPLETE);
			return true;
		}
		if (rest(m, &p, &n))
			block_list(x->l, lc, p, n, x->li->cut);
		return true;
	}
	return block_fields(x, m);
}

static bool
msg_kex_choice(struct ctx *x, struct kx_cursor *m)
{
	struct lconn *lc;
	const uint8_t *p;
	size_t n;
	bool c2s;
	enum kx_cat cc, cm, cz;

	if (!lit(m, "kex: "))
		return false;
	if ((lc = conn_of(x)) == NULL)
		return true;
	if (lit(m, "algorithm: ")) {
		if (rest(m, &p, &n))
			stated_alg(lc, KX_CAT_KEX, p, n);
		return true;
	}
	if (lit(m, "host key algorithm: ")) {
		if (rest(m, &p, &n))
			stated_alg(lc, KX_CAT_HOSTKEY, p, n);
		return true;
	}
	if (lit(m, "client->server "))
		c2s = true;
	else if (lit(m, "server->client "))
		c2s = false;
	else
		return true;
	cc = c2s ? KX_CAT_CIPHER_C2S : KX_CAT_CIPHER_S2C;
	cm = c2s ? KX_CAT_MAC_C2S : KX_CAT_MAC_S2C;
	cz = c2s ? KX_CAT_COMP_C2S : KX_CAT_COMP_S2C;
	if (lit(m, "cipher: ")) {
		/* OpenSSH 7+: "cipher: C MAC: M compression: Z" */
		if (token(m, &p, &n))
			stated_alg(lc, cc, p, n);
		if (lit(m, " MAC: ") && token(m, &p, &n))
			stated_alg(lc, cm, p, n);
		if (lit(m, " compression: ") && token(m, &p, &n))
			stated_alg(lc, cz, p, n);
		return true;
	}
	/* OpenSSH 5/6: "C M Z" */
	if (token(m, &p, &n))
		stated_alg(lc, cc, p, n);
	if (lit(m, " ") && token(m, &p, &n))
		stated_alg(lc, cm, p, n);
	if (lit(m, " ") && token(m, &p, &n))
		stated_alg(lc, cz, p, n);
	return true;
}

/* packet.c at DEBUG3: "send packet: type N", "receive packet: type N";
 * kex.c: "SSH2_MSG_NEWKEYS sent" / "received". */
static bool
msg_packets(struct ctx *x, struct kx_cursor *m)
{
	struct lconn *lc;
	uint64_t type;
	bool sent;
	int side;

	if (lit(m, "SSH2_MSG_NEWKEYS ")) {
		if (!(sent = lit(m, "sent")) && !lit(m, "received"))
			return false;
		if ((lc = conn_here(x)) == NULL)
			return false;
		side = sent ? writer_of(x->l, lc) : !writer_of(x->l, lc);
		note_step(lc, side, KX_MSG_NEWKEYS);
		lc->hs.ssh[side].newkeys = true;
		lc->hs.ssh[side].state = KX_SSH_ENCRYPTED;
		return true;
	}
	if ((sent = lit(m, "send packet: type ")) || lit(m, "receive packet: type ")) {
		if ((lc = conn_of(x)) == NULL || !number(m, 1, 3, 255, &type))
			return lc != NULL;
		side = sent ? writer_of(x->l, lc) : !writer_of(x->l, lc);
		note_step(lc, side, lc->hs.ssh[side].newkeys ?
		    KX_STEP_ENCRYPTED : (uint8_t)type);
		return true;
	}
	return false;
}

/* sshd.c privsep: "Network child is on pid N", "User child is on pid N":
 * the connection's other processes, whose lines carry their own PIDs. */
static bool
msg_child(struct ctx *x, struct kx_cursor *m)
{
	struct lconn *lc;
	uint64_t pid;

	if (!lit(m, "Network child is on pid ") && !lit(m, "User child is on pid "))
		return false;
	if ((lc = conn_of(x)) != NULL && number(m, 1, 10, UINT32_MAX, &pid))
		pid_bind(x->l, lc, (uint32_t)pid);
	return true;
}

/* How connections end, in sshd's and ssh's words. */
static bool
msg_outcome(struct ctx *x, struct kx_cursor *m)
{
	struct kx_sshlog *l = x->l;
	struct lconn *lc = conn_of(x);
	struct kx_cursor t = *m;
	uint64_t reason;
	int w;

	if (lit(&t, "Unable to negotiate") || lit(&t, "no hostkey alg") ||
	    lit(&t, "no matching cipher found") ||
	    lit(&t, "no matching mac found") || lit(&t, "no matching comp found")) {
		/* packet.c sshpkt_vfatal / OpenSSH 5 kex.c: the writer gives up. */
		if (lc == NULL && (lc = conn_here(x)) == NULL)
			return false;
		lc->st.failed |= failure_cats(*m);
		/* Before closed(), which reports it: the categories and the
		 * peer's list, the one thing an INFO log gives of the
		 * proposals. */
		set_outcome(lc, &x->msg);
		lc->info.failed_cats = (uint8_t)lc->st.failed;
		offer_in_outcome(&lc->info);
		closed(l, lc, writer_of(l, lc), KX_CLOSE_FIN, &x->msg);
		return true;
	}
	if (lc == NULL)
		return false;
	w = writer_of(l, lc);
	if (lit(&t, "Accepted ") && find_lit(&t, " for ")) {
		/* auth.c: authenticated; the session follows, encrypted. */
		note_step(lc, KX_SERVER, KX_STEP_ENCRYPTED);
		lc->info.authenticated = true;   /* close.h: phase session */
		return true;
	}
	if (lit(&t, "Authenticated to ")) {
		/* sshconnect2.c, the client's word for the same. */
		lc->info.authenticated = true;
		return true;
	}
	if (lit(&t, "Connection established.")) {
		lc->c.half[KX_SERVER].pkts++;   /* its SYN-ACK */
		return true;
	}
	if (lit(&t, "Received disconnect from ")) {
		/* "Received disconnect from A port P:R: DESC" (7+),
		 * "Received disconnect from A: R: DESC" (older). A DISCONNECT
		 * before the sender's NEWKEYS was cleartext: the packet path
		 * would have decoded it too. */
		struct kx_ssh_side *s = &lc->hs.ssh[!w];
		const uint8_t *p;
		size_t n;
		uint64_t port;
		bool parsed;

		if (find_lit(&t, " port "))
			parsed = number(&t, 1, 5, 65535, &port) && lit(&t, ":");
		else
			parsed = until(&t, ':', &p, &n) && lit(&t, ": ");
		parsed = parsed && number(&t, 1, 10, UINT32_MAX, &reason) &&
		    lit(&t, ":");
		if (parsed && !s->newkeys && !s->have_disconnect) {
			(void)lit(&t, " ");
			s->have_disconnect = true;
			s->disc_reason = (uint32_t)reason;
			if (rest(&t, &p, &n)) {
				uint8_t *d = malloc(KX_DISC_DESC_KEEP);

				if (d != NULL) {
					s->disc_desc_len = (uint16_t)unvis(p, n, d,
					    KX_DISC_DESC_KEEP);
					s->disc_desc = d;
				}
			}
		}
		closed(l, lc, !w, KX_CLOSE_FIN, &x->msg);
		return true;
	}
	if (lit(&t, "Connection closed by ") ||
	    lit(&t, "kex_exchange_identification: Connection closed by remote host") ||
	    lit(&t, "Did not receive identification string") ||
	    lit(&t, "Disconnected from ")) {
		closed(l, lc, !w, KX_CLOSE_FIN, &x->msg);
		return true;
	}
	if (lit(&t, "Connection reset by ") || find_lit(&t, ": Connection reset by peer")) {
		closed(l, lc, !w, KX_CLOSE_RST, &x->msg);
		return true;
	}
	if (lit(&t, "Timeout before authentication") || lit(&t, "Disconnecting ") ||
	    lit(&t, "ssh_dispatch_run_fatal: ") || lit(&t, "banner exchange: ")) {
		closed(l, lc, w, KX_CLOSE_FIN, &x->msg);
		return true;
	}
	if (w == KX_CLIENT) {
		/* clientloop.c: the session is over and ssh hangs up. */
		if (lit(&t, "Transferred: sent ")) {
			closed(l, lc, KX_CLIENT, KX_CLOSE_FIN, &x->msg);
			return true;
		}
		/* sshconnect.c: "ssh: connect to host H port P: ERR". */
		(void)lit(&t, "ssh: ");
		if (lit(&t, "connect to host ")) {
			if (find_lit(&t, ": Connection refused"))
				closed(l, lc, KX_SERVER, KX_CLOSE_RST, &x->msg);
			else
				closed(l, lc, -1, KX_CLOSE_TIMEOUT, &x->msg);
			return true;
		}
	}
	return false;
}

/* A line without level that carries only name-list bytes, right after a
 * list line of the same connection: the list wrapped onto it. */
static bool
continuation(struct kx_sshlog *l, const struct lineinfo *li,
    struct kx_cursor m)
{
	struct kx_cursor t = m;
	struct lconn *lc;
	const uint8_t *p;
	size_t n;
	uint8_t b;

	if (li->leveled || kx_cur_left(&m) == 0)
		return false;
	lc = li->prefixed ? pid_conn(l, li->have_pid ? li->pid : 0) : l->prev_list;
	if (lc == NULL || !lc->last_was_list || !lc->blk.open)
		return false;
	while (kx_cur_u8(&t, &b) == KX_OK)
		if (!name_byte(b) && b != ',' && b != '@' && b != '+' && b != '=')
			return false;
	if (li->cut) {
		lc->blk.broken = true;
		kx_anom_set(&lc->c.anomalies, KX_ANOM_LOG_LINE_LIMIT);
		return true;
	}
	if (rest(&m, &p, &n))
		block_continue(l, lc, p, n);
	l->prev_list = lc;
	return true;
}

static void
process_line(struct kx_sshlog *l, const uint8_t *p, size_t n, bool cut,
    uint64_t line_no)
{
	static bool (*const handlers[])(struct ctx *, struct kx_cursor *) = {
		msg_lists, msg_kexinit, msg_kex_choice, msg_packets, msg_banners,
		msg_connection_from, msg_connecting, msg_maxstartups, msg_child,
		msg_server_hostkey, msg_outcome,
	};
	struct lineinfo li = { .cut = cut };
	struct kx_cursor c, t;
	struct ctx x = { .l = l, .li = &li, .line_no = line_no };
	struct lconn *lc, *before;

	kx_cur_init(&c, p, n);
	parse_prefix(l, &c, &li);
	while (lit(&c, " "))
		;
	li.leveled = strip_level(&c);
	strip_suffix(&c);
	if (continuation(l, &li, c)) {
		l->st.recognised++;
		return;
	}
	/* A line of an open connection's PID is part of it (even when it is
	 * nothing kexray reads). */
	before = pid_conn(l, li.have_pid ? li.pid : 0);
	if (before != NULL) {
		before->last_was_list = false;
		touch(l, before);
		before->info.last_line = line_no;
		if (li.have_ts) {
			if (!before->info.have_ts) {
				before->info.have_ts = true;
				before->c.ts_first = li.ts_us;
			}
			before->c.ts_last = li.ts_us;
		}
	}
	x.msg = c;
	for (size_t i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++) {
		t = c;
		if (handlers[i](&x, &t)) {
			l->st.recognised++;
			break;
		}
	}
	/* The connection the line went to, if it is still open. */
	lc = pid_conn(l, li.have_pid ? li.pid : 0);
	l->prev_list = lc != NULL && lc->last_was_list ? lc : NULL;
	/* The memory cap: report the least recently active connections
	 * early (never the one this line went to). */
	while (l->held > KX_SSHLOG_HELD_MAX && l->head != NULL && l->head != lc)
		evict(l, l->head);
}

/* -------------------------------------------------------------------- API */

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
			pid_unbind(l, lc->pids[--lc->npids], lc);
		open_unlink(l, lc);
		free(lc->blk.buf);
		for (int s = 0; s < 2; s++)
			kx_ssh_side_free(&lc->hs.ssh[s]);
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
	process_line(l, l->pend, l->pend_len, l->pend_cut, l->pend_no);
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
	parse_prefix(l, &c, &li);
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
			conn_finish(l, l->head, KX_CLOSE_CAPTURE_END);
		return;
	}
	for (struct lconn *lc = l->head; lc != NULL; lc = lc->next)
		all[n++] = lc;
	qsort(all, n, sizeof(*all), by_seq);
	for (uint32_t i = 0; i < n; i++)
		conn_finish(l, all[i], KX_CLOSE_CAPTURE_END);
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
