/* Tests for the KEXINIT parser (RFC 4253 7.1) and name-list iteration
 * (RFC 4251 5). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kexray/ssh/ssh.h"
#include "ssh_test_util.h"

static const uint8_t cookie[16] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
	0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
};

static const char *const openssh_lists[KX_PROP_MAX] = {
	("curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,"
	    "ext-info-c,kex-strict-c-v00@openssh.com"),
	"ssh-ed25519,ecdsa-sha2-nistp256,rsa-sha2-512,rsa-sha2-256",
	"chacha20-poly1305@openssh.com,aes128-ctr,aes256-gcm@openssh.com",
	"chacha20-poly1305@openssh.com,aes256-ctr",
	"umac-64-etm@openssh.com,hmac-sha2-256",
	"hmac-sha2-512",
	"none,zlib@openssh.com",
	"none",
	"",
	"en-US",
};

/* A KEXINIT payload from ten lists given with their lengths. */
static void
build_kexinit_n(struct buf *out, const char *const lists[KX_PROP_MAX],
    const size_t lens[KX_PROP_MAX], uint8_t follows, uint32_t reserved)
{
	int i;

	buf_u8(out, KX_MSG_KEXINIT);
	buf_put(out, cookie, sizeof(cookie));
	for (i = 0; i < KX_PROP_MAX; i++) {
		buf_u32(out, (uint32_t)lens[i]);
		buf_put(out, lists[i], lens[i]);
	}
	buf_u8(out, follows);
	buf_u32(out, reserved);
}

/* The same, from ten C strings. */
static void
build_kexinit(struct buf *out, const char *const lists[KX_PROP_MAX],
    uint8_t follows, uint32_t reserved)
{
	size_t lens[KX_PROP_MAX];
	int i;

	for (i = 0; i < KX_PROP_MAX; i++)
		lens[i] = strlen(lists[i]);
	build_kexinit_n(out, lists, lens, follows, reserved);
}

/* Parses from a heap copy of exactly len bytes, so ASan reports any read
 * past the end. */
static enum kx_status
parse_exact(const void *data, size_t len, struct kx_kexinit *k,
    kx_anomset *anoms)
{
	uint8_t *copy = malloc(len > 0 ? len : 1);
	enum kx_status st;

	assert_non_null(copy);
	if (len > 0)
		memcpy(copy, data, len);
	*anoms = 0;
	memset(k, 0x5a, sizeof(*k));
	st = kx_kexinit_parse(copy, len, k, anoms);
	/* The result must not point into the caller's bytes: they are gone. */
	memset(copy, 0xee, len);
	free(copy);
	return st;
}

static void
assert_zeroed(const struct kx_kexinit *k)
{
	struct kx_kexinit zero;

	memset(&zero, 0, sizeof(zero));
	assert_null(k->raw);
	assert_int_equal(k->raw_len, 0);
	assert_memory_equal(k, &zero, sizeof(zero));
}

/* Walks a list with kx_namelist_next and joins the names with '|'. */
static void
join_names(const struct kx_namelist *nl, char *out, size_t cap,
    uint32_t *count)
{
	const uint8_t *name;
	uint32_t off = 0, n, len = 0;

	*count = 0;
	out[0] = '\0';
	while (kx_namelist_next(nl, &off, &name, &n)) {
		assert_true(len + n + 2 <= cap);
		if (*count > 0)
			out[len++] = '|';
		memcpy(out + len, name, n);
		len += n;
		out[len] = '\0';
		(*count)++;
	}
}

