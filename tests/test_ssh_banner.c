/* Tests for the banner state of the ssh stage: pre-banner lines and the
 * identification string (RFC 4253 4.2). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "kexray/ssh/ssh.h"
#include "ssh_test_util.h"

/* Acts as the caller: hands the parser the unconsumed bytes plus the next
 * chunk, chunk sizes 1 (step 1) or all at once (step 0). */
static enum kx_status
feed_chunked(struct kx_ssh_side *s, const void *data, size_t len, size_t step,
    size_t *consumed)
{
	const uint8_t *d = data;
	size_t start = 0, end = 0, used;
	enum kx_status st;

	do {
		end = step == 0 || len - end < step ? len : end + step;
		st = feed_exact(s, d + start, end - start, &used);
		start += used;
	} while (st == KX_NEED_MORE && end < len);
	*consumed = start;
	return st;
}

static void
assert_part(const struct kx_ssh_side *s, uint16_t off, uint16_t len,
    const char *want)
{
	assert_int_equal(len, strlen(want));
	assert_true((size_t)off + len <= s->banner_len);
	assert_memory_equal(s->banner + off, want, len);
}

/* Feeds a NUL-free line set in one piece and then byte by byte, checks
 * both give the same result, and leaves the one-piece side in *s. */
static enum kx_status
feed_both(struct kx_ssh_side *s, bool is_server, const char *text,
    size_t *used)
{
	struct kx_ssh_side b;
	size_t used_b;
	enum kx_status st, st_b;

	kx_ssh_side_init(s, is_server);
	kx_ssh_side_init(&b, is_server);
	st = feed_chunked(s, text, strlen(text), 0, used);
	st_b = feed_chunked(&b, text, strlen(text), 1, &used_b);
	assert_int_equal(st, st_b);
	assert_int_equal(*used, used_b);
	assert_int_equal(s->state, b.state);
	assert_true(s->anomalies == b.anomalies);
	assert_int_equal(s->have_banner, b.have_banner);
	assert_int_equal(s->banner_len, b.banner_len);
	assert_memory_equal(s->banner, b.banner, s->banner_len);
	assert_int_equal(s->prebanner_lines, b.prebanner_lines);
	assert_int_equal(s->proto_major, b.proto_major);
	assert_int_equal(s->proto_minor, b.proto_minor);
	assert_int_equal(s->bytes_parsed, b.bytes_parsed);
	kx_ssh_side_free(&b);
	return st;
}

static void
test_client_banner(void **state)
{
	static const char text[] = "SSH-2.0-OpenSSH_9.6\r\n";
	struct kx_ssh_side s;
	size_t used;

	assert_int_equal(feed_both(&s, false, text, &used), KX_NEED_MORE);
	assert_int_equal(used, strlen(text));
	assert_int_equal(s.bytes_parsed, strlen(text));
	assert_int_equal(s.state, KX_SSH_PACKETS);
	assert_true(s.have_banner);
	assert_false(s.banner_truncated);
	assert_int_equal(s.banner_len, strlen(text) - 2);
	assert_memory_equal(s.banner, "SSH-2.0-OpenSSH_9.6", s.banner_len);
	assert_part(&s, s.proto_off, s.proto_len, "2.0");
	assert_part(&s, s.soft_off, s.soft_len, "OpenSSH_9.6");
	assert_int_equal(s.comments_len, 0);
	assert_int_equal(s.proto_major, 2);
	assert_int_equal(s.proto_minor, 0);
	assert_int_equal(s.prebanner_lines, 0);
	assert_true(s.anomalies == 0);
	kx_ssh_side_free(&s);
}

static void
test_server_banner_comments(void **state)
{
	static const char text[] =
	    "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.6\r\n";
	struct kx_ssh_side s;
	size_t used;

	assert_int_equal(feed_both(&s, true, text, &used), KX_NEED_MORE);
	assert_int_equal(used, strlen(text));
	assert_part(&s, s.proto_off, s.proto_len, "2.0");
	assert_part(&s, s.soft_off, s.soft_len, "OpenSSH_8.9p1");
	assert_part(&s, s.comments_off, s.comments_len, "Ubuntu-3ubuntu0.6");
	assert_true(s.anomalies == 0);
	kx_ssh_side_free(&s);
}

