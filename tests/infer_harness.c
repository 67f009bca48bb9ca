/* Test harness for infer.c (infer_harness.h). A deliberately small and
 * separate decoder: Ethernet, Linux cooked v1/v2 or raw IP; IPv4/IPv6
 * without extension headers; TCP. Each direction's bytes go through the
 * identification line and the cleartext binary packets (RFC 4253 4.2, 6)
 * up to and including NEWKEYS (21); every byte after it is encrypted, and
 * each segment's share of them is one kx_infer segment, as the pipeline's
 * "after NEWKEYS only sizes and timing" gives them. */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "infer_harness.h"

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Consumes n cleartext bytes of one direction; returns how many of them
 * were after NEWKEYS. */
static uint32_t
feed(struct h_dir *d, const uint8_t *p, uint32_t n)
{
	uint32_t i = 0;

	while (i < n) {
		if (d->stage == 2)
			return n - i;
		if (d->stage == 0) {
			uint8_t ch = p[i++];

			if (d->line_len < 4)
				d->line4[d->line_len] = (char)ch;
			d->line_len++;
			if (ch == '\n') {
				if (d->line_len >= 4 && memcmp(d->line4, "SSH-", 4) == 0)
					d->stage = 1;
				d->line_len = 0;
			}
			continue;
		}
		if (d->hdr_len < sizeof(d->hdr)) {
			d->hdr[d->hdr_len++] = p[i++];
			if (d->hdr_len == sizeof(d->hdr)) {
				uint32_t len = be32(d->hdr);

				d->msg = d->hdr[5];
				/* packet_length counts padding_length and
				 * the rest; 2 of its bytes are in hdr. */
				d->skip = len >= 2 ? (uint64_t)len - 2 : 0;
				if (d->skip == 0) {
					d->hdr_len = 0;
					if (d->msg == 21)
						d->stage = 2;
				}
			}
			continue;
		}
		uint64_t take = d->skip < (uint64_t)(n - i) ? d->skip : (uint64_t)(n - i);
		i += (uint32_t)take;
		d->skip -= take;
		if (d->skip == 0) {
			d->hdr_len = 0;
			if (d->msg == 21)
				d->stage = 2;
		}
	}
	return 0;
}

static struct h_conn *
find_conn(struct h_capture *cap, int family, const uint8_t *src, const uint8_t *dst,
    uint16_t sport, uint16_t dport, bool syn, bool ack, int *dir)
{
	size_t alen = family == 4 ? 4 : 16;

	for (uint32_t i = 0; i < cap->nconn; i++) {
		struct h_conn *c = &cap->conn[i];

		if (c->family != family)
			continue;
		if (c->cport == sport && c->sport == dport &&
		    memcmp(c->caddr, src, alen) == 0 && memcmp(c->saddr, dst, alen) == 0) {
			*dir = KX_INFER_C2S;
			return c;
		}
		if (c->cport == dport && c->sport == sport &&
		    memcmp(c->caddr, dst, alen) == 0 && memcmp(c->saddr, src, alen) == 0) {
			*dir = KX_INFER_S2C;
			return c;
		}
	}
	/* A new connection only at its SYN: the client is the SYN's sender. */
	if (!syn || ack || cap->nconn == H_CONNS_MAX)
		return NULL;
	struct h_conn *c = &cap->conn[cap->nconn++];
	memset(c, 0, sizeof(*c));
	c->family = family;
	memcpy(c->caddr, src, alen);
	memcpy(c->saddr, dst, alen);
	c->cport = sport;
	c->sport = dport;
	c->closer = -1;
	c->segs = calloc(H_SEGS_MAX, sizeof(*c->segs));
	if (c->segs == NULL) {
		cap->nconn--;
		return NULL;
	}
	*dir = KX_INFER_C2S;
	return c;
}

static void
on_tcp(struct h_capture *cap, int family, const uint8_t *src, const uint8_t *dst,
    const uint8_t *t, uint32_t tlen, uint64_t ts)
{
	if (tlen < 20)
		return;
	uint32_t off = (uint32_t)(t[12] >> 4) * 4;
	if (off < 20 || off > tlen)
		return;
	uint8_t fl = t[13];
	bool syn = fl & 0x02, ack = fl & 0x10, fin = fl & 0x01, rst = fl & 0x04;
	int dir;
	struct h_conn *c = find_conn(cap, family, src, dst, be16(t), be16(t + 2), syn, ack, &dir);
	if (c == NULL)
		return;
	struct h_dir *d = &c->d[dir];
	uint32_t seq = be32(t + 4);
	if (syn) {
		d->seq_set = true;
		d->next = seq + 1;
		return;
	}
	if ((fin || rst) && !c->closed) {
		c->closed = true;
		c->closer = dir;
	}
	const uint8_t *p = t + off;
	uint32_t n = tlen - off;
	if (n > 0 && d->seq_set) {
		int32_t delta = (int32_t)(seq - d->next);
		if (delta < 0) {   /* retransmitted bytes: only the new ones */
			if ((uint32_t)-delta >= n)
				n = 0;
			else {
				p += (uint32_t)-delta;
				n -= (uint32_t)-delta;
			}
		} else if (delta > 0) {
			c->gap = true;   /* a hole: lo captures have none */
		}
		d->next = seq + (uint32_t)(tlen - off);
	}
	if (n == 0)
		return;
	uint32_t enc = feed(d, p, n);
	if (enc == 0)
		return;
	if (c->nsegs == H_SEGS_MAX) {
		c->segs_capped = true;
		return;
	}
	c->segs[c->nsegs++] = (struct h_seg){ (uint8_t)dir, enc, ts };
}