static void
test_parse_openssh(void **state)
{
	struct kx_kexinit k;
	struct buf b = { 0 };
	kx_anomset an;
	char joined[512];
	uint32_t count;
	int i;

	build_kexinit(&b, openssh_lists, 0, 0);
	assert_int_equal(parse_exact(b.p, b.len, &k, &an), KX_OK);
	assert_true(an == 0);
	assert_memory_equal(k.cookie, cookie, sizeof(cookie));
	assert_int_equal(k.raw_len, b.len);
	assert_memory_equal(k.raw, b.p, b.len);
	assert_false(k.first_kex_follows);
	assert_int_equal(k.reserved, 0);
	for (i = 0; i < KX_PROP_MAX; i++) {
		assert_int_equal(k.list[i].len, strlen(openssh_lists[i]));
		assert_memory_equal(k.list[i].p, openssh_lists[i],
		    k.list[i].len);
		/* The lists live in the owned copy. */
		assert_true(k.list[i].p >= k.raw &&
		    k.list[i].p + k.list[i].len <= k.raw + k.raw_len);
	}
	assert_int_equal(k.list[KX_PROP_KEX].count, 5);
	assert_int_equal(k.list[KX_PROP_HOSTKEY].count, 4);
	assert_int_equal(k.list[KX_PROP_MAC_S2C].count, 1);
	assert_int_equal(k.list[KX_PROP_LANG_C2S].count, 0);
	assert_int_equal(k.list[KX_PROP_LANG_S2C].count, 1);

	join_names(&k.list[KX_PROP_HOSTKEY], joined, sizeof(joined), &count);
	assert_string_equal(joined,
	    "ssh-ed25519|ecdsa-sha2-nistp256|rsa-sha2-512|rsa-sha2-256");
	assert_int_equal(count, 4);
	join_names(&k.list[KX_PROP_LANG_C2S], joined, sizeof(joined), &count);
	assert_int_equal(count, 0);
	kx_kexinit_free(&k);
	assert_zeroed(&k);
	kx_kexinit_free(&k);
	kx_kexinit_free(NULL);
	buf_free(&b);
}

static void
test_first_kex_follows_and_reserved(void **state)
{
	struct kx_kexinit k;
	struct buf b = { 0 };
	kx_anomset an;

	build_kexinit(&b, openssh_lists, 1, 0);
	assert_int_equal(parse_exact(b.p, b.len, &k, &an), KX_OK);
	assert_true(k.first_kex_follows);
	kx_kexinit_free(&k);
	buf_free(&b);

	/* RFC 4251 5: any non-zero boolean means TRUE. */
	build_kexinit(&b, openssh_lists, 0x80, 0xdeadbeef);
	assert_int_equal(parse_exact(b.p, b.len, &k, &an), KX_OK);
	assert_true(k.first_kex_follows);
	assert_int_equal(k.reserved, 0xdeadbeef);
	assert_true(an == 0);
	kx_kexinit_free(&k);
	buf_free(&b);
}

static void
test_trailing_bytes(void **state)
{
	struct kx_kexinit k;
	struct buf b = { 0 };
	kx_anomset an;

	build_kexinit(&b, openssh_lists, 0, 0);
	buf_u8(&b, 0);
	buf_u8(&b, 7);
	assert_int_equal(parse_exact(b.p, b.len, &k, &an), KX_OK);
	assert_true(an == ANOM(SSH_KEXINIT_TRAILING));
	assert_int_equal(k.raw_len, b.len);
	assert_int_equal(k.list[KX_PROP_KEX].count, 5);
	kx_kexinit_free(&k);
	buf_free(&b);
}

struct name_case {
	const char *list;
	bool bad;
	uint32_t count;
	const char *joined;
};

static void
test_name_checks(void **state)
{
	static const struct name_case cases[] = {
		{ "a", false, 1, "a" },
		{ "a,b", false, 2, "a|b" },
		{ ",a", true, 2, "|a" },
		{ "a,", true, 2, "a|" },
		{ "a,,b", true, 3, "a||b" },
		{ ",", true, 2, "|" },
		{ ",,,", true, 4, "|||" },
		{ "a b", true, 1, "a b" },
		{ "a\tb,c", true, 2, "a\tb|c" },
		{ "caf\xc3\xa9", true, 1, "caf\xc3\xa9" },
		{ "del\x7f", true, 1, "del\x7f" },
		{ "!~", false, 1, "!~" },
	};
	const char *lists[KX_PROP_MAX];
	struct kx_kexinit k;
	struct buf b = { 0 };
	kx_anomset an;
	char joined[64];
	uint32_t count;
	size_t i;
	int j;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (j = 0; j < KX_PROP_MAX; j++)
			lists[j] = openssh_lists[j];
		lists[KX_PROP_ENC_S2C] = cases[i].list;
		b.len = 0;
		build_kexinit(&b, lists, 0, 0);
		assert_int_equal(parse_exact(b.p, b.len, &k, &an), KX_OK);
		assert_true(an == (cases[i].bad ?
		    ANOM(SSH_KEXINIT_BAD_NAME) : 0));
		assert_int_equal(k.list[KX_PROP_ENC_S2C].count,
		    cases[i].count);
		/* Iteration shows exactly what is on the wire. */
		join_names(&k.list[KX_PROP_ENC_S2C], joined, sizeof(joined),
		    &count);
		assert_int_equal(count, cases[i].count);
		assert_string_equal(joined, cases[i].joined);
		kx_kexinit_free(&k);
	}
	buf_free(&b);
}