static void
test_incomplete_line_consumes_nothing(void **state)
{
	static const char text[] = "SSH-2.0-OpenSSH_9.6\r";
	struct kx_ssh_side s;
	size_t used;

	kx_ssh_side_init(&s, false);
	assert_int_equal(feed_exact(&s, text, strlen(text), &used),
	    KX_NEED_MORE);
	assert_int_equal(used, 0);
	assert_false(s.have_banner);
	assert_int_equal(s.state, KX_SSH_BANNER);
	assert_int_equal(feed_exact(&s, NULL, 0, &used), KX_NEED_MORE);
	assert_int_equal(used, 0);
	kx_ssh_side_free(&s);
}

static void
test_server_prebanner(void **state)
{
	static const char text[] =
	    "Welcome to host\r\nSecond line\nSSH-2.0-dropbear_2022.83\r\n";
	struct kx_ssh_side s;
	size_t used;

	assert_int_equal(feed_both(&s, true, text, &used), KX_NEED_MORE);
	assert_int_equal(used, strlen(text));
	assert_int_equal(s.prebanner_lines, 2);
	assert_int_equal(s.prebanner_first_len, strlen("Welcome to host"));
	assert_string_equal(s.prebanner_first, "Welcome to host");
	assert_part(&s, s.soft_off, s.soft_len, "dropbear_2022.83");
	assert_int_equal(s.state, KX_SSH_PACKETS);
	/* Pre-banner lines are a server's right; no_cr is about the
	 * identification line only. */
	assert_true(s.anomalies == 0);
	kx_ssh_side_free(&s);
}

static void
test_prebanner_long_first_line_kept_capped(void **state)
{
	char text[600];
	struct kx_ssh_side s;
	size_t used;

	memset(text, 'x', 400);
	strcpy(text + 400, "\r\nSSH-2.0-x\r\n");
	assert_int_equal(feed_both(&s, true, text, &used), KX_NEED_MORE);
	assert_int_equal(s.prebanner_lines, 1);
	assert_int_equal(s.prebanner_first_len, KX_PREBANNER_KEEP);
	assert_int_equal(strlen(s.prebanner_first), KX_PREBANNER_KEEP);
	assert_int_equal(s.state, KX_SSH_PACKETS);
	kx_ssh_side_free(&s);
}

static void
test_client_prebanner_flagged(void **state)
{
	static const char text[] = "hello\r\nSSH-2.0-PuTTY_Release_0.80\r\n";
	struct kx_ssh_side s;
	size_t used;

	assert_int_equal(feed_both(&s, false, text, &used), KX_NEED_MORE);
	assert_true(s.anomalies == ANOM(SSH_BANNER_CLIENT_PREBANNER));
	assert_int_equal(s.prebanner_lines, 1);
	assert_string_equal(s.prebanner_first, "hello");
	assert_int_equal(s.state, KX_SSH_PACKETS);
	kx_ssh_side_free(&s);
}

/* Builds n pre-banner lines followed by a banner. */
static char *
many_lines(unsigned n, size_t *len)
{
	static const char line[] = "line\r\n", ident[] = "SSH-2.0-x\r\n";
	char *text = malloc(n * (sizeof(line) - 1) + sizeof(ident));
	size_t off = 0;
	unsigned i;

	assert_non_null(text);
	for (i = 0; i < n; i++) {
		memcpy(text + off, line, sizeof(line) - 1);
		off += sizeof(line) - 1;
	}
	memcpy(text + off, ident, sizeof(ident));
	*len = off + sizeof(ident) - 1;
	return text;
}

static void
test_prebanner_at_limit(void **state)
{
	struct kx_ssh_side s;
	size_t len, used;
	char *text = many_lines(KX_PREBANNER_LINES_MAX, &len);

	kx_ssh_side_init(&s, true);
	assert_int_equal(feed_exact(&s, text, len, &used), KX_NEED_MORE);
	assert_int_equal(used, len);
	assert_int_equal(s.prebanner_lines, KX_PREBANNER_LINES_MAX);
	assert_int_equal(s.state, KX_SSH_PACKETS);
	assert_true(s.anomalies == 0);
	kx_ssh_side_free(&s);
	free(text);
}

