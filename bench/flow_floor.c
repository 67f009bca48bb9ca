/*
 * flow_floor: what the least a flow inspector does per packet costs, with
 * kexray's own parts, on one capture: a lower bound for kexray's CPU that
 * no change to its analysis or records can go under.
 *
 *   flow_floor MODE FILE.pcap
 *
 * MODE
 *   read     kexray's read loop (kx_capture_file: a 1 MiB stdio buffer,
 *            libpcap's pcap_next_ex, a call per frame), every frame
 *            counted; cheaper than ../shared/bench/floor's 4 KiB buffer
 *   decode   read, and every frame through kx_decode
 *   flow     decode, and every TCP segment looked up in kexray's flow
 *            table (keyed hash of the ordered tuple, open addressing,
 *            the connection pool): a connection made at the client's
 *            SYN, marked recently used at each segment, taken out at the
 *            first FIN or RST (kexray keeps it a little longer); it
 *            exists, nothing more is known of it
 *
 * Prints one line: mode, frames, TCP segments, connections made. Time it
 * against ../shared/bench/floor and kexray in one run (docs/performance.md
 * says how): the flow mode over the floor is what every packet costs
 * before its SSH bytes, its TCP facts, the inference or any record.
 */
#include <stdio.h>
#include <string.h>

#include "kexray/decode/packet.h"
#include "kexray/input/capture.h"
#include "kexray/stream/flow.h"

struct run {
	int mode;                 /* 0 read, 1 decode, 2 flow */
	struct kx_flow_table *t;
	unsigned long long frames, tcp, made, left;
};

static void
done(struct kx_conn *c, void *arg)
{
	(void)c;
	((struct run *)arg)->left++;
}

static void
on_frame(void *arg, int dlt, const uint8_t *frame, uint32_t caplen,
    uint32_t wirelen, uint64_t ts_us, uint64_t frame_no)
{
	struct run *r = arg;
	struct kx_packet pkt;
	enum kx_side side;
	struct kx_conn *c;

	r->frames++;
	if (r->mode == 0)
		return;
	pkt.ts_us = ts_us;
	pkt.frame_no = frame_no;
	if (kx_decode(dlt, frame, caplen, wirelen, &pkt) != KX_OK)
		return;
	r->tcp++;
	if (r->mode == 1)
		return;
	c = kx_flow_lookup(r->t, &pkt, false, false, &side);
	if (c == NULL && (pkt.tcp_flags & (KX_TCP_SYN | KX_TCP_ACK)) ==
	    KX_TCP_SYN) {
		c = kx_flow_lookup(r->t, &pkt, true, true, &side);
		r->made += c != NULL;
	}
	if (c == NULL)
		return;
	/* As kexray's table holds them: until the first FIN or RST. */
	if (pkt.tcp_flags & (KX_TCP_FIN | KX_TCP_RST))
		kx_flow_finish(r->t, c);
	else
		kx_flow_touch(r->t, c);
}

int
main(int argc, char **argv)
{
	static const char *const modes[] = { "read", "decode", "flow" };
	struct run r;
	int rc;

	memset(&r, 0, sizeof(r));
	r.mode = -1;
	for (int i = 0; argc == 3 && i < 3; i++)
		if (strcmp(argv[1], modes[i]) == 0)
			r.mode = i;
	if (r.mode < 0) {
		fprintf(stderr, "usage: flow_floor read|decode|flow FILE.pcap\n");
		return 2;
	}
	if (r.mode == 2 && (r.t = kx_flow_new(262144, done, &r)) == NULL) {
		fprintf(stderr, "flow_floor: out of memory\n");
		return 1;
	}
	/* kexray's own read loop (src/input/capture.c), no filter. */
	rc = kx_capture_file(argv[2], NULL, on_frame, &r);
	if (r.t != NULL) {
		kx_flow_flush(r.t, KX_CLOSE_CAPTURE_END);
		kx_flow_free(r.t);
	}
	printf("%s frames %llu tcp %llu connections %llu\n", argv[1], r.frames,
	    r.tcp, r.made);
	return rc != 0;
}
