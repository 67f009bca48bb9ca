/* capture: the live default filter (kx_capture_default_filter) run by
 * libpcap over a recorded handshake on a port it was not given: the
 * identification strings, and the cleartext KEXINITs, key exchange and
 * NEWKEYS too, must pass (issue 19 a: SSH on an odd port is found by its
 * 'SSH-' line, and then judged from its whole handshake). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kexray/input/capture.h"

static const char *pcaps;

/* TCP payload length of an Ethernet + IPv4 frame, -1 for anything else. */
static int
payload_len(const uint8_t *p, uint32_t caplen)
{
	uint32_t ihl, doff, total;

	if (caplen < 14 + 20 || p[12] != 0x08 || p[13] != 0x00 ||
	    p[14 + 9] != 6)
		return -1;
	ihl = (uint32_t)(p[14] & 0x0f) * 4;
	total = (uint32_t)p[16] << 8 | p[17];
	if (caplen < 14 + ihl + 20)
		return -1;
	doff = (uint32_t)(p[14 + ihl + 12] >> 4) * 4;
	return total >= ihl + doff ? (int)(total - ihl - doff) : -1;
}

/* The payload sizes of the frames the filter for ports passes. */
static unsigned
passed(const char *name, const uint16_t *ports, unsigned nports,
    int *sizes, unsigned max)
{
	char path[1024], errbuf[PCAP_ERRBUF_SIZE];
	struct bpf_program prog;
	struct pcap_pkthdr *h;
	const u_char *d;
	char *f = kx_capture_default_filter(ports, nports);
	pcap_t *p;
	unsigned n = 0;

	assert_non_null(f);
	snprintf(path, sizeof(path), "%s/%s", pcaps, name);
	p = pcap_open_offline(path, errbuf);
	assert_non_null(p);
	assert_int_equal(pcap_compile(p, &prog, f, 1, PCAP_NETMASK_UNKNOWN), 0);
	assert_int_equal(pcap_setfilter(p, &prog), 0);
	while (pcap_next_ex(p, &h, &d) == 1)
		if (n < max)
			sizes[n++] = payload_len(d, h->caplen);
	pcap_freecode(&prog);
	pcap_close(p);
	free(f);
	return n;
}

static bool
has(const int *sizes, unsigned n, int want)
{
	for (unsigned i = 0; i < n; i++)
		if (sizes[i] == want)
			return true;
	return false;
}

/* pcaps/openssh_port2222.pcap: OpenSSH 9.2 on port 2222 over lo; the
 * client's KEXINIT is 1560 bytes of payload, the server's 1136, the
 * client's KEXDH_INIT 1208, the server's reply and NEWKEYS 1564, the
 * client's NEWKEYS 16 (tcpdump -nr). */
static void
odd_port_handshake_passes(void **state)
{
	static const uint16_t port22 = 22;
	int sizes[256];
	unsigned n;

	(void)state;
	n = passed("openssh_port2222.pcap", &port22, 1, sizes, 256);
	assert_true(has(sizes, n, 41));     /* an identification string */
	assert_true(has(sizes, n, 1560));
	assert_true(has(sizes, n, 1136));
	assert_true(has(sizes, n, 1208));
	assert_true(has(sizes, n, 1564));
	assert_true(has(sizes, n, 16));
}

/* On a port it was given, everything passes. */
static void
listed_port_passes_all(void **state)
{
	static const uint16_t port2222 = 2222;
	int sizes[256];

	(void)state;
	assert_int_equal(passed("openssh_port2222.pcap", &port2222, 1, sizes,
	    256), 42);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(odd_port_handshake_passes),
		cmocka_unit_test(listed_port_passes_all),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: test_capture PCAPS_DIR\n");
		return 1;
	}
	pcaps = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
