/*
 * flow_floor: what the least a flow inspector does per packet costs, with
 * kexray's own parts, on one capture: a lower bound for kexray's CPU that
 * no change to its analysis or records can go under.
 *
 *   flow_floor MODE FILE.pcap
 *
 * MODE
 *   read     kexray's read: the file through a 1 MiB stdio buffer and
 *            libpcap's pcap_next_ex (src/input/capture.c), every frame
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
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kexray/decode/packet.h"
#include "kexray/stream/flow.h"

#define READ_BLOCK (1u << 20)

static void
done(struct kx_conn *c, void *arg)
{
	(void)c;
	(*(unsigned long long *)arg)++;
}

int
main(int argc, char **argv)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	struct kx_flow_table *t = NULL;
	struct kx_packet pkt;
	unsigned long long frames = 0, tcp = 0, made = 0, left = 0;
	int mode, dlt, rc;
	char *buf;
	FILE *f;
	pcap_t *p;

	if (argc != 3) {
		fprintf(stderr, "usage: flow_floor read|decode|flow FILE.pcap\n");
		return 2;
	}
	if (strcmp(argv[1], "read") == 0)
		mode = 0;
	else if (strcmp(argv[1], "decode") == 0)
		mode = 1;
	else if (strcmp(argv[1], "flow") == 0)
		mode = 2;
	else {
		fprintf(stderr, "flow_floor: unknown mode %s\n", argv[1]);
		return 2;
	}
	if ((f = fopen(argv[2], "rb")) == NULL) {
		perror(argv[2]);
		return 1;
	}
	if ((buf = malloc(READ_BLOCK)) != NULL)
		(void)setvbuf(f, buf, _IOFBF, READ_BLOCK);
	p = pcap_fopen_offline_with_tstamp_precision(f,
	    PCAP_TSTAMP_PRECISION_MICRO, errbuf);
	if (p == NULL) {
		fprintf(stderr, "flow_floor: %s: %s\n", argv[2], errbuf);
		return 1;
	}
	dlt = pcap_datalink(p);
	if (mode == 2 && (t = kx_flow_new(262144, done, &left)) == NULL) {
		fprintf(stderr, "flow_floor: out of memory\n");
		return 1;
	}
	memset(&pkt, 0, sizeof(pkt));
	while ((rc = pcap_next_ex(p, &h, &d)) == 1) {
		enum kx_side side;
		struct kx_conn *c;

		frames++;
		if (mode == 0)
			continue;
		pkt.ts_us = (uint64_t)h->ts.tv_sec * 1000000u +
		    (uint64_t)h->ts.tv_usec;
		pkt.frame_no = frames;
		if (kx_decode(dlt, d, h->caplen, h->len, &pkt) != KX_OK)
			continue;
		tcp++;
		if (mode == 1)
			continue;
		c = kx_flow_lookup(t, &pkt, false, false, &side);
		if (c == NULL && (pkt.tcp_flags & (KX_TCP_SYN | KX_TCP_ACK)) ==
		    KX_TCP_SYN) {
			c = kx_flow_lookup(t, &pkt, true, true, &side);
			made += c != NULL;
		}
		if (c == NULL)
			continue;
		/* As kexray's table holds them: until the first FIN or RST. */
		if (pkt.tcp_flags & (KX_TCP_FIN | KX_TCP_RST))
			kx_flow_finish(t, c);
		else
			kx_flow_touch(t, c);
	}
	if (rc == -1)
		fprintf(stderr, "flow_floor: %s\n", pcap_geterr(p));
	if (t != NULL) {
		kx_flow_flush(t, KX_CLOSE_CAPTURE_END);
		kx_flow_free(t);
	}
	pcap_close(p);
	free(buf);
	printf("%s frames %llu tcp %llu connections %llu\n", argv[1], frames,
	    tcp, made);
	return rc == -1;
}
