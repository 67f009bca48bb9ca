/* Tests for the ssh stage's packet state and the per-direction driver:
 * binary packet framing (RFC 4253 6), the cleartext messages, NEWKEYS, and
 * whole handshakes fed in every way reassembly might deliver them. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "kexray/ssh/ssh.h"
#include "ssh_test_util.h"

/* ---- byte builders ---- */

/* Padding bytes other than zero: nothing may read them as data. */
static void
frame(struct buf *out, const void *payload, size_t n)
{
	buf_frame(out, payload, n, 0xa5);
}

/* Frames with explicit packet_length and padding_length; the bytes after
 * the payload are filled up to packet_length. */
static void
frame_raw(struct buf *out, uint32_t plen, uint8_t padlen, const void *payload,
    size_t n)
{
	buf_u32(out, plen);
	buf_u8(out, padlen);
	buf_put(out, payload, n);
	buf_fill(out, 0, plen - 1 - n);
}

static void
frame_code(struct buf *out, uint8_t code)
{
	frame(out, &code, 1);
}

static const uint8_t cookie_c[16] = "client-cookie-16";
static const uint8_t cookie_s[16] = "server-cookie-16";

static void
build_kexinit(struct buf *out, const uint8_t cookie[16],
    const char *const lists[KX_PROP_MAX])
{
	int i;

	buf_u8(out, KX_MSG_KEXINIT);
	buf_put(out, cookie, 16);
	for (i = 0; i < KX_PROP_MAX; i++)
		buf_sstr(out, lists[i], strlen(lists[i]));
	buf_u8(out, 0);
	buf_u32(out, 0);
}

static const char *const client_lists[KX_PROP_MAX] = {
	"sntrup761x25519-sha512@openssh.com,curve25519-sha256,"
	    "curve25519-sha256@libssh.org,ecdh-sha2-nistp256,"
	    "diffie-hellman-group14-sha256,ext-info-c,"
	    "kex-strict-c-v00@openssh.com",
	"ssh-ed25519-cert-v01@openssh.com,ssh-ed25519,"
	    "ecdsa-sha2-nistp256,rsa-sha2-512,rsa-sha2-256",
	"chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,"
	    "aes128-gcm@openssh.com,aes256-gcm@openssh.com",
	"chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,"
	    "aes128-gcm@openssh.com,aes256-gcm@openssh.com",
	"umac-64-etm@openssh.com,hmac-sha2-256-etm@openssh.com,"
	    "hmac-sha2-512-etm@openssh.com,hmac-sha2-256,hmac-sha1",
	"umac-64-etm@openssh.com,hmac-sha2-256-etm@openssh.com,"
	    "hmac-sha2-512-etm@openssh.com,hmac-sha2-256,hmac-sha1",
	"none,zlib@openssh.com",
	"none,zlib@openssh.com",
	"",
	"",
};

static const char *const server_lists[KX_PROP_MAX] = {
	"curve25519-sha256,curve25519-sha256@libssh.org,"
	    "ecdh-sha2-nistp256,diffie-hellman-group16-sha512,"
	    "kex-strict-s-v00@openssh.com",
	"rsa-sha2-512,rsa-sha2-256,ecdsa-sha2-nistp256,ssh-ed25519",
	"chacha20-poly1305@openssh.com,aes128-ctr,aes256-gcm@openssh.com",
	"chacha20-poly1305@openssh.com,aes128-ctr,aes256-gcm@openssh.com",
	"umac-64-etm@openssh.com,hmac-sha2-256-etm@openssh.com",
	"umac-64-etm@openssh.com,hmac-sha2-256-etm@openssh.com",
	"none,zlib@openssh.com",
	"none,zlib@openssh.com",
	"",
	"",
};

#define CLIENT_BANNER "SSH-2.0-OpenSSH_9.6"
#define SERVER_BANNER "SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13"

/* A handshake as one direction sends it, and what parsing it must give. */
struct hs {
	struct buf b;
	size_t hs_len;          /* bytes through the NEWKEYS packet */
	size_t banner_len;      /* bytes of pre-banner lines and banner */
	const char *banner;
	const uint8_t *cookie;
	const char *const *lists;
	uint8_t codes[8];
	uint32_t sizes[8];
	unsigned nmsg;
	kx_anomset anomalies;
};

static void
hs_msg(struct hs *h, const struct buf *payload)
{
	frame(&h->b, payload->p, payload->len);
	h->codes[h->nmsg] = payload->p[0];
	h->sizes[h->nmsg] = (uint32_t)payload->len;
	h->nmsg++;
}

/* Ciphertext after NEWKEYS, which the parser must leave alone; its first
 * bytes would read as an impossible packet_length. */
static void
hs_ciphertext(struct hs *h)
{
	unsigned i;

	h->hs_len = h->b.len;
	buf_fill(&h->b, 0xff, 4);
	for (i = 0; i < 60; i++)
		buf_u8(&h->b, (uint8_t)(i * 37 + 11));
}

static void
build_client(struct hs *h)
{
	struct buf p = { 0 };
	uint8_t q[32];

	memset(h, 0, sizeof(*h));
	h->banner = CLIENT_BANNER;
	h->cookie = cookie_c;
	h->lists = client_lists;
	buf_cstr(&h->b, CLIENT_BANNER "\r\n");
	h->banner_len = h->b.len;
	build_kexinit(&p, cookie_c, client_lists);
	hs_msg(h, &p);
	p.len = 0;
	/* KEX_ECDH_INIT (RFC 5656 4): string Q_C. */
	memset(q, 0x42, sizeof(q));
	buf_u8(&p, 30);
	buf_sstr(&p, q, sizeof(q));
	hs_msg(h, &p);
	p.len = 0;
	buf_u8(&p, KX_MSG_NEWKEYS);
	hs_msg(h, &p);
	hs_ciphertext(h);
	buf_free(&p);
}

