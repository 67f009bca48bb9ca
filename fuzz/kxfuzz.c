/* Checks shared by the fuzz targets (kxfuzz.h). They read kexray's own
 * results and output, never the fuzzer's input. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kexray/analyze/analyze.h"
#include "kexray/core/cursor.h"
#include "kexray/report/report.h"
#include "kxfuzz.h"

/* Nesting the JSON checker follows; kexray's records are 3 levels deep. */
#define KXF_JSON_DEPTH_MAX 32

_Noreturn void
kxf_fail(const char *what, const char *file, int line)
{
	fprintf(stderr, "kexray fuzz: check failed: %s (%s:%d)\n", what, file,
	    line);
	abort();
}

void
kxf_check_feed(struct kx_ssh_side *s, enum kx_status st, const uint8_t *data,
    size_t len, size_t used)
{
	enum kx_status again;
	size_t used2 = 1;

	KXF_CHECK(used <= len);
	switch (st) {
	case KX_NEED_MORE:
		KXF_CHECK(s->state == KX_SSH_BANNER || s->state == KX_SSH_PACKETS);
		break;
	case KX_OK:
		KXF_CHECK(s->state == KX_SSH_ENCRYPTED);
		break;
	case KX_MALFORMED:
	case KX_LIMIT:
	case KX_UNSUPPORTED:
		KXF_CHECK(s->state == KX_SSH_STOPPED);
		break;
	case KX_NOMEM:
		return;
	default:
		kxf_fail("kx_ssh_feed returned a status it does not document",
		    __FILE__, __LINE__);
	}
	/* NEED_MORE: what is left is one incomplete item, so offering it
	 * again consumes nothing. ENCRYPTED/STOPPED: nothing more is taken
	 * and the answer does not change. */
	KXF_CHECK(data != NULL);
	again = kx_ssh_feed(s, data + used, len - used, &used2);
	KXF_CHECK(used2 == 0);
	KXF_CHECK(again == st);
}

void
kxf_check_kexinit(const struct kx_kexinit *k)
{
	KXF_CHECK(k->raw != NULL);
	KXF_CHECK(k->raw_len >= 1 && k->raw[0] == KX_MSG_KEXINIT);
	for (int i = 0; i < KX_PROP_MAX; i++) {
		const struct kx_namelist *nl = &k->list[i];
		const uint8_t *name;
		uint32_t off = 0, name_len, n = 0;
		uint64_t bytes = 0;

		if (nl->len == 0) {
			KXF_CHECK(nl->count == 0);
			continue;
		}
		KXF_CHECK(nl->p >= k->raw);
		KXF_CHECK((size_t)(nl->p - k->raw) + nl->len <= k->raw_len);
		while (kx_namelist_next(nl, &off, &name, &name_len)) {
			KXF_CHECK(name >= nl->p);
			KXF_CHECK((size_t)(name - nl->p) + name_len <= nl->len);
			KXF_CHECK(n < UINT32_MAX);
			n++;
			bytes += name_len;
		}
		KXF_CHECK(n == nl->count);
		/* The names and the commas between them make the whole list. */
		KXF_CHECK(bytes + n - 1 == nl->len);
	}
}

