/* Shared by the files of the ssh stage; not part of the public API. The
 * driver (ssh.c) owns the side's state machine and calls the leaves
 * (banner.c for lines, packet.c for binary packets, which calls
 * kexinit.c); no leaf calls back into the driver. */
#ifndef KEXRAY_SSH_INTERNAL_H
#define KEXRAY_SSH_INTERNAL_H

#include "kexray/core/cursor.h"
#include "kexray/ssh/ssh.h"

/* What one step of a leaf tells the driver. */
enum kx_ssh_step {
	KX_SSH_STEP_NEXT,      /* one item consumed; the state may have moved */
	KX_SSH_STEP_NEED_MORE, /* nothing consumed: the item is incomplete */
	KX_SSH_STEP_STOP,      /* the side cannot go on; an anomaly says why */
	KX_SSH_STEP_NOMEM,     /* out of memory; nothing consumed */
};

/* State BANNER: one line (RFC 4253 4.2) from *c. On NEXT the line is
 * consumed (the state may now be PACKETS); on STOP the identification
 * line that stopped the side is consumed, a line over a cap is not. */
KX_WUR enum kx_ssh_step kx_ssh_banner_line(struct kx_ssh_side *s,
    struct kx_cursor *c);

/* State PACKETS: one binary packet (RFC 4253 6) from *c, consumed only on
 * NEXT. NEWKEYS moves the state to ENCRYPTED. */
KX_WUR enum kx_ssh_step kx_ssh_packet_step(struct kx_ssh_side *s,
    struct kx_cursor *c);

#endif