static void
build_server(struct hs *h, bool prebanner)
{
	struct buf p = { 0 };
	uint8_t blob[600];

	memset(h, 0, sizeof(*h));
	h->banner = SERVER_BANNER;
	h->cookie = cookie_s;
	h->lists = server_lists;
	if (prebanner)
		buf_cstr(&h->b, "Authorized uses only.\r\n\r\n");
	buf_cstr(&h->b, SERVER_BANNER "\r\n");
	h->banner_len = h->b.len;
	build_kexinit(&p, cookie_s, server_lists);
	hs_msg(h, &p);
	p.len = 0;
	/* KEX_ECDH_REPLY (RFC 5656 4): host key, Q_S, signature. */
	memset(blob, 0x17, sizeof(blob));
	buf_u8(&p, 31);
	buf_sstr(&p, blob, 51);
	buf_sstr(&p, blob, 32);
	buf_sstr(&p, blob, 83);
	hs_msg(h, &p);
	p.len = 0;
	buf_u8(&p, KX_MSG_NEWKEYS);
	hs_msg(h, &p);
	hs_ciphertext(h);
	buf_free(&p);
}

/* A server that sends what a handshake may carry besides the essentials,
 * and a few things it should not. */
static void
build_noisy(struct hs *h)
{
	static const uint8_t odd[] = { 5, 50, 0 };
	struct buf p = { 0 };
	unsigned i;

	memset(h, 0, sizeof(*h));
	h->banner = "SSH-2.0-noisy";
	h->cookie = cookie_s;
	h->lists = server_lists;
	buf_cstr(&h->b, "banner text\r\nSSH-2.0-noisy\n");
	h->banner_len = h->b.len;
	buf_u8(&p, KX_MSG_IGNORE);
	buf_sstr(&p, "padding", 7);
	hs_msg(h, &p);
	p.len = 0;
	build_kexinit(&p, cookie_s, server_lists);
	hs_msg(h, &p);
	p.len = 0;
	buf_u8(&p, KX_MSG_DEBUG);
	buf_u8(&p, 1);
	buf_sstr(&p, "hello", 5);
	buf_sstr(&p, "", 0);
	hs_msg(h, &p);
	for (i = 0; i < sizeof(odd); i++) {
		p.len = 0;
		buf_u8(&p, odd[i]);
		hs_msg(h, &p);
	}
	p.len = 0;
	buf_u8(&p, KX_MSG_DISCONNECT);
	buf_u32(&p, 11);
	buf_sstr(&p, "bye", 3);
	buf_sstr(&p, "", 0);
	hs_msg(h, &p);
	p.len = 0;
	buf_u8(&p, KX_MSG_NEWKEYS);
	hs_msg(h, &p);
	hs_ciphertext(h);
	h->anomalies = ANOM(SSH_BANNER_NO_CR) | ANOM(SSH_MSG_UNEXPECTED);
	buf_free(&p);
}

/* ---- feeding ---- */

