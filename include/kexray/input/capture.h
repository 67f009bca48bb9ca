/* capture: opens saved captures (pcap, pcapng, "-" for stdin) through
 * libpcap, applies an optional BPF filter and hands every frame on. Parses
 * no protocol bytes. */
#ifndef KEXRAY_CAPTURE_H
#define KEXRAY_CAPTURE_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

typedef void (*kx_frame_fn)(void *arg, int dlt, const uint8_t *frame,
    uint32_t caplen, uint32_t wirelen, uint64_t ts_us, uint64_t frame_no);

/* Set from signal handlers; the loop and the caller's tick act on them. */
extern volatile sig_atomic_t kx_capture_stop;   /* SIGINT, SIGTERM */
extern volatile sig_atomic_t kx_capture_hup;    /* SIGHUP: reopen output */
extern volatile sig_atomic_t kx_capture_usr1;   /* SIGUSR1: print stats */

/* Called about once a second while a live capture runs, with the wall
 * clock, whether or not packets arrive. */
typedef void (*kx_tick_fn)(void *arg, uint64_t now_us);

struct kx_live_opts {
	const char *iface;
	int snaplen;        /* 0: KX_LIVE_SNAPLEN */
	int promisc;        /* 1: promiscuous (the default, as on a mirror port) */
	int buffer_kib;     /* kernel buffer; 0: libpcap's default */
	int immediate;      /* deliver each packet at once */
	const char *filter; /* NULL: none */
};

/* Enough for the largest handshake segment on any common MTU (and jumbo
 * frames); what tcpdump uses by default. */
#define KX_LIVE_SNAPLEN 262144

struct kx_live;

/* Opens and activates the interface. Returns 0, or -1 after printing one
 * line to stderr ("kexray: eth0: ..."); libpcap's warnings are printed
 * and are not errors. */
int kx_live_open(const struct kx_live_opts *o, struct kx_live **out);
int kx_live_datalink(const struct kx_live *l);
/* The activated handle's socket (pcap_fileno), for kx_fanout_join. */
int kx_live_fd(const struct kx_live *l);
/* Reads until kx_capture_stop is set; tick runs about once a second.
 * Returns 0, or -1 after printing one line to stderr. */
int kx_live_run(struct kx_live *l, kx_frame_fn fn, kx_tick_fn tick, void *arg);
/* Packets received, dropped by the kernel (buffer full) and by the
 * interface, from pcap_stats. Returns -1 when not available. */
int kx_live_stats(struct kx_live *l, uint64_t *recv, uint64_t *drop,
    uint64_t *ifdrop);
void kx_live_close(struct kx_live *l);

/* Live with kexray's own default filter (kx_capture_default_filter) for
 * ports: lets port's traffic in too, from now on, when SSH was found
 * there by its "SSH-" line (the default filter lets in only the first
 * bytes of a handshake on other ports). At most KX_LIVE_FOLLOW_MAX ports
 * are added; a filter given by the user is never changed. Returns 0, or
 * -1 (the filter is left as it was). */
#define KX_LIVE_FOLLOW_MAX 32
int kx_live_follow_port(struct kx_live *l, const uint16_t *ports,
    unsigned nports, uint16_t port);

/* Prints the interfaces kexray can capture on, one per line (-D). */
int kx_capture_list_interfaces(FILE *out);

/* The default live filter for the given SSH ports, or NULL when out of
 * memory. It passes TCP to and from those ports, every SYN, FIN and RST,
 * every TCP segment whose payload begins "SSH-" (IPv4 and IPv6), and the
 * tunnels kexray decodes. Caller frees. */
char *kx_capture_default_filter(const uint16_t *ports, unsigned nports);

/* Reads one file to its end. Returns 0, or -1 after printing one line
 * "kexray: FILE: ..." (with the packet number when the damage is inside
 * the file) to stderr. Frames read before the damage have been handed on. */
int kx_capture_file(const char *path, const char *filter, kx_frame_fn fn,
    void *arg);

/* Opens a capture file for reading, before the privilege drop: returns its
 * descriptor (standard input for "-"), or -1 with errno set. */
int kx_capture_open_input(const char *path);

/* kx_capture_file on a descriptor from kx_capture_open_input, which it
 * closes; fd -1 reports open_errno as the failure to open path. */
int kx_capture_fd(int fd, int open_errno, const char *path,
    const char *filter, kx_frame_fn fn, void *arg);

/* How many bytes of the file kx_capture_file is reading have been read
 * (for the progress line); -1 outside it or when the input cannot tell
 * (a pipe). */
int64_t kx_capture_file_offset(void);

/* Compiles filter once against Ethernet to catch a syntax error before any
 * input is opened. Returns 0, or -1 after printing one line to stderr. */
int kx_capture_check_filter(const char *filter);

#endif