static void
on_frame(struct h_capture *cap, int dlt, const uint8_t *p, uint32_t len, uint64_t ts)
{
	uint32_t l2;
	uint16_t et;

	switch (dlt) {
	case DLT_EN10MB:
		if (len < 14)
			return;
		et = be16(p + 12);
		l2 = 14;
		break;
	case DLT_LINUX_SLL:
		if (len < 16)
			return;
		et = be16(p + 14);
		l2 = 16;
		break;
	case DLT_LINUX_SLL2:
		if (len < 20)
			return;
		et = be16(p);
		l2 = 20;
		break;
	case DLT_RAW:
		if (len < 1)
			return;
		et = (p[0] >> 4) == 6 ? 0x86dd : 0x0800;
		l2 = 0;
		break;
	default:
		return;
	}
	p += l2;
	len -= l2;
	if (et == 0x0800) {
		if (len < 20 || (p[0] >> 4) != 4 || p[9] != 6)
			return;
		uint32_t ihl = (uint32_t)(p[0] & 15) * 4, tot = be16(p + 2);
		if (ihl < 20 || tot < ihl || tot > len)
			return;
		on_tcp(cap, 4, p + 12, p + 16, p + ihl, tot - ihl, ts);
	} else if (et == 0x86dd) {
		if (len < 40 || p[6] != 6)
			return;
		uint32_t pl = be16(p + 4);
		if (pl > len - 40)
			return;
		on_tcp(cap, 6, p + 8, p + 24, p + 40, pl, ts);
	}
}

int
h_capture_read(const char *path, struct h_capture *cap)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *p;
	int rc, dlt;

	memset(cap, 0, sizeof(*cap));
	if ((p = pcap_open_offline(path, err)) == NULL) {
		fprintf(stderr, "%s: %s\n", path, err);
		return -1;
	}
	dlt = pcap_datalink(p);
	while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
		if (h->caplen < h->len)
			continue;   /* the recordings use -s 0 */
		on_frame(cap, dlt, data, h->caplen,
		    (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec);
	}
	pcap_close(p);
	return rc == PCAP_ERROR ? -1 : 0;
}

void
h_capture_free(struct h_capture *cap)
{
	for (uint32_t i = 0; i < cap->nconn; i++)
		free(cap->conn[i].segs);
	cap->nconn = 0;
}

void
h_infer_conn(const struct h_conn *c, const char *const names[6],
    struct kx_infer *st, struct kx_infer_result *res)
{
	kx_infer_init(st, names[0], names[1], names[2], names[3], names[4], names[5]);
	for (uint32_t i = 0; i < c->nsegs; i++)
		kx_infer_add(st, (enum kx_infer_dir)c->segs[i].dir, c->segs[i].size,
		    c->segs[i].ts_us);
	kx_infer_end(st, c->closed && !c->segs_capped, c->closer);
	kx_infer_judge(st, res);
}

/* The quoted string after KEY at or after *pos, copied into out. */
static int
str_after(const char *buf, const char **pos, const char *key, char *out, size_t outsz)
{
	const char *k = strstr(*pos, key), *q, *e;

	if (k == NULL)
		return -1;
	q = strchr(k + strlen(key), '"');
	if (q == NULL)
		return -1;
	e = strchr(q + 1, '"');
	if (e == NULL || (size_t)(e - q - 1) >= outsz)
		return -1;
	memcpy(out, q + 1, (size_t)(e - q - 1));
	out[e - q - 1] = '\0';
	*pos = e + 1;
	(void)buf;
	return 0;
}

int
h_truth_read(const char *path, struct h_truth *t, int max)
{
	static const char *const keys[3] = { "\"cipher\":", "\"mac\":", "\"compression\":" };
	char *buf = NULL;
	long sz;
	int n = 0;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return -1;
	if (fseek(f, 0, SEEK_END) != 0 || (sz = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
	    (buf = calloc(1, (size_t)sz + 1)) == NULL ||
	    fread(buf, 1, (size_t)sz, f) != (size_t)sz) {
		fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);
	const char *pos = buf;
	while (n < max && (pos = strstr(pos, "\"client_port\":")) != NULL) {
		struct h_truth *x = &t[n];
		const char *s;

		memset(x, 0, sizeof(*x));
		x->client_port = (uint16_t)strtoul(pos + 14, NULL, 10);
		if ((s = strstr(pos, "\"auth_success\":")) == NULL)
			break;
		x->auth_success = strncmp(s + 15, " true", 5) == 0 ? 1 :
		    strncmp(s + 15, " null", 5) == 0 ? -1 : 0;
		if ((s = strstr(pos, "\"attempts\":")) == NULL)
			break;
		x->attempts = (uint32_t)strtoul(s + 11, NULL, 10);
		if ((s = strstr(pos, "\"c2s\":")) == NULL)
			break;
		for (int i = 0; i < 6; i++) {
			if (i == 3 && (s = strstr(s, "\"s2c\":")) == NULL)
				goto out;
			if (str_after(buf, &s, keys[i % 3], x->names[i], sizeof(x->names[i])) != 0)
				goto out;
		}
		n++;
		pos = s;
	}
out:
	free(buf);
	return n;
}