static uint32_t
rng_next(uint32_t *x)
{
	/* xorshift32: reproducible across platforms, unlike rand(). */
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

enum chunking { WHOLE, BYTES, RANDOM };

/* Acts as the caller: each call gets the unconsumed bytes plus the next
 * chunk, until the parser stops asking for more. */
static enum kx_status
feed_stream(struct kx_ssh_side *s, const uint8_t *d, size_t len,
    enum chunking how, uint32_t seed, size_t *consumed)
{
	size_t start = 0, end = 0, used, n;
	uint32_t rng = seed | 1;
	enum kx_status st;

	do {
		switch (how) {
		case WHOLE:
			n = len;
			break;
		case BYTES:
			n = 1;
			break;
		default:
			n = rng_next(&rng) % 4 == 0 ?
			    1 + rng_next(&rng) % 700 : 1 + rng_next(&rng) % 9;
			break;
		}
		end = len - end < n ? len : end + n;
		st = feed_exact(s, d + start, end - start, &used);
		start += used;
	} while (st == KX_NEED_MORE && end < len);
	*consumed = start;
	return st;
}

/* ---- checks ---- */

static void
assert_kexinit_equal(const struct kx_kexinit *a, const struct kx_kexinit *b)
{
	int i;

	assert_int_equal(a->raw_len, b->raw_len);
	assert_memory_equal(a->raw, b->raw, a->raw_len);
	assert_memory_equal(a->cookie, b->cookie, 16);
	for (i = 0; i < KX_PROP_MAX; i++) {
		assert_int_equal(a->list[i].len, b->list[i].len);
		assert_int_equal(a->list[i].count, b->list[i].count);
		assert_int_equal(a->list[i].p - a->raw, b->list[i].p - b->raw);
	}
	assert_int_equal(a->first_kex_follows, b->first_kex_follows);
	assert_int_equal(a->reserved, b->reserved);
}

static void
assert_sides_equal(const struct kx_ssh_side *a, const struct kx_ssh_side *b)
{
	uint32_t i;

	assert_int_equal(a->is_server, b->is_server);
	assert_int_equal(a->state, b->state);
	assert_int_equal(a->prebanner_lines, b->prebanner_lines);
	assert_int_equal(a->prebanner_first_len, b->prebanner_first_len);
	assert_memory_equal(a->prebanner_first, b->prebanner_first,
	    a->prebanner_first_len + 1u);
	assert_int_equal(a->have_banner, b->have_banner);
	assert_int_equal(a->banner_len, b->banner_len);
	assert_memory_equal(a->banner, b->banner, a->banner_len);
	assert_int_equal(a->banner_truncated, b->banner_truncated);
	assert_int_equal(a->proto_off, b->proto_off);
	assert_int_equal(a->proto_len, b->proto_len);
	assert_int_equal(a->soft_off, b->soft_off);
	assert_int_equal(a->soft_len, b->soft_len);
	assert_int_equal(a->comments_off, b->comments_off);
	assert_int_equal(a->comments_len, b->comments_len);
	assert_int_equal(a->proto_major, b->proto_major);
	assert_int_equal(a->proto_minor, b->proto_minor);
	assert_int_equal(a->kexinit == NULL, b->kexinit == NULL);
	if (a->kexinit != NULL)
		assert_kexinit_equal(a->kexinit, b->kexinit);
	assert_int_equal(a->kexinit_count, b->kexinit_count);
	assert_int_equal(a->msg_count, b->msg_count);
	for (i = 0; i < a->msg_count && i < KX_MSGLOG_MAX; i++) {
		assert_int_equal(a->msglog[i].code, b->msglog[i].code);
		assert_int_equal(a->msglog[i].size, b->msglog[i].size);
	}
	assert_int_equal(a->last_msg, b->last_msg);
	assert_int_equal(a->newkeys, b->newkeys);
	assert_int_equal(a->have_disconnect, b->have_disconnect);
	assert_int_equal(a->disc_reason, b->disc_reason);
	assert_int_equal(a->disc_desc_len, b->disc_desc_len);
	assert_memory_equal(a->disc_desc, b->disc_desc, a->disc_desc_len);
	assert_int_equal(a->bytes_parsed, b->bytes_parsed);
	assert_true(a->anomalies == b->anomalies);
}

static void
assert_lists(const struct kx_kexinit *k, const uint8_t *cookie,
    const char *const *lists)
{
	int i;

	assert_non_null(k);
	assert_memory_equal(k->cookie, cookie, 16);
	for (i = 0; i < KX_PROP_MAX; i++) {
		assert_int_equal(k->list[i].len, strlen(lists[i]));
		assert_memory_equal(k->list[i].p, lists[i], k->list[i].len);
	}
}

/* The facts a complete, valid handshake must give. */
static void
assert_handshake(const struct kx_ssh_side *s, const struct hs *h)
{
	unsigned i;

	assert_int_equal(s->state, KX_SSH_ENCRYPTED);
	assert_true(s->newkeys);
	assert_true(s->anomalies == h->anomalies);
	assert_int_equal(s->bytes_parsed, h->hs_len);
	assert_int_equal(s->banner_len, strlen(h->banner));
	assert_memory_equal(s->banner, h->banner, s->banner_len);
	assert_int_equal(s->kexinit_count, 1);
	assert_lists(s->kexinit, h->cookie, h->lists);
	assert_int_equal(s->msg_count, h->nmsg);
	for (i = 0; i < h->nmsg; i++) {
		assert_int_equal(s->msglog[i].code, h->codes[i]);
		assert_int_equal(s->msglog[i].size, h->sizes[i]);
	}
	assert_int_equal(s->last_msg, KX_MSG_NEWKEYS);
}

/* ---- handshakes ---- */

static void
test_client_handshake(void **state)
{
	struct kx_ssh_side s;
	struct hs h;
	size_t used;

	build_client(&h);
	kx_ssh_side_init(&s, false);
	assert_int_equal(feed_exact(&s, h.b.p, h.b.len, &used), KX_OK);
	assert_int_equal(used, h.hs_len);
	assert_handshake(&s, &h);
	assert_int_equal(s.kexinit->list[KX_PROP_KEX].count, 7);
	assert_int_equal(s.kexinit->list[KX_PROP_LANG_C2S].count, 0);
	assert_false(s.kexinit->first_kex_follows);
	assert_false(s.have_disconnect);
	/* The ciphertext is not for the parser: it takes none of it. */
	assert_int_equal(feed_exact(&s, h.b.p + used, h.b.len - used, &used),
	    KX_OK);
	assert_int_equal(used, 0);
	assert_int_equal(s.bytes_parsed, h.hs_len);
	kx_ssh_side_free(&s);
	buf_free(&h.b);
}

static void
test_server_handshake(void **state)
{
	struct kx_ssh_side s;
	struct hs h;
	size_t used;

	build_server(&h, false);
	kx_ssh_side_init(&s, true);
	assert_int_equal(feed_exact(&s, h.b.p, h.b.len, &used), KX_OK);
	assert_int_equal(used, h.hs_len);
	assert_handshake(&s, &h);
	assert_int_equal(s.msglog[1].code, 31);
	assert_int_equal(s.prebanner_lines, 0);
	kx_ssh_side_free(&s);
	buf_free(&h.b);
}

static void
test_server_prebanner_handshake(void **state)
{
	struct kx_ssh_side s;
	struct hs h;
	size_t used;

	build_server(&h, true);
	kx_ssh_side_init(&s, true);
	assert_int_equal(feed_exact(&s, h.b.p, h.b.len, &used), KX_OK);
	assert_handshake(&s, &h);
	assert_int_equal(s.prebanner_lines, 2);
	assert_string_equal(s.prebanner_first, "Authorized uses only.");
	kx_ssh_side_free(&s);
	buf_free(&h.b);
}

static void
test_noisy_handshake(void **state)
{
	struct kx_ssh_side s;
	struct hs h;
	size_t used;

	build_noisy(&h);
	kx_ssh_side_init(&s, true);
	assert_int_equal(feed_exact(&s, h.b.p, h.b.len, &used), KX_OK);
	assert_handshake(&s, &h);
	assert_true(s.have_disconnect);
	assert_int_equal(s.disc_reason, 11);
	assert_int_equal(s.disc_desc_len, 3);
	assert_memory_equal(s.disc_desc, "bye", 3);
	kx_ssh_side_free(&s);
	buf_free(&h.b);
}

static void
build_any(struct hs *h, int which)
{
	switch (which) {
	case 0:
		build_client(h);
		break;
	case 1:
		build_server(h, false);
		break;
	case 2:
		build_server(h, true);
		break;
	default:
		build_noisy(h);
		break;
	}
}

static void
test_chunking_gives_same_result(void **state)
{
	struct kx_ssh_side ref, s;
	size_t used_ref, used;
	uint32_t seed;
	struct hs h;
	int which;

	for (which = 0; which < 4; which++) {
		build_any(&h, which);
		kx_ssh_side_init(&ref, which != 0);
		assert_int_equal(feed_stream(&ref, h.b.p, h.b.len, WHOLE, 0,
		    &used_ref), KX_OK);
		assert_handshake(&ref, &h);

		kx_ssh_side_init(&s, which != 0);
		assert_int_equal(feed_stream(&s, h.b.p, h.b.len, BYTES, 0,
		    &used), KX_OK);
		assert_int_equal(used, used_ref);
		assert_sides_equal(&s, &ref);
		kx_ssh_side_free(&s);

		for (seed = 1; seed <= 64; seed++) {
			kx_ssh_side_init(&s, which != 0);
			assert_int_equal(feed_stream(&s, h.b.p, h.b.len,
			    RANDOM, seed * 2654435761u, &used), KX_OK);
			assert_int_equal(used, used_ref);
			assert_sides_equal(&s, &ref);
			kx_ssh_side_free(&s);
		}
		kx_ssh_side_free(&ref);
		buf_free(&h.b);
	}
}

/* What a prefix of a valid handshake may show: only true facts, no verdict. */
static void
assert_prefix_facts(const struct kx_ssh_side *s, const struct hs *h,
    size_t n)
{
	uint32_t i;

	assert_true(s->state == KX_SSH_BANNER || s->state == KX_SSH_PACKETS);
	assert_false(s->newkeys);
	assert_true(s->anomalies == (h->anomalies & s->anomalies));
	assert_true(s->bytes_parsed <= n);
	if (s->have_banner) {
		assert_int_equal(s->banner_len, strlen(h->banner));
		assert_memory_equal(s->banner, h->banner, s->banner_len);
	}
	if (n < h->banner_len)
		assert_false(s->have_banner);
	if (s->kexinit != NULL)
		assert_lists(s->kexinit, h->cookie, h->lists);
	assert_true(s->msg_count < h->nmsg);
	for (i = 0; i < s->msg_count; i++) {
		assert_int_equal(s->msglog[i].code, h->codes[i]);
		assert_int_equal(s->msglog[i].size, h->sizes[i]);
	}
}

static void
test_truncation_sweep(void **state)
{
	struct kx_ssh_side s;
	size_t n, used, start;
	struct hs h;
	int which;

	for (which = 0; which < 4; which++) {
		build_any(&h, which);
		for (n = 0; n < h.hs_len; n++) {
			kx_ssh_side_init(&s, which != 0);
			assert_int_equal(feed_exact(&s, h.b.p, n, &used),
			    KX_NEED_MORE);
			assert_prefix_facts(&s, &h, n);
			kx_ssh_side_free(&s);
		}
		/* Growing one byte at a time, every step but the last asks
		 * for more, and what is known never goes back. */
		kx_ssh_side_init(&s, which != 0);
		start = 0;
		for (n = 1; n <= h.hs_len; n++) {
			enum kx_status st = feed_exact(&s, h.b.p + start,
			    n - start, &used);

			start += used;
			if (n < h.hs_len) {
				assert_int_equal(st, KX_NEED_MORE);
				assert_prefix_facts(&s, &h, n);
			} else {
				assert_int_equal(st, KX_OK);
				assert_handshake(&s, &h);
			}
		}
		kx_ssh_side_free(&s);
		buf_free(&h.b);
	}
}

static void
test_bitflips_never_crash(void **state)
{
	struct kx_ssh_side a, b;
	enum kx_status st_a, st_b;
	size_t used_a, used_b, pos, span;
	uint32_t rng = 0x6b657872u, iter, flips;
	uint8_t *copy;
	struct hs h;

	for (iter = 0; iter < 4000; iter++) {
		build_any(&h, (int)(iter % 4));
		copy = h.b.p;
		/* Half the time aim at the banner and the first packet
		 * header, where one bit changes the most. */
		span = iter % 2 == 0 ? h.hs_len : h.banner_len + 6;
		for (flips = 1 + rng_next(&rng) % 4; flips > 0; flips--) {
			pos = rng_next(&rng) % span;
			copy[pos] ^= (uint8_t)(1u << (rng_next(&rng) % 8));
		}
		kx_ssh_side_init(&a, iter % 2 == 0);
		kx_ssh_side_init(&b, iter % 2 == 0);
		st_a = feed_stream(&a, copy, h.b.len, WHOLE, 0, &used_a);
		st_b = feed_stream(&b, copy, h.b.len, RANDOM, rng_next(&rng),
		    &used_b);
		/* Whatever the bytes, chunking changes nothing. */
		assert_int_equal(st_a, st_b);
		assert_int_equal(used_a, used_b);
		assert_sides_equal(&a, &b);
		switch (st_a) {
		case KX_OK:
			assert_int_equal(a.state, KX_SSH_ENCRYPTED);
			break;
		case KX_NEED_MORE:
			assert_true(a.state == KX_SSH_BANNER ||
			    a.state == KX_SSH_PACKETS);
			break;
		case KX_MALFORMED:
		case KX_LIMIT:
		case KX_UNSUPPORTED:
			assert_int_equal(a.state, KX_SSH_STOPPED);
			break;
		default:
			fail();
		}
		kx_ssh_side_free(&a);
		kx_ssh_side_free(&b);
		buf_free(&h.b);
	}
}

/* ---- framing ---- */

#define BANNER "SSH-2.0-t\r\n"

static void
start_stream(struct buf *b)
{
	memset(b, 0, sizeof(*b));
	buf_cstr(b, BANNER);
}

static void
test_bad_length_stops_at_once(void **state)
{
	static const uint32_t bad[] = { 0, 1, 4, KX_SSH_PACKET_MAX + 1,
	    0x80000000u, 0xffffffffu };
	struct kx_ssh_side s;
	struct buf b;
	size_t i, used;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		start_stream(&b);
		buf_u32(&b, bad[i]);
		kx_ssh_side_init(&s, false);
		/* Nothing but the length word: no waiting for 4 GiB. */
		assert_int_equal(feed_exact(&s, b.p, b.len, &used),
		    KX_MALFORMED);
		assert_int_equal(used, strlen(BANNER));
		assert_int_equal(s.state, KX_SSH_STOPPED);
		assert_true(s.anomalies == ANOM(SSH_PACKET_BAD_LENGTH));
		assert_int_equal(s.msg_count, 0);
		assert_int_equal(feed_exact(&s, b.p + used, b.len - used,
		    &used), KX_MALFORMED);
		assert_int_equal(used, 0);
		kx_ssh_side_free(&s);
		buf_free(&b);
	}
}

