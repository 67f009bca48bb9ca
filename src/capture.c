#include <pcap/pcap.h>
#include <stdio.h>

#include "kexray/capture.h"
#include "kexray/packet.h"

volatile sig_atomic_t kx_capture_stop;

static const char *
display_name(const char *path)
{
	return path[0] == '-' && path[1] == '\0' ? "(stdin)" : path;
}

static int
set_filter(pcap_t *p, const char *path, const char *filter)
{
	struct bpf_program prog;

	if (filter == NULL || filter[0] == '\0')
		return 0;
	if (pcap_compile(p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		fprintf(stderr, "kexray: %s: bad filter expression: %s\n",
		    display_name(path), pcap_geterr(p));
		return -1;
	}
	if (pcap_setfilter(p, &prog) != 0) {
		fprintf(stderr, "kexray: %s: cannot set filter: %s\n",
		    display_name(path), pcap_geterr(p));
		pcap_freecode(&prog);
		return -1;
	}
	pcap_freecode(&prog);
	return 0;
}

int
kx_capture_check_filter(const char *filter)
{
	struct bpf_program prog;
	pcap_t *p;
	int ret = 0;

	if (filter == NULL || filter[0] == '\0')
		return 0;
	if ((p = pcap_open_dead(DLT_EN10MB, 65535)) == NULL) {
		fputs("kexray: cannot check the filter: out of memory\n", stderr);
		return -1;
	}
	if (pcap_compile(p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		fprintf(stderr, "kexray: bad filter expression '%.200s': %s\n",
		    filter, pcap_geterr(p));
		ret = -1;
	} else {
		pcap_freecode(&prog);
	}
	pcap_close(p);
	return ret;
}

int
kx_capture_file(const char *path, const char *filter, kx_frame_fn fn,
    void *arg)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct pcap_pkthdr *hdr;
	const u_char *data;
	uint64_t n = 0;
	pcap_t *p;
	int dlt, r = 0, ret = 0;

	p = pcap_open_offline_with_tstamp_precision(path,
	    PCAP_TSTAMP_PRECISION_MICRO, errbuf);
	if (p == NULL) {
		fprintf(stderr, "kexray: %s: cannot read capture: %s\n",
		    display_name(path), errbuf);
		return -1;
	}
	dlt = pcap_datalink(p);
	if (!kx_decode_dlt_supported(dlt)) {
		const char *name = pcap_datalink_val_to_name(dlt);

		fprintf(stderr, "kexray: %s: unsupported link type %d (%s)\n",
		    display_name(path), dlt, name != NULL ? name : "unknown");
		pcap_close(p);
		return -1;
	}
	if (set_filter(p, path, filter) != 0) {
		pcap_close(p);
		return -1;
	}
	while (!kx_capture_stop && (r = pcap_next_ex(p, &hdr, &data)) >= 0) {
		uint64_t ts;

		if (r == 0)
			continue;   /* no packet this time (live only) */
		n++;
		ts = (uint64_t)hdr->ts.tv_sec * 1000000u +
		    (uint64_t)hdr->ts.tv_usec;
		fn(arg, dlt, data, hdr->caplen, hdr->len, ts, n);
	}
	if (!kx_capture_stop && r == PCAP_ERROR) {
		fprintf(stderr, "kexray: %s: packet %llu: %s\n",
		    display_name(path), (unsigned long long)n + 1, pcap_geterr(p));
		ret = -1;
	}
	pcap_close(p);
	return ret;
}
