/* Login outcome and attempts from encrypted segment sizes (infer.h,
 * docs/inference.md). Knowledge of ciphers and MACs is in the two tables;
 * the judgement is one linear walk over the kept segments. */
#include <stddef.h>
#include <string.h>

#include "kexray/analyze/infer.h"

const char *const kx_infer_tri_names[KX_INFER_TRI_MAX] = {
	[KX_INFER_UNKNOWN] = "unknown",
	[KX_INFER_NO] = "false",
	[KX_INFER_YES] = "true",
};

const char *const kx_infer_view_names[KX_INFER_VIEW_MAX] = {
	[KX_INFER_VIEW_SIZES] = "sizes",
	[KX_INFER_VIEW_BOUNDED] = "bounded",
	[KX_INFER_VIEW_LENGTH_CLEAR] = "length_clear",
	[KX_INFER_VIEW_COMPRESSED] = "compressed",
};

const char *const kx_infer_why_names[KX_INFER_WHY_MAX] = {
#define KX_INFER_WHY_NAME(id, name, desc) [KX_INFER_WHY_##id] = name,
	KX_INFER_WHY_LIST(KX_INFER_WHY_NAME)
#undef KX_INFER_WHY_NAME
};

const char *const kx_infer_why_descs[KX_INFER_WHY_MAX] = {
#define KX_INFER_WHY_DESC(id, name, desc) [KX_INFER_WHY_##id] = desc,
	KX_INFER_WHY_LIST(KX_INFER_WHY_DESC)
#undef KX_INFER_WHY_DESC
};

/* Ciphers: the padding multiple (RFC 4253 6: the cipher's block size or
 * 8, whichever is larger) and, for AEAD modes, the tag that replaces the
 * MAC. AES-GCM (RFC 5647 7.3) leaves the length in clear as additional
 * data; chacha20-poly1305@openssh.com (PROTOCOL.chacha20poly1305) encrypts
 * it with a second key, but pads the same way. */
static const struct {
	const char *name;
	uint8_t block;
	uint8_t tag;            /* 0: a MAC follows */
	bool length_clear;      /* for an AEAD cipher */
} ciphers[] = {
	{ "chacha20-poly1305@openssh.com", 8, 16, false },
	{ "aes128-gcm@openssh.com", 16, 16, true },
	{ "aes256-gcm@openssh.com", 16, 16, true },
	{ "aes128-ctr", 16, 0, false },
	{ "aes192-ctr", 16, 0, false },
	{ "aes256-ctr", 16, 0, false },
	{ "aes128-cbc", 16, 0, false },
	{ "aes192-cbc", 16, 0, false },
	{ "aes256-cbc", 16, 0, false },
	{ "rijndael-cbc@lysator.liu.se", 16, 0, false },
	{ "3des-cbc", 8, 0, false },
	{ "3des-ctr", 8, 0, false },
	{ "blowfish-cbc", 8, 0, false },
	{ "cast128-cbc", 8, 0, false },
	{ "arcfour", 8, 0, false },
	{ "arcfour128", 8, 0, false },
	{ "arcfour256", 8, 0, false },
	{ "twofish128-ctr", 16, 0, false },
	{ "twofish256-ctr", 16, 0, false },
};

/* MACs: the bytes appended to each packet; -etm@openssh.com computes
 * the MAC over the encrypted packet and leaves the length in clear
 * (PROTOCOL 1.5), so its padding leaves the length out too. */
