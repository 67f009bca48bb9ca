/* fanout: joins live capture sockets in one PACKET_FANOUT group (packet(7)),
 * for --workers N and --fanout-group ID. libpcap has no API for it: the
 * option is set on the activated handle's socket, as Zeek's AF_PACKET
 * source does. The group hashes each packet's flow symmetrically, with IP
 * fragments reassembled first (PACKET_FANOUT_FLAG_DEFRAG), so every packet
 * of a connection, both ways, reaches the same socket. */
#ifndef KEXRAY_FANOUT_H
#define KEXRAY_FANOUT_H

#include <stddef.h>
#include <stdint.h>

/* Joins fd (pcap_fileno of an activated Linux handle) to group. Returns 0,
 * or -1 with a reason in err (the kernel's: another mode or another
 * interface already uses that group id, or no AF_PACKET socket). */
int kx_fanout_join(int fd, uint16_t group, char *err, size_t errlen);

struct kx_live;
struct kx_live_opts;

/* Live with --workers n or --fanout-group: caps[0] is first (open and
 * activated); opens caps[1..n-1] with the same options, and joins all n to
 * group (-1: kx_fanout_default_group). Before the privilege drop. Returns
 * 0, or -1 after one line on stderr (the handles opened are in caps, for
 * the caller to close). */
int kx_fanout_open(const struct kx_live_opts *lo, struct kx_live *first,
    unsigned n, int group, struct kx_live **caps);

/* A group id for one process's own workers: its pid folded to 16 bits
 * (ids are shared by every process in the network namespace). */
uint16_t kx_fanout_default_group(void);

#endif
