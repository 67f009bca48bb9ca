#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kexray/input/capture.h"
#include "kexray/input/input.h"
#include "kexray/decode/packet.h"

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

/* The file kx_capture_file is reading, for kx_capture_file_offset. */
static pcap_t *reading;

int64_t
kx_capture_file_offset(void)
{
	FILE *f;

	if (reading == NULL || (f = pcap_file(reading)) == NULL)
		return -1;
	return (int64_t)ftello(f);
}

/* Bytes read from a capture file per read(2). libpcap's own fopen leaves
 * stdio's default (st_blksize, 4 KiB), a system call per 4 KiB; a large
 * buffer makes reading the file cheaper than libpcap alone reads it. */
#define READ_BLOCK (1u << 20)

/* pcap_open_offline on a descriptor opened by kx_capture_open_input,
 * with READ_BLOCK of stdio buffer; *bufp is the buffer to free once the
 * pcap_t is closed. stdin ("-") keeps its own buffering: a pipe gives at
 * most a pipe's worth a read. */
static pcap_t *
open_offline(int fd, const char *path, char *errbuf, char **bufp)
{
	FILE *f;
	pcap_t *p;

	*bufp = NULL;
	if (strcmp(path, "-") == 0)
		return pcap_open_offline_with_tstamp_precision(path,
		    PCAP_TSTAMP_PRECISION_MICRO, errbuf);
	/* A gzip-compressed capture is read through zlib, from fd itself:
	 * the sandbox lets kexray make no new descriptor. */
	if (kx_input_fd_is_gzip(fd)) {
		if ((f = kx_input_gunzip_fd(fd)) == NULL) {
			snprintf(errbuf, PCAP_ERRBUF_SIZE, "%s", "gzip-compressed, "
			    "and zlib could not read it");
			return NULL;
		}
	} else if ((f = fdopen(fd, "rb")) == NULL) {
		/* The caller names the file: the reason alone. */
		snprintf(errbuf, PCAP_ERRBUF_SIZE, "%s", strerror(errno));
		close(fd);
		return NULL;
	}
	if ((*bufp = malloc(READ_BLOCK)) != NULL)
		(void)setvbuf(f, *bufp, _IOFBF, READ_BLOCK);
	/* After setvbuf: the first read must already be a large one. */
	if (kx_input_is_gzip(f) && (f = kx_input_gunzip(f)) == NULL) {
		snprintf(errbuf, PCAP_ERRBUF_SIZE, "%s", "gzip-compressed, "
		    "and not a file kexray can read twice (decompress it first: "
		    "zcat FILE | kexray -r -)");
		free(*bufp);
		*bufp = NULL;
		return NULL;
	}
	p = pcap_fopen_offline_with_tstamp_precision(f,
	    PCAP_TSTAMP_PRECISION_MICRO, errbuf);
	if (p == NULL) {
		/* On failure the FILE is still the caller's (pcap(3PCAP)). */
		fclose(f);
		free(*bufp);
		*bufp = NULL;
	}
	return p;
}

int
kx_capture_open_input(const char *path)
{
	if (strcmp(path, "-") == 0)
		return STDIN_FILENO;
	return open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
}

int
kx_capture_file(const char *path, const char *filter, kx_frame_fn fn,
    void *arg)
{
	int fd = kx_capture_open_input(path);

	return kx_capture_fd(fd, fd < 0 ? errno : 0, path, filter, fn, arg);
}