static void
test_prebanner_over_limit(void **state)
{
	struct kx_ssh_side s;
	size_t len, used;
	char *text = many_lines(KX_PREBANNER_LINES_MAX + 1, &len);

	kx_ssh_side_init(&s, true);
	assert_int_equal(feed_chunked(&s, text, len, 7, &used), KX_LIMIT);
	assert_int_equal(s.state, KX_SSH_STOPPED);
	assert_true(s.anomalies == ANOM(SSH_BANNER_PREBANNER_LIMIT));
	assert_int_equal(s.prebanner_lines, KX_PREBANNER_LINES_MAX);
	/* The line over the cap was not parsed, so not consumed. */
	assert_int_equal(used, KX_PREBANNER_LINES_MAX * 6);
	assert_false(s.have_banner);
	/* A stopped side answers the same, and takes nothing. */
	assert_int_equal(feed_exact(&s, text + used, len - used, &used),
	    KX_LIMIT);
	assert_int_equal(used, 0);
	kx_ssh_side_free(&s);
	free(text);
}

static void
test_banner_no_cr(void **state)
{
	static const char text[] = "SSH-2.0-OpenSSH_7.4\n";
	struct kx_ssh_side s;
	size_t used;

	assert_int_equal(feed_both(&s, true, text, &used), KX_NEED_MORE);
	assert_int_equal(used, strlen(text));
	assert_true(s.anomalies == ANOM(SSH_BANNER_NO_CR));
	assert_int_equal(s.banner_len, strlen(text) - 1);
	assert_part(&s, s.soft_off, s.soft_len, "OpenSSH_7.4");
	assert_int_equal(s.state, KX_SSH_PACKETS);
	kx_ssh_side_free(&s);
}

/* A banner line of total bytes (CR LF included). */
static char *
banner_of(size_t total)
{
	char *text = malloc(total + 1);

	assert_non_null(text);
	memcpy(text, "SSH-2.0-", 8);
	memset(text + 8, 'v', total - 10);
	memcpy(text + total - 2, "\r\n", 3);
	return text;
}

static void
test_banner_255_fits(void **state)
{
	struct kx_ssh_side s;
	size_t used;
	char *text = banner_of(255);

	assert_int_equal(feed_both(&s, false, text, &used), KX_NEED_MORE);
	assert_true(s.anomalies == 0);
	assert_int_equal(s.banner_len, 253);
	assert_false(s.banner_truncated);
	kx_ssh_side_free(&s);
	free(text);
}

static void
test_banner_256_too_long(void **state)
{
	struct kx_ssh_side s;
	size_t used;
	char *text = banner_of(256);

	assert_int_equal(feed_both(&s, false, text, &used), KX_NEED_MORE);
	assert_true(s.anomalies == ANOM(SSH_BANNER_TOO_LONG));
	/* 254 bytes without CR LF still fit: nothing was lost. */
	assert_int_equal(s.banner_len, 254);
	assert_false(s.banner_truncated);
	kx_ssh_side_free(&s);
	free(text);
}

static void
test_banner_300_kept_whole(void **state)
{
	struct kx_ssh_side s;
	size_t used;
	char *text = banner_of(300);

	assert_int_equal(feed_both(&s, false, text, &used), KX_NEED_MORE);
	assert_int_equal(used, 300);
	/* Over the RFC's 255 and flagged, but reported whole (tshark shows
	 * it whole too). */
	assert_true(s.anomalies == ANOM(SSH_BANNER_TOO_LONG));
	assert_int_equal(s.banner_len, 298);
	assert_false(s.banner_truncated);
	assert_memory_equal(s.banner, text, 298);
	assert_int_equal(s.soft_len, 298 - 8);
	assert_int_equal(s.state, KX_SSH_PACKETS);
	kx_ssh_side_free(&s);
	free(text);
}