void
kxf_check_side(const struct kx_ssh_side *s)
{
	uint32_t logged, kexinits = 0;

	KXF_CHECK(s->state == KX_SSH_BANNER || s->state == KX_SSH_PACKETS ||
	    s->state == KX_SSH_ENCRYPTED || s->state == KX_SSH_STOPPED);
	KXF_CHECK(s->prebanner_first_len <= KX_PREBANNER_KEEP);
	KXF_CHECK(s->prebanner_first[s->prebanner_first_len] == '\0');
	if (s->have_banner) {
		KXF_CHECK(s->banner_len <= KX_BANNER_KEEP);
		KXF_CHECK(s->banner != NULL || s->banner_len == 0);
		KXF_CHECK(s->proto_off + s->proto_len <= s->banner_len);
		KXF_CHECK(s->soft_off + s->soft_len <= s->banner_len);
		KXF_CHECK(s->comments_off + s->comments_len <= s->banner_len);
	} else {
		KXF_CHECK(s->state == KX_SSH_BANNER || s->state == KX_SSH_STOPPED);
		KXF_CHECK(s->msg_count == 0);
	}
	KXF_CHECK(s->newkeys == (s->state == KX_SSH_ENCRYPTED));
	KXF_CHECK(s->disc_desc_len <= KX_DISC_DESC_KEEP);
	/* K_S comes from a server's KEX reply (30, 31 or 33), kept whole. */
	if (s->hostkey != NULL) {
		KXF_CHECK(s->is_server);
		KXF_CHECK(s->hostkey_len <= KX_HOSTKEY_MAX);
		KXF_CHECK(s->hostkey_msg == 30 || s->hostkey_msg == 31 ||
		    s->hostkey_msg == 33);
	} else {
		KXF_CHECK(s->hostkey_len == 0);
	}
	if (s->kexinit != NULL) {
		KXF_CHECK(s->kexinit_count >= 1);
		kxf_check_kexinit(s->kexinit);
	}

	logged = s->msg_count < KX_MSGLOG_MAX ? s->msg_count : KX_MSGLOG_MAX;
	for (uint32_t i = 0; i < logged; i++)
		if (s->msglog[i].code == KX_MSG_KEXINIT)
			kexinits++;
	if (s->msg_count <= KX_MSGLOG_MAX)
		KXF_CHECK(kexinits == s->kexinit_count);
	if (s->msg_count == 0)
		KXF_CHECK(s->last_msg == 0 && s->kexinit_count == 0);
	else if (s->msg_count <= KX_MSGLOG_MAX)
		KXF_CHECK(s->last_msg == s->msglog[s->msg_count - 1].code);
	/* Nothing is parsed after NEWKEYS: it is the last message. */
	if (s->newkeys)
		KXF_CHECK(s->last_msg == KX_MSG_NEWKEYS);
}

/* Whether name is one of the names of nl, byte for byte. */
static bool
list_has(const struct kx_namelist *nl, const uint8_t *name, uint32_t len)
{
	const uint8_t *n;
	uint32_t off = 0, nlen;

	while (kx_namelist_next(nl, &off, &n, &nlen))
		if (nlen == len && memcmp(n, name, len) == 0)
			return true;
	return false;
}

void
kxf_check_nego(const struct kx_kexinit *ck, const struct kx_kexinit *sk,
    const struct kx_nego *ng)
{
	KXF_CHECK(ng->first_failure >= -1 && ng->first_failure < KX_CAT_MAX);
	KXF_CHECK((ng->mismatch_mask >> KX_CAT_MAX) == 0);
	KXF_CHECK((ng->mismatch_mask != 0) == (ng->first_failure >= 0));
	if (ng->first_failure >= 0)
		KXF_CHECK(ng->mismatch_mask & (1u << ng->first_failure));
	for (int cat = 0; cat < KX_CAT_MAX; cat++) {
		enum kx_proposal prop = kx_cat_proposal[cat];
		const struct kx_alg *a = &ng->alg[cat];

		if (ck == NULL || sk == NULL) {
			KXF_CHECK(ng->res[cat] == KX_NEGO_UNKNOWN);
			continue;
		}
		KXF_CHECK(((ng->mismatch_mask >> cat) & 1) ==
		    (ng->res[cat] == KX_NEGO_MISMATCH));
		if (ng->res[cat] != KX_NEGO_AGREED)
			continue;
		KXF_CHECK(a->p >= ck->raw);
		KXF_CHECK((size_t)(a->p - ck->raw) + a->len <= ck->raw_len);
		KXF_CHECK(list_has(&ck->list[prop], a->p, a->len));
		KXF_CHECK(list_has(&sk->list[prop], a->p, a->len));
	}
}

/* Formats through fn into memory and hands the bytes to check. */
static void
format_and_check(void (*fn)(FILE *, const struct kx_conn *,
    const struct kx_verdict *), const struct kx_conn *c,
    const struct kx_verdict *v, void (*check)(const char *, size_t))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		return;
	fn(f, c, v);
	if (fclose(f) != 0) {
		free(buf);
		return;
	}
	check(buf, len);
	free(buf);
}

static void
report_brief_plain(FILE *f, const struct kx_conn *c, const struct kx_verdict *v)
{
	kx_report_brief(f, c, v, NULL);
}

/* A Zeek log row: printable ASCII and the tab separator only (every other
 * byte escaped as \xHH), one line. */