int
kx_capture_fd(int fd, int open_errno, const char *path, const char *filter,
    kx_frame_fn fn, void *arg)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct pcap_pkthdr *hdr;
	const u_char *data;
	uint64_t n = 0;
	char *buf = NULL;
	pcap_t *p = NULL;
	int dlt, r = 0, ret = 0;
	char peek[4096];
	size_t npeek = 0;

	if (fd < 0) {
		/* The caller names the file: the reason alone. */
		snprintf(errbuf, sizeof(errbuf), "%s", strerror(open_errno));
	} else {
		/* The first bytes, for the hint if libpcap refuses the file
		 * (pread: a regular file only; the offset stays). */
		ssize_t got = pread(fd, peek, sizeof(peek), 0);

		npeek = got > 0 ? (size_t)got : 0;
		p = open_offline(fd, path, errbuf, &buf);
	}
	if (p == NULL) {
		char hint[512];

		kx_input_hint_bytes(path, peek, npeek, hint, sizeof(hint));
		fprintf(stderr, "kexray: %s: cannot read capture: %s%s\n",
		    display_name(path), errbuf, hint);
		return -1;
	}
	dlt = pcap_datalink(p);
	if (!kx_decode_dlt_supported(dlt)) {
		const char *name = pcap_datalink_val_to_name(dlt);

		fprintf(stderr, "kexray: %s: unsupported link type %d (%s)\n",
		    display_name(path), dlt, name != NULL ? name : "unknown");
		pcap_close(p);
		free(buf);
		return -1;
	}
	if (set_filter(p, path, filter) != 0) {
		pcap_close(p);
		free(buf);
		return -1;
	}
	reading = p;
	while (!kx_capture_stop && (r = pcap_next_ex(p, &hdr, &data)) >= 0) {
		uint64_t ts;

		if (r == 0)
			continue;   /* no packet this time (live only) */
		n++;
		ts = (uint64_t)hdr->ts.tv_sec * 1000000u +
		    (uint64_t)hdr->ts.tv_usec;
		fn(arg, dlt, data, hdr->caplen, hdr->len, ts, n);
	}
	reading = NULL;
	/* A read ended by SIGINT/SIGTERM (EINTR) is the stop, not damage. */
	if (!kx_capture_stop && r == PCAP_ERROR) {
		fprintf(stderr, "kexray: %s: packet %llu: %s\n",
		    display_name(path), (unsigned long long)n + 1, pcap_geterr(p));
		ret = -1;
	}
	pcap_close(p);
	free(buf);
	return ret;
}

/* ---- live capture ---- */

volatile sig_atomic_t kx_capture_hup;
volatile sig_atomic_t kx_capture_usr1;

struct kx_live {
	pcap_t *p;
	const char *iface;
	int dlt;
	uint64_t frames;
	uint16_t follow[KX_LIVE_FOLLOW_MAX];   /* kx_live_follow_port */
	unsigned nfollow;
};

int
kx_live_follow_port(struct kx_live *l, const uint16_t *ports, unsigned nports,
    uint16_t port)
{
	uint16_t *all;
	unsigned n = 0;
	char *f = NULL;
	int r = -1;

	if (l == NULL || l->nfollow >= KX_LIVE_FOLLOW_MAX)
		return -1;
	for (unsigned i = 0; i < nports; i++)
		if (ports[i] == port)
			return 0;
	for (unsigned i = 0; i < l->nfollow; i++)
		if (l->follow[i] == port)
			return 0;
	if ((all = calloc((size_t)nports + l->nfollow + 1, sizeof(*all))) == NULL)
		return -1;
	l->follow[l->nfollow++] = port;
	for (unsigned i = 0; i < nports; i++)
		all[n++] = ports[i];
	for (unsigned i = 0; i < l->nfollow; i++)
		all[n++] = l->follow[i];
	if ((f = kx_capture_default_filter(all, n)) != NULL)
		r = set_filter(l->p, l->iface, f);
	free(f);
	free(all);
	return r;
}

