/* sshlog: a line's prefix (DESIGN "capture" of a log): RFC 5424 and BSD
 * syslog headers, journald's short formats, "prog[PID]:", the level
 * ("debug1: ") and the tag sshd's monitor appends (" [preauth]"). What
 * comes out is the line's timestamp and PID, and the message alone. */
#include <stdint.h>

#include "internal.h"
#include "words.h"

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

bool
kx_sshlog_name_byte(uint8_t b)
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

	while (n < 64 && kx_cur_peek_u8(c, n, &b) == KX_OK && kx_sshlog_name_byte(b))
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

void
kx_sshlog_parse_prefix(struct kx_sshlog *l, struct kx_cursor *c,
    struct lineinfo *li)
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
bool
kx_sshlog_strip_level(struct kx_cursor *c)
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
void
kx_sshlog_strip_suffix(struct kx_cursor *c)
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