static void
test_banner_past_keep_truncated(void **state)
{
	struct kx_ssh_side s;
	size_t used;
	char *text = banner_of(KX_BANNER_KEEP + 500);

	assert_int_equal(feed_both(&s, false, text, &used), KX_NEED_MORE);
	assert_int_equal(used, KX_BANNER_KEEP + 500);
	assert_true(s.anomalies == ANOM(SSH_BANNER_TOO_LONG));
	assert_int_equal(s.banner_len, KX_BANNER_KEEP);
	assert_true(s.banner_truncated);
	assert_memory_equal(s.banner, text, KX_BANNER_KEEP);
	kx_ssh_side_free(&s);
	free(text);
}

static void
test_banner_nul_and_esc(void **state)
{
	static const uint8_t text[] = "SSH-2.0-Evil\0\x1b[31m\r\n";
	size_t len = sizeof(text) - 1, used;
	struct kx_ssh_side s;

	kx_ssh_side_init(&s, true);
	assert_int_equal(feed_exact(&s, text, len, &used), KX_NEED_MORE);
	assert_int_equal(used, len);
	assert_true(s.anomalies == ANOM(SSH_BANNER_CONTROL));
	/* The bytes are kept as sent; escaping is the report's job. */
	assert_int_equal(s.banner_len, len - 2);
	assert_memory_equal(s.banner, text, len - 2);
	assert_int_equal(s.soft_len, len - 2 - 8);
	assert_int_equal(s.state, KX_SSH_PACKETS);
	kx_ssh_side_free(&s);
}

static void
test_banner_del_and_inner_cr(void **state)
{
	static const char del[] = "SSH-2.0-a\x7f\r\n", cr[] = "SSH-2.0-a\r\r\n";
	struct kx_ssh_side s;
	size_t used;

	assert_int_equal(feed_both(&s, false, del, &used), KX_NEED_MORE);
	assert_true(s.anomalies == ANOM(SSH_BANNER_CONTROL));
	kx_ssh_side_free(&s);
	/* Only the CR before LF ends the line; another is content. */
	assert_int_equal(feed_both(&s, false, cr, &used), KX_NEED_MORE);
	assert_true(s.anomalies == ANOM(SSH_BANNER_CONTROL));
	assert_int_equal(s.banner_len, strlen(cr) - 2);
	kx_ssh_side_free(&s);
}

static void
test_line_limit_not_banner(void **state)
{
	uint8_t *text = malloc(KX_LINE_SCAN_MAX + 10);
	struct kx_ssh_side s;
	size_t used;

	assert_non_null(text);
	memset(text, 'A', KX_LINE_SCAN_MAX + 10);
	kx_ssh_side_init(&s, true);
	/* One byte short of the scan window: still waiting. */
	assert_int_equal(feed_exact(&s, text, KX_LINE_SCAN_MAX - 1, &used),
	    KX_NEED_MORE);
	assert_int_equal(used, 0);
	assert_int_equal(feed_exact(&s, text, KX_LINE_SCAN_MAX, &used),
	    KX_LIMIT);
	assert_int_equal(used, 0);
	assert_int_equal(s.state, KX_SSH_STOPPED);
	assert_true(s.anomalies == ANOM(SSH_BANNER_LINE_LIMIT));
	assert_false(s.have_banner);
	kx_ssh_side_free(&s);

	/* An LF as the last byte of the window is within it. */
	text[KX_LINE_SCAN_MAX - 1] = '\n';
	kx_ssh_side_init(&s, true);
	assert_int_equal(feed_exact(&s, text, KX_LINE_SCAN_MAX + 10, &used),
	    KX_NEED_MORE);
	assert_int_equal(used, KX_LINE_SCAN_MAX);
	assert_int_equal(s.prebanner_lines, 1);
	kx_ssh_side_free(&s);
	free(text);
}