static const struct {
	const char *name;
	uint8_t len;
	bool etm;
} macs[] = {
	{ "hmac-sha2-256", 32, false },
	{ "hmac-sha2-512", 64, false },
	{ "hmac-sha1", 20, false },
	{ "hmac-sha1-96", 12, false },
	{ "hmac-md5", 16, false },
	{ "hmac-md5-96", 12, false },
	{ "hmac-ripemd160", 20, false },
	{ "hmac-ripemd160@openssh.com", 20, false },
	{ "umac-64@openssh.com", 8, false },
	{ "umac-128@openssh.com", 16, false },
	{ "hmac-sha2-256-etm@openssh.com", 32, true },
	{ "hmac-sha2-512-etm@openssh.com", 64, true },
	{ "hmac-sha1-etm@openssh.com", 20, true },
	{ "hmac-sha1-96-etm@openssh.com", 12, true },
	{ "hmac-md5-etm@openssh.com", 16, true },
	{ "hmac-md5-96-etm@openssh.com", 12, true },
	{ "umac-64-etm@openssh.com", 8, true },
	{ "umac-128-etm@openssh.com", 16, true },
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static void
side_init(struct kx_infer_side *s, const char *cipher, const char *mac,
    const char *comp)
{
	size_t i;

	memset(s, 0, sizeof(*s));
	s->view = KX_INFER_VIEW_SIZES;
	if (comp != NULL && strcmp(comp, "zlib") == 0) {
		s->view = KX_INFER_VIEW_COMPRESSED;
		return;
	}
	s->delayed_zlib = comp != NULL && strcmp(comp, "zlib@openssh.com") == 0;
	if (cipher == NULL)
		return;
	for (i = 0; i < NELEM(ciphers); i++)
		if (strcmp(cipher, ciphers[i].name) == 0)
			break;
	if (i == NELEM(ciphers))
		return;
	s->block = ciphers[i].block;
	if (ciphers[i].tag != 0) {
		/* AEAD: the negotiated MAC is not used (RFC 5647 5.1). */
		s->tag = ciphers[i].tag;
		s->len_outside = true;
		s->view = ciphers[i].length_clear ? KX_INFER_VIEW_LENGTH_CLEAR :
		    KX_INFER_VIEW_BOUNDED;
		return;
	}
	if (mac == NULL)
		return;
	for (i = 0; i < NELEM(macs); i++)
		if (strcmp(mac, macs[i].name) == 0)
			break;
	if (i == NELEM(macs)) {
		s->block = 0;
		return;
	}
	s->tag = macs[i].len;
	s->len_outside = macs[i].etm;
	s->view = macs[i].etm ? KX_INFER_VIEW_LENGTH_CLEAR : KX_INFER_VIEW_BOUNDED;
}

void
kx_infer_init(struct kx_infer *st,
    const char *cipher_c2s, const char *mac_c2s, const char *comp_c2s,
    const char *cipher_s2c, const char *mac_s2c, const char *comp_s2c)
{
	memset(st, 0, sizeof(*st));
	side_init(&st->side[KX_INFER_C2S], cipher_c2s, mac_c2s, comp_c2s);
	side_init(&st->side[KX_INFER_S2C], cipher_s2c, mac_s2c, comp_s2c);
	st->closer = -1;
}

static bool
known(const struct kx_infer_side *s)
{
	return s->view == KX_INFER_VIEW_BOUNDED ||
	    s->view == KX_INFER_VIEW_LENGTH_CLEAR;
}

static uint32_t
packet_size(const struct kx_infer_side *s, uint32_t n, bool min16)
{
	uint32_t b, need;

	if (!known(s) || n > UINT32_MAX / 2)
		return 0;
	b = s->block;
	/* Padding of at least 4 bytes (RFC 4253 6), the least that makes
	 * the padded part a multiple of b; the length field is part of it
	 * unless the MAC is EtM or the cipher AEAD. */
	need = s->len_outside ? 1 + n + 4 : 4 + 1 + n + 4;
	/* RFC 4253 6's "minimum size of a packet is 16": Dropbear pads the
	 * padded part to 16 bytes at least; OpenSSH does not (it pads a
	 * ChaCha20-Poly1305 USERAUTH_SUCCESS to 8). */
	if (min16 && need < 16)
		need = 16;
	need = (need + b - 1) / b * b;
	return (s->len_outside ? 4 + need : need) + s->tag;
}

uint32_t
kx_infer_packet_size(const struct kx_infer_side *s, uint32_t n)
{
	return packet_size(s, n, false);
}

/* kx_infer_packets_in for a block b that is a power of two, as every SSH
 * cipher's is, in closed form: no division by b and no search (this runs
 * for every encrypted segment). With c the bytes each packet adds mod b
 * and g = gcd(c, b) (c's lowest set bit, or b when c is 0), k packets
 * make size mod b = r only when g divides r; the least such k is
 * (r / g) * (c / g)^-1 mod b / g (b / g when that is 0), and the next
 * every b / g. tests/test_infer.c checks it against the plain search. */
static int
packets_in_pow2(const struct kx_infer_side *s, uint32_t size, uint32_t *kmin,
    uint32_t *kmax)
{
	uint32_t b = s->block, m = b - 1, c, r, g, sh, p, cq, x, k0, most;
	uint32_t smallest = s->len_outside ?
	    4u + ((1u + 1u + 4u + m) & ~m) + s->tag :
	    ((4u + 1u + 1u + 4u + m) & ~m) + s->tag;

	if (size < smallest)
		return 0;
	c = (s->len_outside ? 4u + s->tag : s->tag) & m;
	r = size & m;
	g = c != 0 ? c & (0u - c) : b;
	if ((r & (g - 1u)) != 0)
		return 0;
	sh = (uint32_t)__builtin_ctz(g);
	p = b >> sh;
	cq = c >> sh;            /* odd, or 0 when c is */
	/* Its inverse mod p (at most 128): cq * cq = 1 mod 8 for an odd cq,
	 * and each Newton step doubles the bits that hold. */
	x = cq;
	x *= 2u - cq * x;
	x *= 2u - cq * x;
	k0 = ((r >> sh) * x) & (p - 1u);
	if (k0 == 0)
		k0 = p;
	most = size / smallest;
	if (k0 > most)
		return 0;
	*kmin = k0;
	*kmax = k0 + ((most - k0) & ~(p - 1u));
	return 1;
}

int
kx_infer_packets_in(const struct kx_infer_side *s, uint32_t size,
    uint32_t *kmin, uint32_t *kmax)
{
	uint32_t b, c, r, acc = 0, smallest, most, k0 = 0, period = 0;

	*kmin = *kmax = 0;
	b = s->block;
	if (known(s) && b != 0 && (b & (b - 1)) == 0)
		return packets_in_pow2(s, size, kmin, kmax);
	smallest = kx_infer_packet_size(s, 1);
	if (smallest == 0 || size < smallest)
		return 0;
	/* Each packet adds c (mod b): its tag, and its length field when
	 * that is outside the padding. k packets make size only when
	 * k * c = size (mod b); the least such k is k0, and the next ones
	 * come every period, the least k >= 1 with k * c = 0 (mod b). Both
	 * are within b steps, found by adding c (mod b) step by step: this
	 * runs for every encrypted segment, and a division a step costs
	 * more than the rest of the segment's handling. */
	c = (s->len_outside ? 4u + s->tag : s->tag) % b;
	r = size % b;
	most = size / smallest;
	for (uint32_t k = 1; k <= b; k++) {
		acc += c;
		if (acc >= b)
			acc -= b;
		if (k0 == 0 && k <= most && acc == r)
			k0 = k;
		if (period == 0 && acc == 0)
			period = k;
		if (period != 0 && (k0 != 0 || k >= most))
			break;
	}
	if (k0 == 0)
		return 0;
	*kmin = k0;
	*kmax = k0 + (most - k0) / period * period;
	return 1;
}

/* What kx_infer_packets_in says of one segment: kx_infer_add asks once
 * and hands it on to what else reads the segment. */
struct seg_count {
	int whole;              /* a whole number of packets makes it */
	uint32_t kmin, kmax;    /* 0 when not */
};

static void
seg_count(const struct kx_infer_side *s, uint32_t size, struct seg_count *n)
{
	n->whole = kx_infer_packets_in(s, size, &n->kmin, &n->kmax);
}

/* The payload length if the segment (size, n) is one packet (kmin 1; it
 * may also be more when kmax > 1: the caller decides whether that
 * matters). */
static int
range_of(const struct kx_infer_side *s, uint32_t size,
    const struct seg_count *n, uint32_t *lo, uint32_t *hi)
{
	uint32_t padded, over;

	*lo = *hi = 0;
	if (!n->whole || n->kmin != 1)
		return 0;
	/* padded = padding_length byte + payload + padding (+ the length
	 * field when it is inside the padding). */
	padded = size - s->tag - (s->len_outside ? 4u : 0u);
	over = s->len_outside ? 1u : 5u;
	if (padded < over + 4u + 1u)
		return 0;
	*hi = padded - over - 4u;
	*lo = padded > over + s->block + 3u ? padded - over - (s->block + 3u) : 1u;
	return 1;
}

int
kx_infer_payload_range(const struct kx_infer_side *s, uint32_t size,
    uint32_t *lo, uint32_t *hi)
{
	struct seg_count n;

	seg_count(s, size, &n);
	if (!range_of(s, size, &n, lo, hi) || n.kmax != 1) {
		*lo = *hi = 0;
		return 0;
	}
	return 1;
}

const char *const kx_infer_kind_names[KX_INFER_KIND_MAX] = {
#define KX_INFER_KIND_NAME(id, name, desc) [KX_INFER_KIND_##id] = name,
	KX_INFER_KIND_LIST(KX_INFER_KIND_NAME)
#undef KX_INFER_KIND_NAME
};

const char *const kx_infer_kind_descs[KX_INFER_KIND_MAX] = {
#define KX_INFER_KIND_DESC(id, name, desc) [KX_INFER_KIND_##id] = desc,
	KX_INFER_KIND_LIST(KX_INFER_KIND_DESC)
#undef KX_INFER_KIND_DESC
};

/* Channel structure after the login (docs/inference.md, "Session kind"):
 * a segment that can be one packet big enough for a tcpip CHANNEL_OPEN,
 * answered at once from the other side by one packet that can be the
 * CHANNEL_OPEN_CONFIRMATION, is a tcpip channel opened by its sender; the
 * client's first segment after the login that can be one tcpip-forward
 * GLOBAL_REQUEST (OpenSSH asks for its -R forwards before it opens the
 * session); and the client's request after the session's open, when it
 * can only be one exec (not a shell, not a pty-req with its shell) and the
 * server answers it before the client speaks again. */
static void
after_structure(struct kx_infer *st, enum kx_infer_dir dir, uint32_t size,
    const struct seg_count *n)
{
	struct kx_infer_after *a = &st->after;
	const struct kx_infer_side *s = &st->side[dir];
	uint32_t lo, hi, kmax = n->kmax;
	bool one = range_of(s, size, n, &lo, &hi) != 0;

	if (a->pend_open == 2u - (uint32_t)dir && one && kmax == 1 &&
	    lo <= KX_INFER_OPEN_CONFIRM && hi >= KX_INFER_OPEN_CONFIRM &&
	    a->opened[!dir] < UINT8_MAX)
		a->opened[!dir]++;
	a->pend_open = one && hi >= KX_INFER_TCPIP_OPEN_MIN ? (uint8_t)(1 + dir) : 0;

	switch (a->req) {
	case 0:
		if (dir != KX_INFER_C2S)
			return;
		a->fwd_req = one && kmax == 1 && hi >= KX_INFER_TCPIP_FORWARD_MIN &&
		    lo > KX_INFER_SESSION_OPEN;   /* not a "session" CHANNEL_OPEN */
		a->req = 1;
		return;
	case 1:
		if (dir == KX_INFER_S2C)
			a->req = 2;
		return;
	case 2:
		if (dir != KX_INFER_C2S)
			return;
		/* Not a shell (15), and not a pty-req sent with its shell. */
		a->req = one && lo > KX_INFER_SHELL_REQ &&
		    (kmax == 1 || size < kx_infer_packet_size(s, KX_INFER_PTY_REQ_MIN) +
		    kx_infer_packet_size(s, KX_INFER_SHELL_REQ)) ? 3 : 5;
		return;
	case 3:
		a->req = dir == KX_INFER_S2C ? 4 : 5;
		return;
	default:
		return;
	}
}

/* The login as it passes, by exact sizes only (a simpler walk than
 * kx_infer_judge's: no crossing, no coalescing; a login it misses leaves
 * the kind unknown), then the counters of the session after it. */
static void
after_add(struct kx_infer *st, enum kx_infer_dir dir, uint32_t size,
    uint64_t ts, const struct seg_count *n)
{
	struct kx_infer_after *a = &st->after;
	const struct kx_infer_side *sv = &st->side[KX_INFER_S2C], *s = &st->side[dir];
	uint32_t lo, hi;

	if (!known(sv))
		return;
	switch (a->stage) {
	case 0:     /* the client's SERVICE_REQUEST */
	case 2:     /* a USERAUTH_REQUEST */
		if (dir == KX_INFER_C2S)
			a->stage++;
		return;
	case 1:
		if (dir == KX_INFER_S2C && size == kx_infer_packet_size(sv, 17))
			a->stage = 2;
		return;
	case 3:
		if (dir == KX_INFER_S2C && (size == kx_infer_packet_size(sv, 1) ||
		    size == packet_size(sv, 1, true))) {
			a->stage = 4;
			a->last_ts = ts;
		}
		return;
	default:
		break;
	}
	a->bytes[dir] += size;
	a->segments[dir]++;
	if (known(s) && ts >= a->last_ts + KX_INFER_TYPED_GAP_US &&
	    range_of(s, size, n, &lo, &hi) && n->kmax == 1 &&
	    lo <= KX_INFER_KEYSTROKE_MAX)
		a->typed[dir]++;
	a->last_ts = ts;
	if (st->side[KX_INFER_C2S].delayed_zlib || sv->delayed_zlib ||
	    !known(&st->side[KX_INFER_C2S]))
		a->no_structure = true;
	if (!a->no_structure)
		after_structure(st, dir, size, n);
}

enum kx_infer_kind
kx_infer_kind(const struct kx_infer *st)
{
	const struct kx_infer_after *a = &st->after;
	const uint32_t *t = a->typed;
	const uint64_t *b = a->bytes;

	if (a->stage != 4)
		return KX_INFER_KIND_UNKNOWN;
	if (a->segments[KX_INFER_C2S] == 0)
		return KX_INFER_KIND_NONE;
	if (t[KX_INFER_C2S] >= KX_INFER_TYPED_MIN && t[KX_INFER_C2S] >= 2 * t[KX_INFER_S2C])
		return KX_INFER_KIND_INTERACTIVE;
	if (t[KX_INFER_S2C] >= KX_INFER_TYPED_MIN && t[KX_INFER_S2C] >= 2 * t[KX_INFER_C2S])
		return KX_INFER_KIND_REVERSED;
	if (b[KX_INFER_C2S] >= KX_INFER_BULK_MIN &&
	    b[KX_INFER_C2S] >= KX_INFER_BULK_RATIO * b[KX_INFER_S2C])
		return KX_INFER_KIND_UPLOAD;
	if (b[KX_INFER_S2C] >= KX_INFER_BULK_MIN &&
	    b[KX_INFER_S2C] >= KX_INFER_BULK_RATIO * b[KX_INFER_C2S])
		return KX_INFER_KIND_DOWNLOAD;
	if (a->no_structure)
		return KX_INFER_KIND_OTHER;
	/* Channels opened both ways: neither forwarding is the session. */
	if (a->opened[KX_INFER_S2C] > 0 && a->opened[KX_INFER_C2S] == 0 && a->fwd_req)
		return KX_INFER_KIND_FORWARD_REMOTE;
	if (a->opened[KX_INFER_C2S] > 0 && a->opened[KX_INFER_S2C] == 0)
		return KX_INFER_KIND_FORWARD_LOCAL;
	if (a->opened[KX_INFER_C2S] == 0 && a->opened[KX_INFER_S2C] == 0 &&
	    !a->fwd_req && a->req == 4)
		return KX_INFER_KIND_COMMAND;
	return KX_INFER_KIND_OTHER;
}

void
kx_infer_add(struct kx_infer *st, enum kx_infer_dir dir, uint32_t size,
    uint64_t ts_us)
{
	struct kx_infer_side *s;
	struct seg_count n = { 0, 0, 0 };

	if ((unsigned)dir >= KX_INFER_DIR_MAX || size == 0)
		return;
	s = &st->side[dir];
	if (s->segments == 0 && st->side[!dir].segments == 0)
		st->first_ts = ts_us;
	st->last_ts = ts_us;
	s->segments++;
	s->bytes += size;
	/* Unknown sizes: no whole number, as kx_infer_packets_in says. */
	if (known(s)) {
		seg_count(s, size, &n);
		if (n.whole) {
			s->packets_min += n.kmin;
			s->packets_max += n.kmax;
			if (n.kmax == 1)
				s->one_packet++;
		} else {
			s->inconsistent++;
		}
	}
	after_add(st, dir, size, ts_us, &n);
	if (st->nseg < KX_INFER_SEGS_MAX) {
		st->seg[st->nseg].size = size > KX_INFER_SEG_SIZE_MAX ?
		    KX_INFER_SEG_SIZE_MAX : size;
		st->seg[st->nseg].dir = dir == KX_INFER_S2C;
		st->nseg++;
	} else {
		st->segs_capped = true;
	}
}

void
kx_infer_end(struct kx_infer *st, bool closed, int closer)
{
	st->ended = true;
	st->closed = closed;
	st->closer = closer == KX_INFER_C2S || closer == KX_INFER_S2C ? closer : -1;
}

/* Classes of the server's replies during authentication. */
enum reply { R_FAILURE, R_SUCCESS, R_OTHER };

/* SERVICE_ACCEPT: the server segment of its size after the client's first
 * encrypted segment (SERVICE_REQUEST). A server segment before that one,
 * or one of another size after it, is EXT_INFO (RFC 8308 2.4), which can
 * cross the client's request; when no segment has the size by the
 * client's second segment, SERVICE_ACCEPT shared a segment with EXT_INFO
 * and the first server segment after SERVICE_REQUEST is taken. */
static int
find_service_accept(const struct kx_infer *st, uint32_t sa)
{
	bool client_spoke = false;
	int cand = -1;

	for (uint32_t i = 0; i < st->nseg; i++) {
		const struct kx_infer_seg *g = &st->seg[i];

		if (g->dir == KX_INFER_C2S) {
			if (client_spoke)
				return cand;
			client_spoke = true;
			continue;
		}
		if (!client_spoke)
			continue;
		if (g->size == sa)
			return (int)i;
		if (cand < 0)
			cand = (int)i;
	}
	return -1;
}

/* USERAUTH_FAILURE's size: the most frequent server reply of a failure's
 * possible sizes (the earliest on a tie) before any success. Not simply
 * the first: OpenSSH sends a Banner with its first reply, often in one
 * segment with it. */
static uint32_t
learn_failure(const struct kx_infer *st, int sa_at, uint32_t fmin, uint32_t fmax,
    uint32_t succ, uint32_t succ16)
{
	uint32_t size[KX_INFER_SEGS_MAX], count[KX_INFER_SEGS_MAX], n = 0, best = 0;

	for (uint32_t i = (uint32_t)sa_at + 1; i < st->nseg; i++) {
		const struct kx_infer_seg *g = &st->seg[i];
		uint32_t j;

		if (g->dir != KX_INFER_S2C)
			continue;
		if (g->size == succ || g->size == succ16)
			break;
		if (g->size < fmin || g->size > fmax)
			continue;
		for (j = 0; j < n && size[j] != g->size; j++)
			;
		if (j == n) {
			size[n] = g->size;
			count[n++] = 0;
		}
		count[j]++;
	}
	for (uint32_t j = 1; j < n; j++)
		if (count[j] > count[best])
			best = j;
	return n > 0 ? size[best] : 0;
}

/* The replies' shape (kx_infer_result.replies): one pass over the
 * segments after SERVICE_ACCEPT, up to the success. */
static void
shape(const struct kx_infer *st, int sa_at, uint32_t sa, uint32_t f,
    uint32_t succ, uint32_t succ16, struct kx_infer_result *res)
{
	const struct kx_infer_side *sv = &st->side[KX_INFER_S2C];
	uint32_t n = 0, req = 0, kmin, kmax, lo, hi;
	uint32_t pk_ok = kx_infer_packet_size(sv, KX_INFER_PK_OK_MIN);
	int pending = -1;      /* index in replies of a K or C to confirm */
	bool pend_c = false;

	for (uint32_t i = (uint32_t)sa_at + 1; i < st->nseg &&
	    n < KX_INFER_REPLIES_MAX; i++) {
		const struct kx_infer_seg *g = &st->seg[i];
		char c;

		if (g->dir == KX_INFER_C2S) {
			if (pending >= 0 && pend_c) {
				/* INFO_REQUEST is answered by INFO_RESPONSE. */
				res->replies[pending] = 'C';
				res->challenge = true;
			} else if (pending >= 0) {
				/* PK_OK is answered by the signed request,
				 * larger than the query. */
				res->replies[pending] = g->size > req ? 'K' : 'O';
				res->key_accepted |= g->size > req;
			}
			pending = -1;
			req = g->size;
			continue;
		}
		if (req == 0)
			continue;   /* EXT_INFO after SERVICE_ACCEPT */
		if (g->size == succ || g->size == succ16) {
			res->replies[n++] = 'S';
			break;
		}
		if (f != 0 && (g->size == f || (n == 0 && g->size > f &&
		    kx_infer_packets_in(sv, g->size - f, &kmin, &kmax))))
			c = 'F';
		else if (g->size == sa)
			c = 'A';    /* the service asked for again (paramiko) */
		else if (g->size >= pk_ok && n > 0)
			/* PK_OK if a larger request answers it; never the
			 * first reply (OpenSSH's first request is "none", and
			 * sshd's Banner comes with the first reply). */
			c = '?';
		else if (kx_infer_payload_range(sv, g->size, &lo, &hi))
			c = 'C';
		else
			c = 'O';
		/* Each a guess until the client answers it: a DISCONNECT
		 * at MaxAuthTries is small and one packet too. */
		if (c == '?' || c == 'C') {
			pending = (int)n;
			pend_c = c == 'C';
			c = 'O';
		}
		res->replies[n++] = c;
	}
	res->replies[n] = '\0';
}

void
kx_infer_judge(const struct kx_infer *st, struct kx_infer_result *res)
{
	const struct kx_infer_side *sv = &st->side[KX_INFER_S2C];
	uint32_t succ, succ16, sa, fmin, fmax, kmin, kmax, f;
	uint32_t first_req = 0, larger_req = 0, nreq = 0;
	uint32_t tail_c = 0, tail_s = 0, last_size = 0;
	int sa_at, last_client = -1;
	bool first_reply_failure = false, replied = false;
	bool last_after_request = false;
	enum reply last = R_OTHER;

	memset(res, 0, sizeof(*res));
	res->auth_success = KX_INFER_UNKNOWN;
	res->why = KX_INFER_WHY_NONE;
	res->service_accept = -1;
	res->success_at = -1;
	res->attempts_exact = true;
	if (st->nseg == 0) {
		/* Nothing encrypted: no attempt, if the end was seen. */
		res->attempts_exact = st->ended && st->closed;
		return;
	}
	if (sv->view == KX_INFER_VIEW_COMPRESSED ||
	    st->side[KX_INFER_C2S].view == KX_INFER_VIEW_COMPRESSED) {
		res->why = KX_INFER_WHY_COMPRESSED;
		res->attempts_exact = false;
		return;
	}
	if (!known(sv)) {
		res->why = KX_INFER_WHY_UNKNOWN_CIPHER;
		res->attempts_exact = false;
		return;
	}
	/* Sizes of the fixed server messages (RFC 4252): SERVICE_ACCEPT
	 * "ssh-userauth" (1 + 4 + 12 bytes), USERAUTH_SUCCESS (1 byte), and
	 * the range of a USERAUTH_FAILURE (1 + 4 + list + 1). */
	sa = kx_infer_packet_size(sv, 17);
	succ = kx_infer_packet_size(sv, 1);
	succ16 = packet_size(sv, 1, true);
	fmin = kx_infer_packet_size(sv, 7);
	fmax = kx_infer_packet_size(sv, 6 + KX_INFER_FAILURE_LIST_MAX);

	sa_at = find_service_accept(st, sa);
	res->service_accept = sa_at;
	if (sa_at < 0) {
		res->why = KX_INFER_WHY_NO_SERVICE_ACCEPT;
		res->attempts_exact = false;
		return;
	}
	f = res->failure_size = learn_failure(st, sa_at, fmin, fmax, succ, succ16);
	shape(st, sa_at, sa, f, succ, succ16, res);

	for (uint32_t i = (uint32_t)sa_at + 1; i < st->nseg; i++) {
		const struct kx_infer_seg *g = &st->seg[i];

		if (g->dir == KX_INFER_C2S) {
			if (nreq == 0)
				first_req = g->size;
			else if (g->size > first_req)
				larger_req++;
			nreq++;
			last_client = (int)i;
			tail_c++;
			continue;
		}
		if (nreq == 0)
			continue;   /* EXT_INFO after SERVICE_ACCEPT */
		replied = true;
		tail_s++;
		if (g->size == succ || g->size == succ16) {
			res->success_at = (int)i;
			break;
		}
		/* The failure itself, or, as the first reply, a Banner and the
		 * failure in one segment (sshd sends both on the first request). */
		if (f != 0 && (g->size == f ||
		    (res->failures == 0 && nreq == 1 && g->size > f &&
		    kx_infer_packets_in(sv, g->size - f, &kmin, &kmax)))) {
			if (res->failures == 0 && nreq == 1)
				first_reply_failure = true;
			res->failures++;
			last = R_FAILURE;
			tail_c = tail_s = 0;
		} else {
			last = R_OTHER;
			last_size = g->size;
		}
		last_after_request = last_client >= 0 && (uint32_t)last_client + 1 == i;
	}

	/* OpenSSH's client (and dbclient) first asks with "none", the
	 * smallest request it makes: a first request answered by a failure
	 * and followed by larger ones is that probe, not an attempt. */
	if (first_reply_failure) {
		if (larger_req > 0)
			res->none_probe = true;
		else if (nreq <= 1)
			res->attempts_exact = false;
	}
	res->auth_attempts = res->failures - (res->none_probe ? 1u : 0u);

	if (res->success_at >= 0) {
		res->auth_success = KX_INFER_YES;
		res->why = KX_INFER_WHY_SUCCESS_SIZE;
		res->auth_attempts++;
		return;
	}
	if (!st->ended || !st->closed || st->segs_capped) {
		res->why = KX_INFER_WHY_NOT_CLOSED;
		res->attempts_exact = false;
		return;
	}
	/* MaxAuthTries: sshd answers the last request with DISCONNECT (a
	 * packet of neither size) and the connection closes. Only when that
	 * reply cannot be a USERAUTH_SUCCESS followed by other packets in
	 * the same segment (as OpenSSH 9.6 sends SUCCESS and EXT_INFO). */
	if (last == R_OTHER && last_after_request && tail_s == 1 && tail_c <= 1 &&
	    !(last_size > succ && kx_infer_packets_in(sv, last_size - succ, &kmin, &kmax)) &&
	    !(last_size > succ16 && kx_infer_packets_in(sv, last_size - succ16, &kmin, &kmax))) {
		res->auth_success = KX_INFER_NO;
		res->why = KX_INFER_WHY_DISCONNECT_AFTER_REQUEST;
		res->auth_attempts++;
		return;
	}
	if (!replied || res->failures == 0) {
		res->why = KX_INFER_WHY_NO_REPLY;
		res->attempts_exact = false;
		return;
	}
	/* After the last failure at most the client's own DISCONNECT or one
	 * unanswered request: no session can have run. */
	if (last == R_FAILURE && tail_c <= 1 && tail_s == 0) {
		res->auth_success = KX_INFER_NO;
		res->why = KX_INFER_WHY_FAILURES_THEN_CLOSE;
		return;
	}
	res->why = KX_INFER_WHY_TRAFFIC_AFTER_FAILURE;
	res->attempts_exact = false;
}