int
kx_live_open(const struct kx_live_opts *o, struct kx_live **out)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct kx_live *l;
	int r;

	*out = NULL;
	if ((l = calloc(1, sizeof(*l))) == NULL) {
		fprintf(stderr, "kexray: %s: out of memory\n", o->iface);
		return -1;
	}
	l->iface = o->iface;
	if ((l->p = pcap_create(o->iface, errbuf)) == NULL) {
		fprintf(stderr, "kexray: %s: %s\n", o->iface, errbuf);
		free(l);
		return -1;
	}
	(void)pcap_set_snaplen(l->p, o->snaplen > 0 ? o->snaplen : KX_LIVE_SNAPLEN);
	(void)pcap_set_promisc(l->p, o->promisc);
	/* A short timeout so ticks (timeouts, stats, signals) run on time
	 * even without immediate mode. */
	(void)pcap_set_timeout(l->p, 200);
	if (o->buffer_kib > 0)
		(void)pcap_set_buffer_size(l->p, o->buffer_kib * 1024);
	if (o->immediate)
		(void)pcap_set_immediate_mode(l->p, 1);
	r = pcap_activate(l->p);
	if (r < 0) {
		/* PCAP_ERROR_PERM_DENIED and friends: libpcap's text says why
		 * ("you don't have permission to capture on that device"). */
		fprintf(stderr, "kexray: %s: %s\n", o->iface,
		    r == PCAP_ERROR ? pcap_geterr(l->p) : pcap_statustostr(r));
		if (r == PCAP_ERROR_PERM_DENIED)
			fprintf(stderr, "kexray: (live capture needs root or "
			    "CAP_NET_RAW; kexray drops to -Z USER right after)\n");
		pcap_close(l->p);
		free(l);
		return -1;
	}
	if (r > 0)
		fprintf(stderr, "kexray: %s: warning: %s\n", o->iface,
		    r == PCAP_WARNING ? pcap_geterr(l->p) : pcap_statustostr(r));
	l->dlt = pcap_datalink(l->p);
	if (!kx_decode_dlt_supported(l->dlt)) {
		const char *name = pcap_datalink_val_to_name(l->dlt);

		fprintf(stderr, "kexray: %s: unsupported link type %d (%s)\n",
		    o->iface, l->dlt, name != NULL ? name : "unknown");
		pcap_close(l->p);
		free(l);
		return -1;
	}
	if (set_filter(l->p, o->iface, o->filter) != 0 ||
	    pcap_setnonblock(l->p, 1, errbuf) != 0) {
		if (errbuf[0] != '\0')
			fprintf(stderr, "kexray: %s: %s\n", o->iface, errbuf);
		pcap_close(l->p);
		free(l);
		return -1;
	}
	*out = l;
	return 0;
}

int
kx_live_fd(const struct kx_live *l)
{
	return pcap_fileno(l->p);
}

int
kx_live_datalink(const struct kx_live *l)
{
	return l->dlt;
}

struct live_cb {
	struct kx_live *l;
	kx_frame_fn fn;
	void *arg;
};

static void
live_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
	struct live_cb *cb = (struct live_cb *)user;

	cb->l->frames++;
	cb->fn(cb->arg, cb->l->dlt, data, h->caplen, h->len,
	    (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec,
	    cb->l->frames);
}

static uint64_t
wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int
kx_live_run(struct kx_live *l, kx_frame_fn fn, kx_tick_fn tick, void *arg)
{
	struct live_cb cb = { l, fn, arg };
	struct pollfd pfd;
	uint64_t next_tick = 0;

	pfd.fd = pcap_get_selectable_fd(l->p);
	pfd.events = POLLIN;
	while (!kx_capture_stop) {
		int n, r;
		uint64_t now;

		/* The pcap timeout bounds the wait where there is no
		 * selectable descriptor. */
		n = pfd.fd >= 0 ? poll(&pfd, 1, 250) : 1;
		if (n < 0 && errno != EINTR) {
			fprintf(stderr, "kexray: %s: poll: %s\n", l->iface,
			    strerror(errno));
			return -1;
		}
		if (n > 0) {
			r = pcap_dispatch(l->p, -1, live_packet, (u_char *)&cb);
			if (r == PCAP_ERROR) {
				fprintf(stderr, "kexray: %s: %s\n", l->iface,
				    pcap_geterr(l->p));
				return -1;
			}
		}
		now = wall_us();
		if (tick != NULL && (now >= next_tick || kx_capture_hup ||
		    kx_capture_usr1)) {
			next_tick = now + 1000000u;
			tick(arg, now);
		}
	}
	return 0;
}

