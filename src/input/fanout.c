/* PACKET_FANOUT for --workers and --fanout-group (fanout.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kexray/input/fanout.h"
#include "kexray/input/capture.h"

#if defined(__linux__)
#include <sys/socket.h>
#include <linux/if_packet.h>
#endif

int
kx_fanout_join(int fd, uint16_t group, char *err, size_t errlen)
{
#if defined(__linux__) && defined(PACKET_FANOUT)
	/* The low 16 bits are the group id, the high 16 the mode and flags:
	 * a flow hash (symmetric in the kernel, __skb_get_hash_symmetric),
	 * after IP defragmentation. */
	int v = (int)((uint32_t)group |
	    ((uint32_t)(PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_DEFRAG) << 16));

	if (fd < 0) {
		snprintf(err, errlen, "no capture socket to join a fanout group");
		return -1;
	}
	if (setsockopt(fd, SOL_PACKET, PACKET_FANOUT, &v, sizeof(v)) != 0) {
		snprintf(err, errlen, "fanout group %u: %s", (unsigned)group,
		    strerror(errno));
		return -1;
	}
	return 0;
#else
	(void)fd;
	(void)group;
	snprintf(err, errlen, "packet fanout needs Linux");
	return -1;
#endif
}

uint16_t
kx_fanout_default_group(void)
{
	uint32_t p = (uint32_t)getpid();

	return (uint16_t)(p ^ (p >> 16));
}

int
kx_fanout_open(const struct kx_live_opts *lo, struct kx_live *first,
    unsigned n, int group, struct kx_live **caps)
{
	char err[128];
	uint16_t g = group >= 0 ? (uint16_t)group : kx_fanout_default_group();

	caps[0] = first;
	for (unsigned i = 1; i < n; i++)
		if (kx_live_open(lo, &caps[i]) != 0)
			return -1;
	for (unsigned i = 0; i < n; i++)
		if (kx_fanout_join(kx_live_fd(caps[i]), g, err, sizeof(err)) != 0) {
			fprintf(stderr, "kexray: %s: %s\n", lo->iface, err);
			return -1;
		}
	return 0;
}