static void
test_max_length_waits(void **state)
{
	struct kx_ssh_side s;
	struct buf b;
	size_t used;

	start_stream(&b);
	buf_u32(&b, KX_SSH_PACKET_MAX);
	buf_u8(&b, 4);
	kx_ssh_side_init(&s, false);
	assert_int_equal(feed_exact(&s, b.p, b.len, &used), KX_NEED_MORE);
	assert_int_equal(used, strlen(BANNER));
	buf_put(&b, (const uint8_t[]){ KX_MSG_IGNORE }, 1);
	buf_fill(&b, 0, KX_SSH_PACKET_MAX - 2);
	assert_int_equal(feed_exact(&s, b.p + used, b.len - used, &used),
	    KX_NEED_MORE);
	assert_int_equal(used, 4 + KX_SSH_PACKET_MAX);
	/* The largest length allowed is itself off the 8-byte grid. */
	assert_true(s.anomalies == ANOM(SSH_PACKET_UNALIGNED));
	assert_int_equal(s.msglog[0].size, KX_SSH_PACKET_MAX - 5);
	kx_ssh_side_free(&s);
	buf_free(&b);
}

static void
test_min_packet_flags_padding(void **state)
{
	static const uint8_t ignore = KX_MSG_IGNORE;
	struct kx_ssh_side s;
	struct buf b;
	size_t used;

	start_stream(&b);
	frame_raw(&b, KX_SSH_PACKET_MIN, 3, &ignore, 1);
	frame_code(&b, KX_MSG_NEWKEYS);
	kx_ssh_side_init(&s, false);
	assert_int_equal(feed_exact(&s, b.p, b.len, &used), KX_OK);
	assert_int_equal(used, b.len);
	assert_true(s.anomalies == (ANOM(SSH_PACKET_BAD_PADDING) |
	    ANOM(SSH_PACKET_UNALIGNED)));
	assert_int_equal(s.msg_count, 2);
	assert_int_equal(s.msglog[0].code, KX_MSG_IGNORE);
	assert_int_equal(s.msglog[0].size, 1);
	kx_ssh_side_free(&s);
	buf_free(&b);
}