static void
test_nul_in_name(void **state)
{
	static const char with_nul[] = "aes\0ctr,x";
	const char *lists[KX_PROP_MAX];
	size_t lens[KX_PROP_MAX];
	struct kx_kexinit k;
	struct buf b = { 0 };
	kx_anomset an;
	int j;

	for (j = 0; j < KX_PROP_MAX; j++) {
		lists[j] = openssh_lists[j];
		lens[j] = strlen(lists[j]);
	}
	lists[KX_PROP_ENC_C2S] = with_nul;
	lens[KX_PROP_ENC_C2S] = sizeof(with_nul) - 1;
	build_kexinit_n(&b, lists, lens, 0, 0);
	assert_int_equal(parse_exact(b.p, b.len, &k, &an), KX_OK);
	assert_true(an == ANOM(SSH_KEXINIT_BAD_NAME));
	assert_int_equal(k.list[KX_PROP_ENC_C2S].len, 9);
	assert_int_equal(k.list[KX_PROP_ENC_C2S].count, 2);
	kx_kexinit_free(&k);
	buf_free(&b);
}

static void
test_every_prefix_malformed(void **state)
{
	struct kx_kexinit k;
	struct buf b = { 0 };
	kx_anomset an;
	size_t n;

	build_kexinit(&b, openssh_lists, 1, 0);
	for (n = 0; n < b.len; n++) {
		assert_int_equal(parse_exact(b.p, n, &k, &an), KX_MALFORMED);
		assert_true(an == ANOM(SSH_KEXINIT_MALFORMED));
		assert_zeroed(&k);
		kx_kexinit_free(&k);
	}
	buf_free(&b);
}

static void
test_list_overruns(void **state)
{
	struct kx_kexinit k;
	struct buf b = { 0 }, good = { 0 };
	kx_anomset an;
	size_t off, cut;
	int i;

	build_kexinit(&good, openssh_lists, 0, 0);
	/* Each list in turn claims more bytes than the message holds. */
	for (i = 0; i < KX_PROP_MAX; i++) {
		int j;

		off = 1 + 16;
		for (j = 0; j < i; j++)
			off += 4 + strlen(openssh_lists[j]);
		b.len = 0;
		buf_put(&b, good.p, good.len);
		cut = good.len - off - 4;
		b.p[off] = (uint8_t)((cut + 1) >> 24);
		b.p[off + 1] = (uint8_t)((cut + 1) >> 16);
		b.p[off + 2] = (uint8_t)((cut + 1) >> 8);
		b.p[off + 3] = (uint8_t)(cut + 1);
		assert_int_equal(parse_exact(b.p, b.len, &k, &an),
		    KX_MALFORMED);
		assert_true(an == ANOM(SSH_KEXINIT_MALFORMED));
		assert_zeroed(&k);

		/* The largest possible length, too. */
		memset(b.p + off, 0xff, 4);
		assert_int_equal(parse_exact(b.p, b.len, &k, &an),
		    KX_MALFORMED);
		assert_zeroed(&k);
	}
	/* A list that eats the boolean and reserved parses as a list, then
	 * the message is short of its last five bytes. */
	b.len = 0;
	buf_put(&b, good.p, good.len);
	off = good.len - 5 - 4 - strlen(openssh_lists[KX_PROP_LANG_S2C]);
	b.p[off + 3] = (uint8_t)(b.p[off + 3] + 5);
	assert_int_equal(parse_exact(b.p, b.len, &k, &an), KX_MALFORMED);
	assert_zeroed(&k);
	buf_free(&b);
	buf_free(&good);
}

static void
test_wrong_code_and_empty(void **state)
{
	struct kx_kexinit k;
	struct buf b = { 0 };
	kx_anomset an;

	build_kexinit(&b, openssh_lists, 0, 0);
	b.p[0] = KX_MSG_NEWKEYS;
	assert_int_equal(parse_exact(b.p, b.len, &k, &an), KX_MALFORMED);
	assert_true(an == ANOM(SSH_KEXINIT_MALFORMED));
	assert_zeroed(&k);
	assert_int_equal(parse_exact(NULL, 0, &k, &an), KX_MALFORMED);
	assert_zeroed(&k);
	an = 0;
	assert_int_equal(kx_kexinit_parse(NULL, 0, &k, &an), KX_MALFORMED);
	assert_int_equal(kx_kexinit_parse(NULL, 10, &k, &an), KX_MALFORMED);
	assert_zeroed(&k);
	buf_free(&b);
}