static void
test_line_limit_banner_kept(void **state)
{
	uint8_t *text = malloc(KX_LINE_SCAN_MAX);
	struct kx_ssh_side s, b;
	size_t used, used_b;

	assert_non_null(text);
	memset(text, 'v', KX_LINE_SCAN_MAX);
	memcpy(text, "SSH-2.0-Huge", 12);
	kx_ssh_side_init(&s, false);
	assert_int_equal(feed_exact(&s, text, KX_LINE_SCAN_MAX, &used),
	    KX_LIMIT);
	assert_int_equal(used, 0);
	assert_int_equal(s.state, KX_SSH_STOPPED);
	assert_true(s.have_banner);
	assert_true(s.banner_truncated);
	assert_int_equal(s.banner_len, KX_BANNER_KEEP);
	assert_memory_equal(s.banner, text, KX_BANNER_KEEP);
	assert_int_equal(s.proto_major, 2);
	assert_true(s.anomalies == (ANOM(SSH_BANNER_LINE_LIMIT) |
	    ANOM(SSH_BANNER_TOO_LONG)));

	kx_ssh_side_init(&b, false);
	assert_int_equal(feed_chunked(&b, text, KX_LINE_SCAN_MAX, 1, &used_b),
	    KX_LIMIT);
	assert_int_equal(used_b, 0);
	assert_true(b.anomalies == s.anomalies);
	assert_int_equal(b.banner_len, s.banner_len);
	kx_ssh_side_free(&s);
	kx_ssh_side_free(&b);
	free(text);
}

static void
test_ssh1(void **state)
{
	static const char text[] = "SSH-1.5-OldServer\r\nmore bytes";
	struct kx_ssh_side s;
	size_t used;

	assert_int_equal(feed_both(&s, true, text, &used), KX_UNSUPPORTED);
	assert_int_equal(used, strlen("SSH-1.5-OldServer\r\n"));
	assert_int_equal(s.state, KX_SSH_STOPPED);
	assert_true(s.anomalies == ANOM(SSH_VERSION_1));
	assert_int_equal(s.proto_major, 1);
	assert_int_equal(s.proto_minor, 5);
	assert_part(&s, s.soft_off, s.soft_len, "OldServer");
	assert_int_equal(feed_exact(&s, "more", 4, &used), KX_UNSUPPORTED);
	assert_int_equal(used, 0);
	kx_ssh_side_free(&s);
}

static void
test_ssh1_99(void **state)
{
	static const char text[] = "SSH-1.99-OpenSSH_3.9p1\r\n";
	struct kx_ssh_side s;
	size_t used;

	assert_int_equal(feed_both(&s, true, text, &used), KX_NEED_MORE);
	assert_int_equal(used, strlen(text));
	assert_int_equal(s.state, KX_SSH_PACKETS);
	assert_true(s.anomalies == 0);
	assert_int_equal(s.proto_major, 1);
	assert_int_equal(s.proto_minor, 99);
	assert_part(&s, s.proto_off, s.proto_len, "1.99");
	kx_ssh_side_free(&s);
}

struct bad_case {
	const char *text;
	enum kx_status st;
	enum kx_ssh_state state;
	uint8_t major;
};

static void
test_bad_formats(void **state)
{
	static const struct bad_case cases[] = {
		{ "SSH-2.0\r\n", KX_NEED_MORE, KX_SSH_PACKETS, 2 },
		{ "SSH-2.0-\r\n", KX_NEED_MORE, KX_SSH_PACKETS, 2 },
		{ "SSH-2.0 comment\r\n", KX_NEED_MORE, KX_SSH_PACKETS, 2 },
		{ "SSH-\r\n", KX_MALFORMED, KX_SSH_STOPPED, 0 },
		{ "SSH--x\r\n", KX_MALFORMED, KX_SSH_STOPPED, 0 },
		{ "SSH-x.y-foo\r\n", KX_MALFORMED, KX_SSH_STOPPED, 0 },
		{ "SSH-3.0-foo\r\n", KX_MALFORMED, KX_SSH_STOPPED, 0 },
		{ "SSH-0.9-foo\r\n", KX_MALFORMED, KX_SSH_STOPPED, 0 },
		{ "SSH-2.-foo\r\n", KX_MALFORMED, KX_SSH_STOPPED, 0 },
		{ "SSH-2.0.1-foo\r\n", KX_MALFORMED, KX_SSH_STOPPED, 0 },
		{ "SSH-2.1000-foo\r\n", KX_MALFORMED, KX_SSH_STOPPED, 0 },
		{ "SSH-2.4294967296-foo\r\n", KX_MALFORMED, KX_SSH_STOPPED, 0 },
		{ "SSH-2.99999999999999999999-foo\r\n", KX_MALFORMED,
		    KX_SSH_STOPPED, 0 },
		{ "SSH-20-foo\r\n", KX_MALFORMED, KX_SSH_STOPPED, 0 },
	};
	struct kx_ssh_side s;
	size_t i, used;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(feed_both(&s, true, cases[i].text, &used),
		    cases[i].st);
		assert_int_equal(used, strlen(cases[i].text));
		assert_int_equal(s.state, cases[i].state);
		assert_true(s.have_banner);
		assert_true(s.anomalies == ANOM(SSH_BANNER_BAD_FORMAT));
		assert_int_equal(s.proto_major, cases[i].major);
		kx_ssh_side_free(&s);
	}
	assert_int_equal(feed_both(&s, true, "SSH-2.0 comment\r\n", &used),
	    KX_NEED_MORE);
	assert_part(&s, s.proto_off, s.proto_len, "2.0");
	assert_int_equal(s.soft_len, 0);
	kx_ssh_side_free(&s);
}