static void
test_padding_too_large_stops(void **state)
{
	/* padding_length >= packet_length, and the case that leaves no
	 * payload byte for the message code. */
	static const uint8_t padlens[] = { 12, 200, 255, 11 };
	struct kx_ssh_side s;
	struct buf b;
	size_t i, used;

	for (i = 0; i < sizeof(padlens); i++) {
		start_stream(&b);
		buf_u32(&b, 12);
		buf_u8(&b, padlens[i]);
		kx_ssh_side_init(&s, true);
		/* Judged as soon as padding_length is there. */
		assert_int_equal(feed_exact(&s, b.p, b.len, &used),
		    KX_MALFORMED);
		assert_int_equal(used, strlen(BANNER));
		assert_int_equal(s.state, KX_SSH_STOPPED);
		assert_true(s.anomalies == ANOM(SSH_PACKET_BAD_PADDING));
		assert_int_equal(s.msg_count, 0);
		kx_ssh_side_free(&s);
		buf_free(&b);
	}
	/* One payload byte is enough. */
	start_stream(&b);
	frame_raw(&b, 12, 10, (const uint8_t[]){ KX_MSG_IGNORE }, 1);
	kx_ssh_side_init(&s, true);
	assert_int_equal(feed_exact(&s, b.p, b.len, &used), KX_NEED_MORE);
	assert_int_equal(used, b.len);
	assert_true(s.anomalies == 0);
	kx_ssh_side_free(&s);
	buf_free(&b);
}

static void
test_unaligned_continues(void **state)
{
	static const uint8_t payload[] = { KX_MSG_IGNORE, 0, 0, 0, 0 };
	struct kx_ssh_side s;
	struct buf b;
	size_t used;

	start_stream(&b);
	/* 4 + 13 = 17 bytes: padding is long enough, alignment is not. */
	frame_raw(&b, 13, 7, payload, sizeof(payload));
	frame_code(&b, KX_MSG_NEWKEYS);
	kx_ssh_side_init(&s, false);
	assert_int_equal(feed_exact(&s, b.p, b.len, &used), KX_OK);
	assert_true(s.anomalies == ANOM(SSH_PACKET_UNALIGNED));
	assert_int_equal(s.msglog[0].size, 5);
	kx_ssh_side_free(&s);
	buf_free(&b);
}

