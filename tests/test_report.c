/* STYLE 11: hostile bytes are escaped on every output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <arpa/inet.h>

#include "kexray/core/escape.h"
#include "kexray/report/report.h"

typedef void escaper(FILE *out, const uint8_t *p, size_t len);

/* What an escaper writes for bytes[0..len). */
static char *
escaped(escaper *fn, const char *bytes, size_t len)
{
	char *buf = NULL;
	size_t sz = 0;
	FILE *f = open_memstream(&buf, &sz);

	assert_non_null(f);
	fn(f, (const uint8_t *)bytes, len);
	fclose(f);
	return buf;
}

static void
zeek_value(FILE *out, const uint8_t *p, size_t len)
{
	kx_zeek_bytes(out, p, len, false);
}

static void
zeek_set_value(FILE *out, const uint8_t *p, size_t len)
{
	kx_zeek_bytes(out, p, len, true);
}

static void
check(escaper *fn, const char *in, size_t len, const char *want)
{
	char *got = escaped(fn, in, len);

	assert_string_equal(got, want);
	free(got);
}

static void
check_json(const char *in, size_t len, const char *want)
{
	check(kx_json_string, in, len, want);
}

static void
test_json_escapes(void **state)
{
	(void)state;
	check_json("SSH-2.0-x", 9, "\"SSH-2.0-x\"");
	check_json("a\"b\\c", 5, "\"a\\\"b\\\\c\"");
	check_json("\x1b[31m", 5, "\"\\u001b[31m\"");
	check_json("a\0b", 3, "\"a\\u0000b\"");
	check_json("\r\n\t\x7f", 4, "\"\\u000d\\u000a\\u0009\\u007f\"");
}

static void
test_json_utf8(void **state)
{
	(void)state;
	/* valid UTF-8 passes through unchanged */
	check_json("\xc3\xa9\xe2\x82\xac\xf0\x9f\x94\x91", 9,
	    "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x94\x91\"");
	/* a lone continuation byte, a cut sequence, an overlong '/', a UTF-16
	 * surrogate and a code point past U+10FFFF are not UTF-8: each byte
	 * becomes its own code point so the output stays valid JSON */
	check_json("\x80", 1, "\"\\u0080\"");
	check_json("\xc3", 1, "\"\\u00c3\"");
	check_json("\xc0\xaf", 2, "\"\\u00c0\\u00af\"");
	check_json("\xed\xa0\x80", 3, "\"\\u00ed\\u00a0\\u0080\"");
	check_json("\xf4\x90\x80\x80", 4, "\"\\u00f4\\u0090\\u0080\\u0080\"");
}

static void
test_text_escapes(void **state)
{
	char *got;

	(void)state;
	got = escaped(kx_text_escaped, "SSH-2.0-\x1b[2J\0\xc3\xa9\\", 16);
	assert_string_equal(got, "SSH-2.0-\\x1b[2J\\x00\\xc3\\xa9\\\\");
	free(got);
}

/* Zeek's ASCII escaping: '\\' and controls as \xHH, ',' only inside a
 * set, a value equal to a marker with its first byte escaped; a long
 * value crosses the escaper's chunks whole. */
static void
test_zeek_escapes(void **state)
{
	char in[130], want[600];
	size_t n = 0;

	(void)state;
	check(zeek_value, "a,b\\c\x1b\xff", 7, "a,b\\x5cc\\x1b\\xff");
	check(zeek_set_value, "a,b", 3, "a\\x2cb");
	check(zeek_value, "-", 1, "\\x2d");
	check(zeek_value, "(empty)", 7, "\\x28empty)");
	check(zeek_value, "", 0, "(empty)");
	for (size_t i = 0; i < sizeof(in); i++) {
		in[i] = i % 3 == 0 ? '\x01' : 'x';
		n += (size_t)snprintf(want + n, sizeof(want) - n,
		    i % 3 == 0 ? "\\x01" : "x");
	}
	check(zeek_value, in, sizeof(in), want);
}

/* Wire text copied into a sentence: '"' escaped too, and a cut never
 * splits an escape. */
static void
test_hex_escaped_buf(void **state)
{
	char buf[12];

	(void)state;
	assert_int_equal(kx_hex_escaped_buf((const uint8_t *)"a\"b\\", 4,
	    "\"", buf, sizeof(buf)), 10);
	assert_string_equal(buf, "a\\x22b\\x5c");
	assert_int_equal(kx_hex_escaped_buf((const uint8_t *)"abcdefg\x01h",
	    9, "\"", buf, sizeof(buf)), 7);
	assert_string_equal(buf, "abcdefg");
}