static void
test_banner_lenient_forms(void **state)
{
	struct kx_ssh_side s;
	size_t used;

	/* Leading zeros are still numbers. */
	assert_int_equal(feed_both(&s, true, "SSH-02.000-x\r\n", &used),
	    KX_NEED_MORE);
	assert_true(s.anomalies == 0);
	assert_int_equal(s.proto_major, 2);
	assert_int_equal(s.proto_minor, 0);
	kx_ssh_side_free(&s);

	/* RFC 4253 4.2 bars '-' in softwareversion, but deployed servers
	 * send it; the software part runs to the first SP. */
	assert_int_equal(feed_both(&s, true, "SSH-2.0-Cisco-1.25\r\n", &used),
	    KX_NEED_MORE);
	assert_true(s.anomalies == 0);
	assert_part(&s, s.soft_off, s.soft_len, "Cisco-1.25");
	kx_ssh_side_free(&s);

	assert_int_equal(feed_both(&s, true, "SSH-2.0-x \r\n", &used),
	    KX_NEED_MORE);
	assert_true(s.anomalies == 0);
	assert_part(&s, s.soft_off, s.soft_len, "x");
	assert_int_equal(s.comments_off, 10);
	assert_int_equal(s.comments_len, 0);
	kx_ssh_side_free(&s);

	/* "SSH-" must open the line; "ssh-" or a leading space does not. */
	assert_int_equal(feed_both(&s, true, " SSH-2.0-x\r\nssh-2.0-y\r\n",
	    &used), KX_NEED_MORE);
	assert_int_equal(s.prebanner_lines, 2);
	assert_false(s.have_banner);
	assert_int_equal(s.state, KX_SSH_BANNER);
	kx_ssh_side_free(&s);
}

static void
test_free_twice_and_unused(void **state)
{
	struct kx_ssh_side s;

	kx_ssh_side_init(&s, true);
	kx_ssh_side_free(&s);
	kx_ssh_side_free(&s);
	kx_ssh_side_free(NULL);
	assert_int_equal(s.state, KX_SSH_BANNER);
	assert_true(s.is_server);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_client_banner),
		cmocka_unit_test(test_server_banner_comments),
		cmocka_unit_test(test_incomplete_line_consumes_nothing),
		cmocka_unit_test(test_server_prebanner),
		cmocka_unit_test(test_prebanner_long_first_line_kept_capped),
		cmocka_unit_test(test_client_prebanner_flagged),
		cmocka_unit_test(test_prebanner_at_limit),
		cmocka_unit_test(test_prebanner_over_limit),
		cmocka_unit_test(test_banner_no_cr),
		cmocka_unit_test(test_banner_255_fits),
		cmocka_unit_test(test_banner_256_too_long),
		cmocka_unit_test(test_banner_300_kept_whole),
		cmocka_unit_test(test_banner_past_keep_truncated),
		cmocka_unit_test(test_banner_nul_and_esc),
		cmocka_unit_test(test_banner_del_and_inner_cr),
		cmocka_unit_test(test_line_limit_not_banner),
		cmocka_unit_test(test_line_limit_banner_kept),
		cmocka_unit_test(test_ssh1),
		cmocka_unit_test(test_ssh1_99),
		cmocka_unit_test(test_bad_formats),
		cmocka_unit_test(test_banner_lenient_forms),
		cmocka_unit_test(test_free_twice_and_unused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