/* ---- messages ---- */

static void
feed_payloads(struct kx_ssh_side *s, const struct buf *payloads, size_t n,
    enum kx_status want)
{
	struct buf b;
	size_t i, used;

	start_stream(&b);
	for (i = 0; i < n; i++)
		frame(&b, payloads[i].p, payloads[i].len);
	kx_ssh_side_init(s, true);
	assert_int_equal(feed_exact(s, b.p, b.len, &used), want);
	if (want == KX_NEED_MORE)
		assert_int_equal(used, b.len);
	buf_free(&b);
}

static void
test_disconnect(void **state)
{
	static const char text[] = "no matching host key type found";
	struct kx_ssh_side s;
	struct buf p = { 0 };

	buf_u8(&p, KX_MSG_DISCONNECT);
	buf_u32(&p, 3);
	buf_sstr(&p, text, strlen(text));
	buf_sstr(&p, "en", 2);
	feed_payloads(&s, &p, 1, KX_NEED_MORE);
	assert_true(s.have_disconnect);
	assert_int_equal(s.disc_reason, 3);
	assert_string_equal(kx_ssh_disconnect_reason_name(s.disc_reason),
	    "KEY_EXCHANGE_FAILED");
	assert_int_equal(s.disc_desc_len, strlen(text));
	assert_memory_equal(s.disc_desc, text, strlen(text));
	assert_true(s.anomalies == 0);
	assert_int_equal(s.state, KX_SSH_PACKETS);
	assert_int_equal(s.last_msg, KX_MSG_DISCONNECT);
	kx_ssh_side_free(&s);
	buf_free(&p);
}

static void
test_disconnect_long_text_capped(void **state)
{
	struct kx_ssh_side s;
	struct buf p = { 0 }, text = { 0 };

	buf_fill(&text, 'd', 400);
	buf_u8(&p, KX_MSG_DISCONNECT);
	buf_u32(&p, 2);
	buf_sstr(&p, text.p, text.len);
	buf_sstr(&p, "", 0);
	feed_payloads(&s, &p, 1, KX_NEED_MORE);
	assert_int_equal(s.disc_desc_len, KX_DISC_DESC_KEEP);
	assert_memory_equal(s.disc_desc, text.p, KX_DISC_DESC_KEEP);
	assert_true(s.anomalies == 0);
	kx_ssh_side_free(&s);
	buf_free(&p);
	buf_free(&text);
}

static void
test_disconnect_overruns(void **state)
{
	struct kx_ssh_side s;
	struct buf p[2] = { { 0 }, { 0 } };

	/* Description claims 1000 bytes inside a small packet. */
	buf_u8(&p[0], KX_MSG_DISCONNECT);
	buf_u32(&p[0], 2);
	buf_u32(&p[0], 1000);
	buf_cstr(&p[0], "short");
	feed_payloads(&s, p, 1, KX_NEED_MORE);
	assert_true(s.anomalies == ANOM(SSH_MSG_MALFORMED));
	assert_true(s.have_disconnect);
	assert_int_equal(s.disc_reason, 2);
	assert_int_equal(s.disc_desc_len, 0);
	assert_int_equal(s.msg_count, 1);
	kx_ssh_side_free(&s);

	/* Language tag overruns: the description is still good. */
	p[0].len = 0;
	buf_u8(&p[0], KX_MSG_DISCONNECT);
	buf_u32(&p[0], 14);
	buf_sstr(&p[0], "bye", 3);
	buf_u32(&p[0], 0xffffffffu);
	feed_payloads(&s, p, 1, KX_NEED_MORE);
	assert_true(s.anomalies == ANOM(SSH_MSG_MALFORMED));
	assert_int_equal(s.disc_desc_len, 3);
	kx_ssh_side_free(&s);

	/* Not even the reason code. */
	p[0].len = 0;
	buf_u8(&p[0], KX_MSG_DISCONNECT);
	buf_u8(&p[0], 0);
	feed_payloads(&s, p, 1, KX_NEED_MORE);
	assert_true(s.anomalies == ANOM(SSH_MSG_MALFORMED));
	assert_false(s.have_disconnect);
	kx_ssh_side_free(&s);

	/* A second DISCONNECT does not replace the first. */
	p[0].len = 0;
	buf_u8(&p[0], KX_MSG_DISCONNECT);
	buf_u32(&p[0], 7);
	buf_sstr(&p[0], "first", 5);
	buf_sstr(&p[0], "", 0);
	buf_u8(&p[1], KX_MSG_DISCONNECT);
	buf_u32(&p[1], 8);
	buf_sstr(&p[1], "second", 6);
	buf_sstr(&p[1], "", 0);
	feed_payloads(&s, p, 2, KX_NEED_MORE);
	assert_int_equal(s.disc_reason, 7);
	assert_memory_equal(s.disc_desc, "first", 5);
	assert_int_equal(s.msg_count, 2);
	kx_ssh_side_free(&s);
	buf_free(&p[0]);
	buf_free(&p[1]);
}

