/* Ethernet/IPv4/TCP frames fed to the pipeline, with the facts reset
 * forensics read (TTL, IPv4 ID, window, timestamps option, window scale),
 * and cleartext SSH packets (banner, KEXINIT, others) to put in them.
 * kxf_frame builds one frame from explicit fields; kxf_conn keeps two
 * hosts' state for a whole conversation. Include after <cmocka.h>. */
#ifndef KX_FRAMES_H
#define KX_FRAMES_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <pcap/dlt.h>

#include "kexray/stream/pipeline.h"

#define KXF_FRAME_MAX (14 + 20 + 60 + 65536)

struct kxf_host {
	uint32_t ip;
	uint16_t port;
	uint32_t seq;        /* next sequence number */
	uint16_t ip_id;      /* next IPv4 ID */
	uint8_t ttl;
	uint16_t win;
	uint32_t tsval;
};

struct kxf_conn {
	struct kx_pipeline *pl;
	struct kxf_host h[2];    /* KX_CLIENT, KX_SERVER */
	uint64_t ts;             /* packet time, microseconds */
	uint64_t step;           /* added per frame */
	uint64_t frame;
	bool ts_opt;             /* put the timestamps option on segments */
};

/* What one segment carries; zero means "the sender's own value". */
struct kxf_seg {
	uint8_t flags;
	const uint8_t *data;
	uint32_t len;
	bool set_seq, set_ack, set_ttl, set_id, set_win, no_ts, keep_seq;
	uint32_t seq, ack;
	uint8_t ttl;
	uint16_t ip_id, win;
};

static inline void
kxf_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
kxf_put32(uint8_t *p, uint32_t v)
{
	kxf_put16(p, (uint16_t)(v >> 16));
	kxf_put16(p + 2, (uint16_t)v);
}

/* The fields of one Ethernet/IPv4/TCP frame; addresses in host order. */
struct kxf_tcp {
	uint32_t saddr, daddr;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags, ttl;
	uint16_t ip_id, win;
	const uint8_t *opts;     /* TCP options, olen a multiple of 4 */
	size_t olen;
};

/* Writes the frame carrying data[0..len) into f (cap bytes); returns its
 * length. The IPv4 total length is cut at 65535 for a larger test frame. */
static inline uint32_t
kxf_frame(uint8_t *f, size_t cap, const struct kxf_tcp *t, const void *data,
    size_t len)
{
	size_t hlen = 20 + t->olen, total = 20 + hlen + len;
	uint8_t *ip = f + 14, *tcp = ip + 20;

	assert_true(14 + total <= cap);
	memset(f, 0, 14 + 20 + hlen);
	kxf_put16(f + 12, 0x0800);
	ip[0] = 0x45;
	kxf_put16(ip + 2, (uint16_t)(total > 65535 ? 65535 : total));
	kxf_put16(ip + 4, t->ip_id);
	ip[8] = t->ttl;
	ip[9] = 6;
	kxf_put32(ip + 12, t->saddr);
	kxf_put32(ip + 16, t->daddr);
	kxf_put16(tcp, t->sport);
	kxf_put16(tcp + 2, t->dport);
	kxf_put32(tcp + 4, t->seq);
	kxf_put32(tcp + 8, t->ack);
	tcp[12] = (uint8_t)((hlen / 4) << 4);
	tcp[13] = t->flags;
	kxf_put16(tcp + 14, t->win);
	if (t->olen > 0)
		memcpy(tcp + 20, t->opts, t->olen);
	if (len > 0)
		memcpy(tcp + hlen, data, len);
	return (uint32_t)(14 + total);
}

static inline void
kxf_init(struct kxf_conn *k, struct kx_pipeline *pl)
{
	memset(k, 0, sizeof(*k));
	k->pl = pl;
	k->h[KX_CLIENT] = (struct kxf_host){ 0xc000020a, 50000, 1000000, 1000,
	    60, 502, 111 };
	k->h[KX_SERVER] = (struct kxf_host){ 0xc6336416, 22, 7000000, 30000,
	    58, 1024, 222 };
	k->ts = 1700000000ull * 1000000ull;
	k->step = 1000;
	k->ts_opt = true;
}

/* Sends one segment from side (KX_CLIENT or KX_SERVER). */
static inline void
kxf_send(struct kxf_conn *k, int side, const struct kxf_seg *s)
{
	static uint8_t f[KXF_FRAME_MAX];
	struct kxf_host *src = &k->h[side], *dst = &k->h[!side];
	uint8_t opts[20];
	size_t olen = 0;
	uint32_t seq = s->set_seq ? s->seq : src->seq;
	uint32_t ack = s->set_ack ? s->ack : dst->seq;
	struct kxf_tcp t;
	uint32_t n;

	if (s->flags & KX_TCP_SYN) {
		/* MSS 1460, NOP, window scale 7, timestamps */
		const uint8_t syn[] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 7 };

		memcpy(opts, syn, sizeof(syn));
		olen = sizeof(syn);
	}
	if (k->ts_opt && !s->no_ts) {
		opts[olen++] = 1;
		opts[olen++] = 1;
		opts[olen++] = 8;
		opts[olen++] = 10;
		kxf_put32(opts + olen, src->tsval++);
		kxf_put32(opts + olen + 4, dst->tsval);
		olen += 8;
	}
	t = (struct kxf_tcp){ .saddr = src->ip, .daddr = dst->ip,
	    .sport = src->port, .dport = dst->port, .seq = seq,
	    .ack = (s->flags & KX_TCP_ACK) ? ack : 0, .flags = s->flags,
	    .ttl = s->set_ttl ? s->ttl : src->ttl,
	    .ip_id = s->set_id ? s->ip_id : src->ip_id,
	    .win = s->set_win ? s->win :
	    (s->flags & KX_TCP_SYN) ? 65535 : src->win,
	    .opts = opts, .olen = olen };
	if (!s->set_id)
		src->ip_id++;
	n = kxf_frame(f, sizeof(f), &t, s->data, s->len);
	k->ts += k->step;
	kx_pipeline_frame(k->pl, DLT_EN10MB, f, n, n, k->ts, ++k->frame);
	if (!s->keep_seq && !(s->flags & KX_TCP_RST))
		src->seq = seq + s->len +
		    ((s->flags & (KX_TCP_SYN | KX_TCP_FIN)) ? 1u : 0u);
}