/* Builds "n0,n1,...,n<count-1>". */
static char *
big_list(uint32_t count, size_t *len)
{
	size_t cap = (size_t)count * 16 + 1, off = 0;
	char *s = malloc(cap);
	uint32_t i;

	assert_non_null(s);
	for (i = 0; i < count; i++) {
		int w = snprintf(s + off, cap - off, "%salg%u@x.org",
		    i > 0 ? "," : "", (unsigned)i);

		assert_true(w > 0 && (size_t)w < cap - off);
		off += (size_t)w;
	}
	*len = off;
	return s;
}

static void
test_hundred_thousand_names(void **state)
{
	const char *lists[KX_PROP_MAX];
	size_t lens[KX_PROP_MAX], len;
	const uint32_t count = 100000;
	char *big = big_list(count, &len);
	const uint8_t *name;
	struct kx_kexinit k;
	struct buf b = { 0 };
	kx_anomset an;
	uint32_t off = 0, n, seen = 0;
	int j;

	for (j = 0; j < KX_PROP_MAX; j++) {
		lists[j] = openssh_lists[j];
		lens[j] = strlen(lists[j]);
	}
	lists[KX_PROP_KEX] = big;
	lens[KX_PROP_KEX] = len;
	lists[KX_PROP_ENC_C2S] = big;
	lens[KX_PROP_ENC_C2S] = len;
	build_kexinit_n(&b, lists, lens, 0, 0);
	assert_int_equal(parse_exact(b.p, b.len, &k, &an), KX_OK);
	assert_true(an == 0);
	assert_int_equal(k.list[KX_PROP_KEX].count, count);
	assert_int_equal(k.list[KX_PROP_ENC_C2S].count, count);
	/* Nothing is dropped: every name comes back, in order. */
	while (kx_namelist_next(&k.list[KX_PROP_KEX], &off, &name, &n)) {
		char want[32];

		snprintf(want, sizeof(want), "alg%u@x.org", (unsigned)seen);
		assert_int_equal(n, strlen(want));
		assert_memory_equal(name, want, n);
		seen++;
	}
	assert_int_equal(seen, count);
	kx_kexinit_free(&k);
	buf_free(&b);
	free(big);
}

static void
test_namelist_next_edges(void **state)
{
	static const uint8_t bytes[] = "x,y";
	struct kx_namelist nl = { bytes, 3, 2 };
	const uint8_t *name;
	uint32_t off = 0, n;

	assert_true(kx_namelist_next(&nl, &off, &name, &n));
	assert_true(kx_namelist_next(&nl, &off, &name, &n));
	assert_int_equal(n, 1);
	assert_memory_equal(name, "y", 1);
	assert_false(kx_namelist_next(&nl, &off, &name, &n));
	/* Done stays done. */
	assert_false(kx_namelist_next(&nl, &off, &name, &n));
	off = 1000;
	assert_false(kx_namelist_next(&nl, &off, &name, &n));
	nl.len = 0;
	off = 0;
	assert_false(kx_namelist_next(&nl, &off, &name, &n));
}