static void
test_expected_messages_quiet(void **state)
{
	static const uint8_t codes[] = { KX_MSG_IGNORE, KX_MSG_DEBUG,
	    KX_MSG_UNIMPLEMENTED, 30, 31, 32, 33, 34, 40, 49 };
	struct buf p[sizeof(codes)];
	struct kx_ssh_side s;
	size_t i;

	memset(p, 0, sizeof(p));
	for (i = 0; i < sizeof(codes); i++) {
		buf_u8(&p[i], codes[i]);
		buf_fill(&p[i], 0, i);
	}
	feed_payloads(&s, p, sizeof(codes), KX_NEED_MORE);
	assert_true(s.anomalies == 0);
	assert_int_equal(s.msg_count, sizeof(codes));
	for (i = 0; i < sizeof(codes); i++) {
		assert_int_equal(s.msglog[i].code, codes[i]);
		assert_int_equal(s.msglog[i].size, i + 1);
		buf_free(&p[i]);
	}
	assert_int_equal(s.last_msg, 49);
	kx_ssh_side_free(&s);
}

static void
test_unexpected_messages(void **state)
{
	static const uint8_t codes[] = { 0, KX_MSG_SERVICE_REQUEST,
	    KX_MSG_SERVICE_ACCEPT, KX_MSG_EXT_INFO, 8, 19, 22, 29, 50, 60, 94,
	    255 };
	struct kx_ssh_side s;
	struct buf p = { 0 };
	size_t i;

	for (i = 0; i < sizeof(codes); i++) {
		p.len = 0;
		buf_u8(&p, codes[i]);
		feed_payloads(&s, &p, 1, KX_NEED_MORE);
		assert_true(s.anomalies == ANOM(SSH_MSG_UNEXPECTED));
		assert_int_equal(s.msg_count, 1);
		assert_int_equal(s.last_msg, codes[i]);
		assert_int_equal(s.state, KX_SSH_PACKETS);
		kx_ssh_side_free(&s);
	}
	buf_free(&p);
}

static void
test_msglog_cap(void **state)
{
	struct buf p[KX_MSGLOG_MAX + 8];
	struct kx_ssh_side s;
	size_t i, n = KX_MSGLOG_MAX + 8;

	memset(p, 0, sizeof(p));
	for (i = 0; i < n; i++) {
		buf_u8(&p[i], i + 1 == n ? KX_MSG_DEBUG : KX_MSG_IGNORE);
		buf_fill(&p[i], 0, i % 5);
	}
	feed_payloads(&s, p, n, KX_NEED_MORE);
	assert_int_equal(s.msg_count, n);
	for (i = 0; i < KX_MSGLOG_MAX; i++) {
		assert_int_equal(s.msglog[i].code, KX_MSG_IGNORE);
		assert_int_equal(s.msglog[i].size, 1 + i % 5);
	}
	assert_int_equal(s.last_msg, KX_MSG_DEBUG);
	assert_true(s.anomalies == 0);
	for (i = 0; i < n; i++)
		buf_free(&p[i]);
	kx_ssh_side_free(&s);
}

static void
test_kexinit_repeated(void **state)
{
	struct buf p[3] = { { 0 }, { 0 }, { 0 } };
	struct kx_ssh_side s;

	build_kexinit(&p[0], cookie_s, server_lists);
	build_kexinit(&p[1], cookie_c, client_lists);
	buf_u8(&p[2], KX_MSG_NEWKEYS);
	feed_payloads(&s, p, 3, KX_OK);
	assert_true(s.anomalies == ANOM(SSH_KEXINIT_REPEATED));
	assert_int_equal(s.kexinit_count, 2);
	/* The first one is the one the peer negotiated with. */
	assert_lists(s.kexinit, cookie_s, server_lists);
	assert_int_equal(s.msg_count, 3);
	kx_ssh_side_free(&s);
	kx_ssh_side_free(&s);
	buf_free(&p[0]);
	buf_free(&p[1]);
	buf_free(&p[2]);
}

static void
test_kexinit_malformed_side_continues(void **state)
{
	struct buf p[3] = { { 0 }, { 0 }, { 0 } };
	struct kx_ssh_side s;

	buf_u8(&p[0], KX_MSG_KEXINIT);
	buf_fill(&p[0], 1, 16);
	buf_sstr(&p[0], "curve25519-sha256", 17);
	buf_u32(&p[0], 5000);   /* host key list overruns the packet */
	buf_cstr(&p[0], "ssh-ed25519");
	buf_u8(&p[1], KX_MSG_NEWKEYS);
	feed_payloads(&s, p, 2, KX_OK);
	assert_true(s.anomalies == ANOM(SSH_KEXINIT_MALFORMED));
	assert_null(s.kexinit);
	assert_int_equal(s.kexinit_count, 1);
	assert_true(s.newkeys);
	kx_ssh_side_free(&s);

	/* A good KEXINIT after a broken one is still a second one: the peer
	 * negotiated (or failed) on the first. */
	build_kexinit(&p[2], cookie_s, server_lists);
	feed_payloads(&s, (const struct buf[]){ p[0], p[2], p[1] }, 3, KX_OK);
	assert_true(s.anomalies == (ANOM(SSH_KEXINIT_MALFORMED) |
	    ANOM(SSH_KEXINIT_REPEATED)));
	assert_null(s.kexinit);
	assert_int_equal(s.kexinit_count, 2);
	kx_ssh_side_free(&s);
	buf_free(&p[0]);
	buf_free(&p[1]);
	buf_free(&p[2]);
}

static void
test_ssh1_99_server_packets(void **state)
{
	struct kx_ssh_side s;
	struct buf b = { 0 }, p = { 0 };
	size_t used;

	buf_cstr(&b, "SSH-1.99-OpenSSH_3.9p1\r\n");
	build_kexinit(&p, cookie_s, server_lists);
	frame(&b, p.p, p.len);
	frame_code(&b, KX_MSG_NEWKEYS);
	kx_ssh_side_init(&s, true);
	assert_int_equal(feed_exact(&s, b.p, b.len, &used), KX_OK);
	assert_int_equal(used, b.len);
	assert_lists(s.kexinit, cookie_s, server_lists);
	assert_true(s.anomalies == 0);
	kx_ssh_side_free(&s);
	buf_free(&b);
	buf_free(&p);
}