static void
test_uid_stable_and_distinct(void **state)
{
	struct kx_conn a, b;
	char ua[19], ua2[19], ub[19];

	(void)state;
	memset(&a, 0, sizeof(a));
	a.ip_version = 4;
	a.ep[0].addr[0] = 10;
	a.ep[0].port = 40000;
	a.ep[1].port = 22;
	a.ts_first = 1700000000123456ull;
	b = a;
	b.ep[0].port = 40001;
	kx_conn_uid(&a, ua);
	kx_conn_uid(&a, ua2);
	kx_conn_uid(&b, ub);
	assert_int_equal(strlen(ua), 18);
	assert_int_equal(ua[0], 'C');
	assert_string_equal(ua, ua2);
	assert_string_not_equal(ua, ub);
}

/* kx_ip6_text against the C library's inet_ntop: every pattern of zero
 * and non-zero groups (where the "::" goes), the IPv4-mapped and
 * -compatible forms and their near misses, and random addresses. */
static void
check_ip6(const uint8_t a[16])
{
	char want[INET6_ADDRSTRLEN], got[KX_IP6_TEXT_MAX];
	size_t n;

	assert_non_null(inet_ntop(AF_INET6, a, want, sizeof(want)));
	n = kx_ip6_text(a, got);
	assert_string_equal(got, want);
	assert_int_equal(n, strlen(want));
}

static void
test_ip6_text_as_inet_ntop(void **state)
{
	static const uint16_t vals[] = { 1, 0xffff, 0xabc, 0x10, 0x100, 0x2001 };
	uint64_t x = 0x9e3779b97f4a7c15ull;
	uint8_t a[16];

	(void)state;
	for (unsigned mask = 0; mask < 256; mask++) {
		for (size_t v = 0; v < sizeof(vals) / sizeof(vals[0]); v++) {
			for (int g = 0; g < 8; g++) {
				uint16_t w = (mask >> g) & 1u ?
				    vals[(v + (size_t)g) % (sizeof(vals) / sizeof(vals[0]))] : 0;

				a[2 * g] = (uint8_t)(w >> 8);
				a[2 * g + 1] = (uint8_t)w;
			}
			check_ip6(a);
		}
	}
	/* ::ffff:a.b.c.d, ::a.b.c.d and what is neither. */
	for (int form = 0; form < 6; form++) {
		memset(a, 0, sizeof(a));
		if (form == 0 || form == 2) {
			a[10] = 0xff;
			a[11] = 0xff;
		}
		if (form == 2)
			a[9] = 1;           /* 0:0:0:0:1:ffff:... */
		if (form == 3)
			a[10] = 0xff;       /* ff00 in group 5 */
		if (form == 4)
			a[0] = 0x20;
		a[12] = form == 5 ? 0 : 192;
		a[13] = form == 5 ? 0 : 0;
		a[14] = form == 5 ? 0 : 2;
		a[15] = (uint8_t)(form == 5 ? 2 : 255);
		check_ip6(a);
	}
	for (int i = 0; i < 100000; i++) {
		for (int b = 0; b < 16; b++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			/* Zero bytes often, so zero groups are common. */
			a[b] = (x & 3) == 0 ? 0 : (uint8_t)(x >> 24);
		}
		check_ip6(a);
	}
}

/* kx_json_plain against RFC 8259 7's rule as kexray applies it (printable
 * ASCII but '"' and '\\'), one byte of every value at every place of
 * strings of every length to 40: the 16-byte steps and the tail alike. */
static void
test_json_plain_every_byte(void **state)
{
	uint8_t buf[40] = { 0 };

	(void)state;
	assert_true(kx_json_plain(buf, 0));
	for (size_t len = 1; len <= sizeof(buf); len++) {
		for (size_t at = 0; at < len; at++) {
			for (unsigned b = 0; b < 256; b++) {
				bool want = b >= 0x20 && b < 0x7f && b != '"' &&
				    b != '\\';

				memset(buf, 'a', len);
				buf[at] = (uint8_t)b;
				assert_int_equal(kx_json_plain(buf, len), want);
			}
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_escapes),
		cmocka_unit_test(test_json_plain_every_byte),
		cmocka_unit_test(test_ip6_text_as_inet_ntop),
		cmocka_unit_test(test_json_utf8),
		cmocka_unit_test(test_text_escapes),
		cmocka_unit_test(test_zeek_escapes),
		cmocka_unit_test(test_hex_escaped_buf),
		cmocka_unit_test(test_uid_stable_and_distinct),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