static uint32_t
rng_next(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

static void
test_bitflips_never_crash(void **state)
{
	struct kx_kexinit k;
	struct buf b = { 0 }, good = { 0 };
	uint32_t rng = 0x4b455849u, iter, flips, off, n, names, i;
	const uint8_t *name;
	kx_anomset an;
	enum kx_status st;

	build_kexinit(&good, openssh_lists, 0, 0);
	for (iter = 0; iter < 5000; iter++) {
		b.len = 0;
		buf_put(&b, good.p, good.len);
		for (flips = 1 + rng_next(&rng) % 4; flips > 0; flips--) {
			size_t pos = rng_next(&rng) % b.len;

			b.p[pos] ^= (uint8_t)(1u << (rng_next(&rng) % 8));
		}
		st = parse_exact(b.p, b.len, &k, &an);
		if (st != KX_OK) {
			assert_int_equal(st, KX_MALFORMED);
			assert_zeroed(&k);
			continue;
		}
		for (i = 0; i < KX_PROP_MAX; i++) {
			off = 0;
			names = 0;
			while (kx_namelist_next(&k.list[i], &off, &name, &n))
				names++;
			assert_int_equal(names, k.list[i].count);
		}
		kx_kexinit_free(&k);
	}
	buf_free(&b);
	buf_free(&good);
}

/* The name count and the bad-name check against the rules applied byte by
 * byte (RFC 4251 5: one more name than commas; a byte outside 0x21-0x7e,
 * a comma first, last or twice in a row is bad). Clean lists of every
 * length to 80 bytes, and in one of them at most one flaw at a random
 * place, so that the parser's 16-byte steps meet each flaw at every
 * offset, a pair of commas across two steps included. */
static void
test_names_against_bytewise_rules(void **state)
{
	static const uint8_t bad_bytes[] = { 0x00, '\t', 0x20, 0x7f, 0x80, 0xff };
	static const uint8_t good[] = { ',', 'a', 'z', '-', '@', 0x21, 0x7e };
	char lists[KX_PROP_MAX][96];
	const char *ptrs[KX_PROP_MAX];
	size_t lens[KX_PROP_MAX];
	uint32_t rng = 0x6e616d65u, flawed = 0;
	struct kx_kexinit k;
	struct buf b = { 0 };
	kx_anomset an;

	(void)state;
	for (int iter = 0; iter < 40000; iter++) {
		bool want_bad = false;
		uint32_t want_count[KX_PROP_MAX];
		int which = (int)(rng_next(&rng) % KX_PROP_MAX);

		for (int i = 0; i < KX_PROP_MAX; i++) {
			size_t n = rng_next(&rng) % 81, commas = 0;

			for (size_t j = 0; j < n; j++) {
				uint8_t ch = good[rng_next(&rng) % sizeof(good)];

				/* No empty name: no comma first, last or twice. */
				if (ch == ',' && (j == 0 || j + 1 == n ||
				    lists[i][j - 1] == ','))
					ch = 'q';
				lists[i][j] = (char)ch;
			}
			if (i == which && n > 0) {
				size_t at = rng_next(&rng) % n;

				switch (rng_next(&rng) % 5) {
				case 0:
					lists[i][at] = (char)bad_bytes[rng_next(&rng) %
					    sizeof(bad_bytes)];
					break;
				case 1:
					if (at + 1 < n)
						lists[i][at] = lists[i][at + 1] = ',';
					break;
				case 2:
					lists[i][0] = ',';
					break;
				case 3:
					lists[i][n - 1] = ',';
					break;
				default:
					break;   /* clean */
				}
			}
			for (size_t j = 0; j < n; j++) {
				uint8_t ch = (uint8_t)lists[i][j];

				commas += ch == ',';
				if (ch < 0x21 || ch > 0x7e)
					want_bad = true;
				if (ch == ',' && (j == 0 || j + 1 == n ||
				    lists[i][j + 1] == ','))
					want_bad = true;
			}
			ptrs[i] = lists[i];
			lens[i] = n;
			want_count[i] = n == 0 ? 0 : (uint32_t)commas + 1;
		}
		flawed += want_bad;
		b.len = 0;
		build_kexinit_n(&b, ptrs, lens, 0, 0);
		assert_int_equal(parse_exact(b.p, b.len, &k, &an), KX_OK);
		for (int i = 0; i < KX_PROP_MAX; i++)
			assert_int_equal(k.list[i].count, want_count[i]);
		assert_int_equal(kx_anom_has(an, KX_ANOM_SSH_KEXINIT_BAD_NAME),
		    want_bad);
		kx_kexinit_free(&k);
	}
	/* Both outcomes, many times. */
	assert_true(flawed > 10000 && flawed < 35000);
	buf_free(&b);
}

static void
test_proposal_names(void **state)
{
	int i;

	assert_string_equal(kx_proposal_names[KX_PROP_KEX], "kex_algorithms");
	assert_string_equal(kx_proposal_names[KX_PROP_HOSTKEY],
	    "server_host_key_algorithms");
	assert_string_equal(kx_proposal_names[KX_PROP_MAC_S2C],
	    "mac_algorithms_server_to_client");
	assert_string_equal(kx_proposal_names[KX_PROP_LANG_S2C],
	    "languages_server_to_client");
	for (i = 0; i < KX_PROP_MAX; i++)
		assert_non_null(kx_proposal_names[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_openssh),
		cmocka_unit_test(test_names_against_bytewise_rules),
		cmocka_unit_test(test_first_kex_follows_and_reserved),
		cmocka_unit_test(test_trailing_bytes),
		cmocka_unit_test(test_name_checks),
		cmocka_unit_test(test_nul_in_name),
		cmocka_unit_test(test_every_prefix_malformed),
		cmocka_unit_test(test_list_overruns),
		cmocka_unit_test(test_wrong_code_and_empty),
		cmocka_unit_test(test_hundred_thousand_names),
		cmocka_unit_test(test_namelist_next_edges),
		cmocka_unit_test(test_bitflips_never_crash),
		cmocka_unit_test(test_proposal_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