int
kx_live_stats(struct kx_live *l, uint64_t *recv, uint64_t *drop,
    uint64_t *ifdrop)
{
	struct pcap_stat st;

	if (pcap_stats(l->p, &st) != 0)
		return -1;
	*recv = st.ps_recv;
	*drop = st.ps_drop;
	*ifdrop = st.ps_ifdrop;
	return 0;
}

void
kx_live_close(struct kx_live *l)
{
	if (l == NULL)
		return;
	pcap_close(l->p);
	free(l);
}

int
kx_capture_list_interfaces(FILE *out)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	pcap_if_t *all, *d;
	int i = 1;

	if (pcap_findalldevs(&all, errbuf) != 0) {
		fprintf(stderr, "kexray: cannot list interfaces: %s\n", errbuf);
		return -1;
	}
	for (d = all; d != NULL; d = d->next, i++)
		fprintf(out, "%d.%s%s%s%s\n", i, d->name,
		    d->description != NULL ? " (" : "",
		    d->description != NULL ? d->description : "",
		    d->description != NULL ? ")" : "");
	pcap_freealldevs(all);
	return 0;
}

char *
kx_capture_default_filter(const uint16_t *ports, unsigned nports)
{
	/* tcp[] reaches only IPv4 in libpcap's filter language, so IPv6 gets
	 * the same tests through ip6[] at the fixed 40-byte header (TCP
	 * behind IPv6 extension headers passes only on the SSH ports). */
	static const char rest[] =
	    " or (tcp[tcpflags] & (tcp-syn|tcp-fin|tcp-rst) != 0)"
	    " or (tcp[((tcp[12] & 0xf0) >> 2):4] = 0x5353482d)"
	    /* A cleartext SSH binary packet of the handshake (RFC 4253 6:
	     * length < 64 KiB, padding length, then the message code: 1
	     * DISCONNECT, 20-49 KEXINIT, NEWKEYS and the key exchange), so
	     * that SSH on a port not given to --port, found by its 'SSH-'
	     * line, keeps its KEXINITs and key exchange too. */
	    " or (tcp[((tcp[12] & 0xf0) >> 2):2] = 0"
	    " and (tcp[((tcp[12] & 0xf0) >> 2) + 5] = 1"
	    " or (tcp[((tcp[12] & 0xf0) >> 2) + 5] >= 20"
	    " and tcp[((tcp[12] & 0xf0) >> 2) + 5] <= 49)))"
	    " or (ip6 and ip6[6] = 6 and ((ip6[53] & 0x07) != 0"
	    " or ip6[(40 + ((ip6[52] & 0xf0) >> 2)):4] = 0x5353482d"
	    " or (ip6[(40 + ((ip6[52] & 0xf0) >> 2)):2] = 0"
	    " and (ip6[(40 + ((ip6[52] & 0xf0) >> 2)) + 5] = 1"
	    " or (ip6[(40 + ((ip6[52] & 0xf0) >> 2)) + 5] >= 20"
	    " and ip6[(40 + ((ip6[52] & 0xf0) >> 2)) + 5] <= 49)))))"
	    " or udp port 4789 or udp port 6081 or ip proto 47 or ip6 proto 47"
	    " or ether proto 0x8847 or ether proto 0x8848 or ether proto 0x8864";
	size_t len = sizeof("tcp port ()") + nports * 9 + sizeof(rest);
	char *f = malloc(len);
	size_t off;

	if (f == NULL)
		return NULL;
	off = (size_t)snprintf(f, len, "tcp port (");
	for (unsigned i = 0; i < nports && off < len; i++)
		off += (size_t)snprintf(f + off, len - off, "%s%u",
		    i > 0 ? " or " : "", ports[i]);
	if (off < len)
		snprintf(f + off, len - off, ")%s", rest);
	return f;
}