static void
check_zeek_line(const char *buf, size_t len)
{
	struct kx_cursor c;
	uint8_t b = 0;
	size_t tabs = 0;

	kx_cur_init(&c, buf, len);
	while (kx_cur_u8(&c, &b) == KX_OK && b != '\n') {
		KXF_CHECK(b == '\t' || (b >= 0x20 && b < 0x7f));
		tabs += b == '\t';
	}
	KXF_CHECK(b == '\n' && kx_cur_left(&c) == 0 && tabs > 20);
}

bool
kxf_report(const struct kx_conn *c)
{
	struct kx_verdict v;

	/* A connection rebuilt from a log (sshlog.h) has no packet parser
	 * behind its sides; only the packet path owes these. */
	if (c->source == KX_SOURCE_PCAP)
		for (int s = 0; s < 2; s++)
			kxf_check_side(kx_conn_ssh(c, s));
	kx_analyze(c, &v);
	KXF_CHECK(v.kind < KX_V_MAX);
	KXF_CHECK(memchr(v.reason, '\0', sizeof(v.reason)) != NULL);
	kxf_check_nego(kx_conn_ssh(c, KX_CLIENT)->kexinit,
	    kx_conn_ssh(c, KX_SERVER)->kexinit, &v.nego);
	format_and_check(kx_report_json, c, &v, kxf_check_json_line);
	format_and_check(kx_report_text, c, &v, kxf_check_text);
	format_and_check(report_brief_plain, c, &v, kxf_check_text);
	format_and_check(kx_report_eve, c, &v, kxf_check_json_line);
	format_and_check(kx_report_zeek, c, &v, check_zeek_line);
	return v.problem;
}

/* Shows the output around offset at, escaped, before a check fails on it. */
static void
show_output(const char *what, const char *buf, size_t len, size_t at)
{
	size_t from = at > 160 ? at - 160 : 0;
	size_t to = len - at > 80 ? at + 80 : len;

	fprintf(stderr, "kexray fuzz: %s output, bytes %zu-%zu of %zu (the "
	    "failing one at %zu):\n", what, from, to, len, at);
	for (size_t i = from; i < to; i++) {
		unsigned char b = (unsigned char)buf[i];

		if (b == '\n' || (b >= 0x20 && b < 0x7f && b != '\\'))
			fputc(b, stderr);
		else
			fprintf(stderr, "\\x%02x", b);
	}
	fputc('\n', stderr);
}

void
kxf_check_text(const char *buf, size_t len)
{
	struct kx_cursor c;
	uint8_t b = '\n';

	kx_cur_init(&c, buf, len);
	while (kx_cur_u8(&c, &b) == KX_OK) {
		if (b == '\n' || (b >= 0x20 && b < 0x7f))
			continue;
		show_output("text", buf, len, kx_cur_used(&c) - 1);
		kxf_fail("text output is printable ASCII lines", __FILE__,
		    __LINE__);
	}
	KXF_CHECK(b == '\n');
}

/* A strict RFC 8259 checker over a cursor; every function consumes what
 * it accepts and returns false at the first byte that breaks the grammar. */

static bool json_value(struct kx_cursor *c, int depth);

static int
peek(const struct kx_cursor *c)
{
	uint8_t b;

	return kx_cur_peek_u8(c, 0, &b) == KX_OK ? b : -1;
}

/* Moves past one byte that peek has shown is there. */
static void
advance(struct kx_cursor *c)
{
	if (kx_cur_skip(c, 1) != KX_OK)
		kxf_fail("advance past the end", __FILE__, __LINE__);
}

static bool
eat(struct kx_cursor *c, uint8_t want)
{
	if (peek(c) != want)
		return false;
	return kx_cur_skip(c, 1) == KX_OK;
}

static void
json_ws(struct kx_cursor *c)
{
	int b;

	while ((b = peek(c)) == ' ' || b == '\t' || b == '\r' || b == '\n')
		advance(c);
}

static bool
json_digits(struct kx_cursor *c)
{
	bool any = false;
	int b;

	while ((b = peek(c)) >= '0' && b <= '9') {
		advance(c);
		any = true;
	}
	return any;
}

