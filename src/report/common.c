#include <arpa/inet.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>

#include "kexray/analyze/community_id.h"
#include "kexray/report/report.h"

/* A byte in decimal; returns the digits written. */
static size_t
put_dec8(char *out, uint8_t v)
{
	size_t n = 0;

	if (v >= 100)
		out[n++] = (char)('0' + v / 100);
	if (v >= 10)
		out[n++] = (char)('0' + v / 10 % 10);
	out[n++] = (char)('0' + v % 10);
	return n;
}

size_t
kx_ip6_text(const uint8_t a[16], char out[KX_IP6_TEXT_MAX])
{
	static const char hex[] = "0123456789abcdef";
	uint16_t w[8];
	int best = -1, best_len = 0, run = -1;
	size_t n = 0;

	for (int i = 0; i < 8; i++)
		w[i] = (uint16_t)(a[2 * i] << 8 | a[2 * i + 1]);
	/* The longest run of zero groups, the first of equal ones, and only
	 * of two groups or more, becomes "::" (RFC 5952 4.2). */
	for (int i = 0; i <= 8; i++) {
		if (i < 8 && w[i] == 0) {
			if (run < 0)
				run = i;
		} else if (run >= 0) {
			if (i - run > best_len) {
				best = run;
				best_len = i - run;
			}
			run = -1;
		}
	}
	if (best_len < 2)
		best = -1;
	for (int i = 0; i < 8; i++) {
		if (best >= 0 && i >= best && i < best + best_len) {
			if (i == best)
				out[n++] = ':';
			continue;
		}
		if (i != 0)
			out[n++] = ':';
		/* An IPv4-compatible or IPv4-mapped address ends in dotted
		 * decimal, as inet_ntop writes it. */
		if (i == 6 && best == 0 && (best_len == 6 ||
		    (best_len == 5 && w[5] == 0xffff))) {
			for (int b = 12; b < 16; b++) {
				n += put_dec8(out + n, a[b]);
				if (b < 15)
					out[n++] = '.';
			}
			break;
		}
		/* Lower-case hex without leading zeros. */
		for (int sh = 12, any = 0; sh >= 0; sh -= 4) {
			unsigned d = (unsigned)(w[i] >> sh) & 15u;

			if (d != 0 || any || sh == 0) {
				out[n++] = hex[d];
				any = 1;
			}
		}
	}
	if (best >= 0 && best + best_len == 8)
		out[n++] = ':';
	out[n] = '\0';
	return n;
}