static void
test_stopped_refeed(void **state)
{
	struct kx_ssh_side s;
	size_t used;

	kx_ssh_side_init(&s, true);
	assert_int_equal(feed_exact(&s, "SSH-1.5-x\r\n", 11, &used),
	    KX_UNSUPPORTED);
	assert_int_equal(feed_exact(&s, "SSH-2.0-x\r\n", 11, &used),
	    KX_UNSUPPORTED);
	assert_int_equal(used, 0);
	assert_int_equal(feed_exact(&s, NULL, 0, &used), KX_UNSUPPORTED);
	assert_int_equal(s.bytes_parsed, 11);
	kx_ssh_side_free(&s);
}

static void
test_free_semantics(void **state)
{
	struct kx_ssh_side s;
	struct hs h;
	size_t used;

	kx_ssh_side_init(&s, false);
	kx_ssh_side_free(&s);
	kx_ssh_side_free(&s);
	kx_ssh_side_free(NULL);

	build_client(&h);
	kx_ssh_side_init(&s, false);
	assert_int_equal(feed_exact(&s, h.b.p, h.b.len, &used), KX_OK);
	assert_non_null(s.kexinit);
	kx_ssh_side_free(&s);
	assert_null(s.kexinit);
	kx_ssh_side_free(&s);
	buf_free(&h.b);
}

static void
test_msg_names(void **state)
{
	unsigned c;

	assert_string_equal(kx_ssh_msg_name(1), "DISCONNECT");
	assert_string_equal(kx_ssh_msg_name(2), "IGNORE");
	assert_string_equal(kx_ssh_msg_name(3), "UNIMPLEMENTED");
	assert_string_equal(kx_ssh_msg_name(4), "DEBUG");
	assert_string_equal(kx_ssh_msg_name(5), "SERVICE_REQUEST");
	assert_string_equal(kx_ssh_msg_name(6), "SERVICE_ACCEPT");
	assert_string_equal(kx_ssh_msg_name(7), "EXT_INFO");
	assert_string_equal(kx_ssh_msg_name(20), "KEXINIT");
	assert_string_equal(kx_ssh_msg_name(21), "NEWKEYS");
	assert_string_equal(kx_ssh_msg_name(30), "KEXDH_INIT");
	assert_string_equal(kx_ssh_msg_name(31), "KEXDH_REPLY");
	assert_string_equal(kx_ssh_msg_name(32), "KEX_DH_GEX_INIT");
	assert_string_equal(kx_ssh_msg_name(33), "KEX_DH_GEX_REPLY");
	assert_string_equal(kx_ssh_msg_name(34), "KEX_DH_GEX_REQUEST");
	assert_string_equal(kx_ssh_msg_name(0), "UNKNOWN");
	assert_string_equal(kx_ssh_msg_name(35), "UNKNOWN");
	assert_string_equal(kx_ssh_msg_name(255), "UNKNOWN");
	for (c = 0; c < 256; c++)
		assert_non_null(kx_ssh_msg_name((uint8_t)c));
}

static void
test_disconnect_reason_names(void **state)
{
	uint32_t r;

	assert_string_equal(kx_ssh_disconnect_reason_name(1),
	    "HOST_NOT_ALLOWED_TO_CONNECT");
	assert_string_equal(kx_ssh_disconnect_reason_name(2),
	    "PROTOCOL_ERROR");
	assert_string_equal(kx_ssh_disconnect_reason_name(3),
	    "KEY_EXCHANGE_FAILED");
	assert_string_equal(kx_ssh_disconnect_reason_name(8),
	    "PROTOCOL_VERSION_NOT_SUPPORTED");
	assert_string_equal(kx_ssh_disconnect_reason_name(11),
	    "BY_APPLICATION");
	assert_string_equal(kx_ssh_disconnect_reason_name(15),
	    "ILLEGAL_USER_NAME");
	for (r = 1; r <= 15; r++)
		assert_non_null(kx_ssh_disconnect_reason_name(r));
	assert_null(kx_ssh_disconnect_reason_name(0));
	assert_null(kx_ssh_disconnect_reason_name(16));
	assert_null(kx_ssh_disconnect_reason_name(0xffffffffu));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_client_handshake),
		cmocka_unit_test(test_server_handshake),
		cmocka_unit_test(test_server_prebanner_handshake),
		cmocka_unit_test(test_noisy_handshake),
		cmocka_unit_test(test_chunking_gives_same_result),
		cmocka_unit_test(test_truncation_sweep),
		cmocka_unit_test(test_bitflips_never_crash),
		cmocka_unit_test(test_bad_length_stops_at_once),
		cmocka_unit_test(test_max_length_waits),
		cmocka_unit_test(test_min_packet_flags_padding),
		cmocka_unit_test(test_padding_too_large_stops),
		cmocka_unit_test(test_unaligned_continues),
		cmocka_unit_test(test_disconnect),
		cmocka_unit_test(test_disconnect_long_text_capped),
		cmocka_unit_test(test_disconnect_overruns),
		cmocka_unit_test(test_expected_messages_quiet),
		cmocka_unit_test(test_unexpected_messages),
		cmocka_unit_test(test_msglog_cap),
		cmocka_unit_test(test_kexinit_repeated),
		cmocka_unit_test(test_kexinit_malformed_side_continues),
		cmocka_unit_test(test_ssh1_99_server_packets),
		cmocka_unit_test(test_stopped_refeed),
		cmocka_unit_test(test_free_semantics),
		cmocka_unit_test(test_msg_names),
		cmocka_unit_test(test_disconnect_reason_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