/* A segment with the sender's own values and flags (plus ACK but on a
 * SYN), carrying len bytes of data. */
static inline void
kxf_data(struct kxf_conn *k, int side, uint8_t flags, const void *data,
    uint32_t len)
{
	struct kxf_seg s = { .flags = flags, .data = data, .len = len };

	kxf_send(k, side, &s);
}

static inline void
kxf_str(struct kxf_conn *k, int side, const char *text)
{
	kxf_data(k, side, KX_TCP_ACK | KX_TCP_PSH, text, (uint32_t)strlen(text));
}

static inline void
kxf_open(struct kxf_conn *k)
{
	kxf_data(k, KX_CLIENT, KX_TCP_SYN, NULL, 0);
	kxf_data(k, KX_SERVER, KX_TCP_SYN | KX_TCP_ACK, NULL, 0);
	kxf_data(k, KX_CLIENT, KX_TCP_ACK, NULL, 0);
}

static inline void
kxf_banners(struct kxf_conn *k)
{
	kxf_str(k, KX_SERVER, "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n");
	kxf_data(k, KX_CLIENT, KX_TCP_ACK, NULL, 0);
	kxf_str(k, KX_CLIENT, "SSH-2.0-OpenSSH_9.6\r\n");
	kxf_data(k, KX_SERVER, KX_TCP_ACK, NULL, 0);
}

/* A cleartext binary packet (RFC 4253 6): length, padding to a multiple
 * of 8 with at least 4 bytes, the payload. Returns its length in out. */
static inline uint32_t
kxf_packet(uint8_t *out, size_t cap, const uint8_t *payload, uint32_t plen)
{
	uint32_t pad = 8 - ((5 + plen) % 8);

	if (pad < 4)
		pad += 8;
	assert_true(4 + 1 + plen + pad <= cap);
	kxf_put32(out, 1 + plen + pad);
	out[4] = (uint8_t)pad;
	memcpy(out + 5, payload, plen);
	memset(out + 5 + plen, 0, pad);
	return 4 + 1 + plen + pad;
}

/* A KEXINIT payload whose ten lists are lists[]. */
static inline uint32_t
kxf_kexinit(uint8_t *out, size_t cap, const char *const lists[10])
{
	uint32_t n = 17;

	assert_true(cap > 17);
	out[0] = 20;
	memset(out + 1, 0x5a, 16);
	for (int i = 0; i < 10; i++) {
		uint32_t l = (uint32_t)strlen(lists[i]);

		assert_true(n + 4 + l + 5 <= cap);
		kxf_put32(out + n, l);
		memcpy(out + n + 4, lists[i], l);
		n += 4 + l;
	}
	out[n++] = 0;
	kxf_put32(out + n, 0);
	return n + 4;
}

/* One message (a payload) as a packet from side. */
static inline void
kxf_msg(struct kxf_conn *k, int side, const uint8_t *payload, uint32_t plen)
{
	uint8_t pkt[4096];
	uint32_t n = kxf_packet(pkt, sizeof(pkt), payload, plen);

	kxf_data(k, side, KX_TCP_ACK | KX_TCP_PSH, pkt, n);
}

static inline void
kxf_kexinits(struct kxf_conn *k, const char *const cl[10],
    const char *const sv[10])
{
	uint8_t p[2048];
	uint32_t n;

	n = kxf_kexinit(p, sizeof(p), sv);
	kxf_msg(k, KX_SERVER, p, n);
	n = kxf_kexinit(p, sizeof(p), cl);
	kxf_msg(k, KX_CLIENT, p, n);
}

static const char *const kxf_lists[10] = {
	"curve25519-sha256", "ssh-ed25519", "aes128-ctr", "aes128-ctr",
	"hmac-sha2-256", "hmac-sha2-256", "none", "none", "", "",
};

/* The client's KEXDH_INIT, the server's reply (no well-formed host key:
 * its NEWKEYS says it replied), and the server's NEWKEYS. */
static inline void
kxf_kex(struct kxf_conn *k, bool server_newkeys)
{
	uint8_t init[37] = { 30, 0, 0, 0, 32 };
	uint8_t reply[1] = { 31 };
	uint8_t nk[1] = { 21 };

	kxf_msg(k, KX_CLIENT, init, sizeof(init));
	kxf_msg(k, KX_SERVER, reply, sizeof(reply));
	if (server_newkeys)
		kxf_msg(k, KX_SERVER, nk, sizeof(nk));
}

static inline void
kxf_newkeys(struct kxf_conn *k, int side)
{
	uint8_t nk[1] = { 21 };

	kxf_msg(k, side, nk, sizeof(nk));
}

static inline void
kxf_rst(struct kxf_conn *k, int side)
{
	kxf_data(k, side, KX_TCP_RST | KX_TCP_ACK, NULL, 0);
}

static inline void
kxf_fins(struct kxf_conn *k, int first)
{
	kxf_data(k, first, KX_TCP_FIN | KX_TCP_ACK, NULL, 0);
	kxf_data(k, !first, KX_TCP_FIN | KX_TCP_ACK, NULL, 0);
	kxf_data(k, first, KX_TCP_ACK, NULL, 0);
}

#endif