static bool
json_number(struct kx_cursor *c)
{
	(void)eat(c, '-');
	if (!eat(c, '0') && !json_digits(c))
		return false;
	if (eat(c, '.') && !json_digits(c))
		return false;
	if (eat(c, 'e') || eat(c, 'E')) {
		if (!eat(c, '+'))
			(void)eat(c, '-');
		if (!json_digits(c))
			return false;
	}
	return true;
}

/* One UTF-8 sequence after its lead byte b (RFC 3629 4: the ranges that
 * exclude overlongs, surrogates and code points past U+10FFFF). */
static bool
json_utf8(struct kx_cursor *c, uint8_t b)
{
	uint8_t lo = 0x80, hi = 0xbf, v;
	int more;

	if (b >= 0xc2 && b <= 0xdf)
		more = 1;
	else if (b >= 0xe0 && b <= 0xef)
		more = 2;
	else if (b >= 0xf0 && b <= 0xf4)
		more = 3;
	else
		return false;
	if (b == 0xe0)
		lo = 0xa0;
	else if (b == 0xed)
		hi = 0x9f;
	else if (b == 0xf0)
		lo = 0x90;
	else if (b == 0xf4)
		hi = 0x8f;
	for (int i = 0; i < more; i++) {
		if (kx_cur_u8(c, &v) != KX_OK || v < lo || v > hi)
			return false;
		lo = 0x80;
		hi = 0xbf;
	}
	return true;
}

static bool
json_string(struct kx_cursor *c)
{
	uint8_t b;

	if (!eat(c, '"'))
		return false;
	for (;;) {
		if (kx_cur_u8(c, &b) != KX_OK)
			return false;
		if (b == '"')
			return true;
		if (b < 0x20)
			return false;
		if (b == '\\') {
			if (kx_cur_u8(c, &b) != KX_OK)
				return false;
			if (b == 'u') {
				for (int i = 0; i < 4; i++) {
					if (kx_cur_u8(c, &b) != KX_OK ||
					    !((b >= '0' && b <= '9') ||
					    (b >= 'a' && b <= 'f') ||
					    (b >= 'A' && b <= 'F')))
						return false;
				}
			} else if (strchr("\"\\/bfnrt", b) == NULL || b == '\0') {
				return false;
			}
		} else if (b >= 0x80 && !json_utf8(c, b)) {
			return false;
		}
	}
}

static bool
json_word(struct kx_cursor *c, const char *w)
{
	for (; *w != '\0'; w++)
		if (!eat(c, (uint8_t)*w))
			return false;
	return true;
}

static bool
json_members(struct kx_cursor *c, int depth, bool object)
{
	uint8_t close = object ? '}' : ']';

	json_ws(c);
	if (eat(c, close))
		return true;
	for (;;) {
		json_ws(c);
		if (object) {
			if (!json_string(c))
				return false;
			json_ws(c);
			if (!eat(c, ':'))
				return false;
		}
		if (!json_value(c, depth + 1))
			return false;
		json_ws(c);
		if (eat(c, close))
			return true;
		if (!eat(c, ','))
			return false;
	}
}

static bool
json_value(struct kx_cursor *c, int depth)
{
	int b;

	if (depth > KXF_JSON_DEPTH_MAX)
		return false;
	json_ws(c);
	b = peek(c);
	switch (b) {
	case '{':
	case '[':
		advance(c);
		return json_members(c, depth, b == '{');
	case '"':
		return json_string(c);
	case 't':
		return json_word(c, "true");
	case 'f':
		return json_word(c, "false");
	case 'n':
		return json_word(c, "null");
	default:
		return b == '-' || (b >= '0' && b <= '9') ? json_number(c) : false;
	}
}

void
kxf_check_json_line(const char *buf, size_t len)
{
	struct kx_cursor c;

	/* JSON Lines: one object, then the newline, and no newline inside. */
	KXF_CHECK(len >= 1 && buf[len - 1] == '\n');
	KXF_CHECK(memchr(buf, '\n', len - 1) == NULL);
	kx_cur_init(&c, buf, len - 1);
	if (peek(&c) != '{' || !json_value(&c, 0) || kx_cur_left(&c) != 0) {
		show_output("JSON", buf, len, kx_cur_used(&c));
		kxf_fail("the JSON record is one valid JSON object", __FILE__,
		    __LINE__);
	}
}
