/* Fuzz target: a whole capture file (pcap or pcapng) through everything
 * kexray does with it: libpcap reads it from memory (fmemopen +
 * pcap_fopen_offline, the same reader kx_capture_file opens by path),
 * every frame goes through the pipeline, every connection is analyzed
 * and formatted as JSON and as text into memory, where kxf_report checks
 * the output, and the text summary ends the run.
 *
 * The configuration is kexray's defaults except for a table of a few
 * connections, so inputs with several reach eviction. Inputs of odd size
 * also get small per-direction caps (--max-buffer, --max-ooo) and keep
 * their frames as evidence (-w), so those paths see fuzzed captures too;
 * libFuzzer's mutations change the size often, and a given input always
 * runs the same way. */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kexray/input/capture.h"
#include "kexray/stream/pipeline.h"
#include "kexray/report/report.h"
#include "kxfuzz.h"

/* Small enough that a fuzzed file fills it, so eviction runs too. */
#define FUZZ_MAX_CONNS 4
/* The small caps of odd-sized inputs: a full handshake (about 3 KiB a
 * direction) overflows the buffer, and a little reordering the queue. */
#define FUZZ_SMALL_BUFFER 2048
#define FUZZ_SMALL_OOO 3

struct run {
	uint64_t shown, problems;
};

static void
on_conn(struct kx_conn *c, void *arg)
{
	struct run *r = arg;

	r->shown++;
	if (kxf_report(c))
		r->problems++;
}

static void
summary(const struct kx_pipeline *pl, const struct run *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		return;
	kx_report_text_summary(f, kx_pipeline_stats(pl), kx_pipeline_stats(pl)->ssh_conns,
	    r->shown, r->problems);
	if (fclose(f) == 0)
		kxf_check_text(buf, len);
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct kx_pipeline_config cfg = { .ports = { 22 }, .nports = 1,
	    .max_conns = FUZZ_MAX_CONNS };
	struct kx_pipeline *pl;
	struct pcap_pkthdr *hdr;
	const u_char *frame;
	struct run run = { 0, 0 };
	uint8_t *copy;
	uint64_t n = 0;
	pcap_t *p;
	FILE *f;
	int dlt;

	if (size % 2 == 1) {
		cfg.max_buffer = FUZZ_SMALL_BUFFER;
		cfg.max_ooo = FUZZ_SMALL_OOO;
		cfg.keep_evidence = true;
	}
	/* fmemopen wants a writable buffer of at least one byte. */
	if (size == 0 || (copy = malloc(size)) == NULL)
		return 0;
	memcpy(copy, data, size);
	if ((f = fmemopen(copy, size, "rb")) == NULL) {
		free(copy);
		return 0;
	}
	p = pcap_fopen_offline_with_tstamp_precision(f,
	    PCAP_TSTAMP_PRECISION_MICRO, errbuf);
	if (p == NULL) {
		fclose(f);   /* not pcap's to close when it refused the file */
		free(copy);
		return 0;
	}
	dlt = pcap_datalink(p);
	if (!kx_decode_dlt_supported(dlt) ||
	    (pl = kx_pipeline_new(&cfg, on_conn, &run)) == NULL) {
		pcap_close(p);
		free(copy);
		return 0;
	}
	while (pcap_next_ex(p, &hdr, &frame) == 1) {
		uint64_t ts = (uint64_t)hdr->ts.tv_sec * 1000000u +
		    (uint64_t)hdr->ts.tv_usec;

		kx_pipeline_frame(pl, dlt, frame, hdr->caplen, hdr->len, ts, ++n);
	}
	kx_pipeline_finish(pl);
	KXF_CHECK(kx_pipeline_stats(pl)->frames == n);
	summary(pl, &run);
	kx_pipeline_free(pl);
	pcap_close(p);   /* closes f */
	free(copy);
	return 0;
}