void
kx_addr_text(const struct kx_conn *c, int side, char *buf, size_t len)
{
	const uint8_t *a = c->ep[side].addr;

	/* IPv4, the common case, without inet_ntop's own formatting. */
	if (c->ip_version == 4 && len >= 16) {
		size_t n = 0;

		for (int i = 0; i < 4; i++) {
			if (i > 0)
				buf[n++] = '.';
			n += put_dec8(buf + n, a[i]);
		}
		buf[n] = '\0';
		return;
	}
	if (c->ip_version == 6 && len >= KX_IP6_TEXT_MAX) {
		(void)kx_ip6_text(a, buf);
		return;
	}
	if (inet_ntop(c->ip_version == 4 ? AF_INET : AF_INET6,
	    c->ep[side].addr, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
}

void
kx_conn_uid(const struct kx_conn *c, char out[19])
{
	static const char digits[] =
	    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	uint64_t h = 14695981039346656037ull;   /* FNV-1a 64 */
	uint8_t key[2 * 18 + 8 + 2];
	size_t n = 0;

	for (int s = 0; s < 2; s++) {
		for (int i = 0; i < 16; i++)
			key[n++] = c->ep[s].addr[i];
		key[n++] = (uint8_t)(c->ep[s].port >> 8);
		key[n++] = (uint8_t)c->ep[s].port;
	}
	for (int i = 0; i < 8; i++)
		key[n++] = (uint8_t)(c->ts_first >> (8 * i));
	key[n++] = (uint8_t)(c->vlan >> 8);
	key[n++] = (uint8_t)c->vlan;
	for (size_t i = 0; i < n; i++) {
		h ^= key[i];
		h *= 1099511628211ull;
	}
	out[0] = 'C';
	for (int i = 1; i < 18; i++) {
		out[i] = digits[h % 62];
		h = h / 62 ^ (h * 31 + (uint64_t)i);
	}
	out[18] = '\0';
}

void
kx_sb_init(struct kx_sb *s, FILE *out)
{
	s->out = out;
	s->n = 0;
}

void
kx_sb_flush(struct kx_sb *s)
{
	if (s->n > 0)
		fwrite_unlocked(s->b, 1, s->n, s->out);
	s->n = 0;
}

void
kx_sb_mem_slow(struct kx_sb *s, const void *p, size_t n)
{
	kx_sb_flush(s);
	if (n > sizeof(s->b)) {
		fwrite_unlocked(p, 1, n, s->out);
		return;
	}
	memcpy(s->b, p, n);
	s->n = n;
}

void
kx_sb_u(struct kx_sb *s, uint64_t v)
{
	char d[20];
	size_t n = 0;

	do {
		d[sizeof(d) - 1 - n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	kx_sb_mem(s, d + sizeof(d) - n, n);
}

void
kx_sb_us(struct kx_sb *s, uint64_t us)
{
	char f[7];
	uint64_t r = us % 1000000;

	kx_sb_u(s, us / 1000000);
	f[0] = '.';
	for (int i = 6; i >= 1; i--) {
		f[i] = (char)('0' + r % 10);
		r /= 10;
	}
	kx_sb_mem(s, f, sizeof(f));
}

void
kx_sb_json(struct kx_sb *s, const uint8_t *p, size_t len)
{
	/* Anything but printable ASCII takes kx_json_string's way, after
	 * what is buffered: every banner, reason and name passes here. */
	if (!kx_json_plain(p, len)) {
		kx_sb_flush(s);
		kx_json_string(s->out, p, len);
		return;
	}
	kx_sb_putc(s, '"');
	kx_sb_mem(s, p, len);
	kx_sb_putc(s, '"');
}

void
kx_sb_printf(struct kx_sb *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(s->b + s->n, sizeof(s->b) - s->n, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof(s->b) - s->n) {
		s->n += (size_t)n;
		return;
	}
	/* Did not fit: flush and write it directly. */
	kx_sb_flush(s);
	va_start(ap, fmt);
	vfprintf(s->out, fmt, ap);
	va_end(ap);
}

void
kx_sb_name(struct kx_sb *s, const char *name)
{
	if (name == NULL) {
		KX_SB_PUTS(s, "null");
		return;
	}
	kx_sb_putc(s, '"');
	kx_sb_put(s, name);
	kx_sb_putc(s, '"');
}

/* A JSON member as a string, or (nulls) null when empty. */
static void
log_text(struct kx_sb *out, const char *k, const char *p, size_t n, bool nulls)
{
	if (n == 0 && !nulls)
		return;
	kx_sb_printf(out, ",\"%s\":", k);
	if (n > 0)
		kx_sb_json(out, (const uint8_t *)p, n);
	else
		KX_SB_PUTS(out, "null");
}

void
kx_sb_log(struct kx_sb *out, const struct kx_logconn *lg, bool nulls)
{
	if (lg == NULL)
		return;
	kx_sb_printf(out, ",\"log\":{\"writer\":\"%s\"",
	    lg->writer == KX_CLIENT ? "client" : "server");
	if (lg->pid != 0)
		kx_sb_printf(out, ",\"pid\":%u", lg->pid);
	else if (nulls)
		KX_SB_PUTS(out, ",\"pid\":null");
	kx_sb_printf(out, ",\"first_line\":%llu,\"last_line\":%llu",
	    (unsigned long long)lg->first_line, (unsigned long long)lg->last_line);
	log_text(out, "outcome", lg->outcome, lg->outcome_len, nulls);
	log_text(out, "disagreement", lg->disagree, lg->disagree_len, nulls);
	kx_sb_printf(out, ",\"not_in_log\":[\"tcp\",\"reset_forensics\","
	    "\"message_sizes\",\"packet_timing\"%s]}", lg->have_ts ? "" : ",\"ts\"");
}

void
kx_sb_endpoints(struct kx_sb *out, const struct kx_conn *c, bool nulls)
{
	static const char *const who[2] = { "orig", "resp" };
	char addr[64];

	for (int s = 0; s < 2; s++) {
		if (kx_conn_log(c) != NULL && !kx_conn_log(c)->have_ep[s]) {
			if (nulls)
				kx_sb_printf(out, ",\"id.%s_h\":null,\"id.%s_p\":null",
				    who[s], who[s]);
			continue;
		}
		kx_addr_text(c, s, addr, sizeof(addr));
		KX_SB_PUTS(out, ",\"id.");
		kx_sb_put(out, who[s]);
		KX_SB_PUTS(out, "_h\":\"");
		kx_sb_put(out, addr);
		KX_SB_PUTS(out, "\",\"id.");
		kx_sb_put(out, who[s]);
		KX_SB_PUTS(out, "_p\":");
		kx_sb_u(out, c->ep[s].port);
	}
}

void
kx_sb_record_head(struct kx_sb *s, const char *type, const struct kx_conn *c,
    bool nulls)
{
	char uid[19];

	kx_conn_uid(c, uid);
	KX_SB_PUTS(s, "{\"type\":\"");
	kx_sb_put(s, type);
	KX_SB_PUTS(s, "\",\"schema_version\":");
	kx_sb_u(s, KX_JSON_SCHEMA_VERSION);
	KX_SB_PUTS(s, ",\"ts\":");
	kx_sb_us(s, c->ts_first);
	KX_SB_PUTS(s, ",\"uid\":\"");
	kx_sb_put(s, uid);
	kx_sb_putc(s, '"');
	kx_sb_community_id(s, c, nulls);
}

void
kx_sb_tail_times(struct kx_sb *s, const struct kx_conn *c)
{
	kx_sb_put(s, c->midstream ? ",\"midstream\":true" : ",\"midstream\":false");
	kx_sb_put(s, c->evicted ? ",\"evicted\":true,\"duration\":" :
	    ",\"evicted\":false,\"duration\":");
	/* Whole microseconds: the same digits as %.6f, without printf
	 * (which the odd case, time running backwards, still takes). */
	if (c->ts_last >= c->ts_first && c->ts_last - c->ts_first < 1000000000000000ull)
		kx_sb_us(s, c->ts_last - c->ts_first);
	else
		kx_sb_printf(s, "%.6f", (double)(c->ts_last - c->ts_first) / 1e6);
}

void
kx_text_software(FILE *out, const struct kx_ssh_side *s)
{
	if (!s->have_banner)
		fputc('?', out);
	else if (s->soft_len > 0)
		kx_text_escaped(out, s->banner + s->soft_off, s->soft_len);
	else
		kx_text_escaped(out, s->banner, s->banner_len);
}

void
kx_iso_seconds(uint64_t ts_us, char buf[32])
{
	time_t secs = (time_t)(ts_us / 1000000);
	struct tm tm;

	gmtime_r(&secs, &tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%S", &tm);
}

void
kx_sb_close_how(struct kx_sb *s, const struct kx_conn *c)
{
	char step[64];

	kx_sb_name(s, c->close != KX_CLOSE_NONE ? kx_close_names[c->close] : NULL);
	KX_SB_PUTS(s, ",\"close_after\":");
	if (c->close == KX_CLOSE_FIN || c->close == KX_CLOSE_RST) {
		const char *t = step;

		kx_step_text(&c->close_after, step, sizeof(step));
		if (step[0] == '\0')
			t = "nothing";
		kx_sb_json(s, (const uint8_t *)t, strlen(t));
	} else {
		KX_SB_PUTS(s, "null");
	}
}

void
kx_sb_community_id(struct kx_sb *s, const struct kx_conn *c, bool keep_null)
{
	char cid[KX_COMMUNITY_ID_SIZE];

	if (kx_conn_community_id(c, cid)) {
		KX_SB_PUTS(s, ",\"community_id\":\"");
		kx_sb_put(s, cid);
		kx_sb_putc(s, '"');
	} else if (keep_null) {
		KX_SB_PUTS(s, ",\"community_id\":null");
	}
}
