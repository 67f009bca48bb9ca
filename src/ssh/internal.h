/* Shared by the three files of the ssh stage (ssh_banner.c, ssh_packet.c,
 * ssh_kexinit.c); not part of the public API. */
#ifndef KEXRAY_SSH_INTERNAL_H
#define KEXRAY_SSH_INTERNAL_H

#include "kexray/core/cursor.h"
#include "kexray/ssh/ssh.h"

/* State BANNER: parses one line (RFC 4253 4.2) from *c. Consumes the line
 * and returns KX_OK (the state may now be PACKETS), returns KX_NEED_MORE
 * with nothing consumed, or stops the side and returns what
 * kx_ssh_stop returns. */
KX_WUR enum kx_status kx_ssh_banner_line(struct kx_ssh_side *s,
    struct kx_cursor *c);

/* Puts the side in STOPPED and returns kx_ssh_stopped_status(s). */
enum kx_status kx_ssh_stop(struct kx_ssh_side *s);

/* The status a stopped side answers with, every time it is fed. It is
 * derived from the anomalies that stopped it, since the side keeps no
 * separate record: a cap -> KX_LIMIT, SSH-1 -> KX_UNSUPPORTED, anything
 * else -> KX_MALFORMED. */
KX_WUR enum kx_status kx_ssh_stopped_status(const struct kx_ssh_side *s);

#endif
