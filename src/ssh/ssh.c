/* ssh: the per-direction driver. A side reads its banner lines, then its
 * cleartext binary packets up to NEWKEYS, then nothing (RFC 4253 4.2, 6,
 * 7.3); the leaves banner.c and packet.c read one item each and say
 * whether to go on. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

const char kx_ssh_nothing[1] = "";

void
kx_ssh_side_init(struct kx_ssh_side *s, bool is_server)
{
	memset(s, 0, sizeof(*s));
	s->is_server = is_server;
	s->state = KX_SSH_BANNER;
	s->prebanner_first = kx_ssh_nothing;
	s->disc_desc = (const uint8_t *)kx_ssh_nothing;
}

void
kx_ssh_side_free(struct kx_ssh_side *s)
{
	if (s == NULL)
		return;
	if (s->kexinit != NULL) {
		kx_kexinit_free(s->kexinit);
		free(s->kexinit);
		s->kexinit = NULL;
	}
	free(s->banner);
	s->banner = NULL;
	s->banner_len = 0;
	free(s->hostkey);
	s->hostkey = NULL;
	s->hostkey_len = 0;
	/* The texts point into the heap, at kx_ssh_nothing, or (a side
	 * zeroed without kx_ssh_side_init) nowhere. */
	if (s->prebanner_first != NULL && s->prebanner_first != kx_ssh_nothing)
		free((void *)(uintptr_t)s->prebanner_first);
	s->prebanner_first = kx_ssh_nothing;
	s->prebanner_first_len = 0;
	if (s->disc_desc != NULL &&
	    s->disc_desc != (const uint8_t *)kx_ssh_nothing)
		free((void *)(uintptr_t)s->disc_desc);
	s->disc_desc = (const uint8_t *)kx_ssh_nothing;
	s->disc_desc_len = 0;
}

/* The status a stopped side answers with, every time it is fed. It is
 * derived from the anomalies that stopped it, since the side keeps no
 * separate record: a cap -> KX_LIMIT, SSH-1 -> KX_UNSUPPORTED, anything
 * else -> KX_MALFORMED. */
static enum kx_status
stopped_status(const struct kx_ssh_side *s)
{
	if (kx_anom_has(s->anomalies, KX_ANOM_SSH_BANNER_LINE_LIMIT) ||
	    kx_anom_has(s->anomalies, KX_ANOM_SSH_BANNER_PREBANNER_LIMIT))
		return KX_LIMIT;
	if (kx_anom_has(s->anomalies, KX_ANOM_SSH_VERSION_1))
		return KX_UNSUPPORTED;
	return KX_MALFORMED;
}

/* What the driver answers for a leaf's step: KX_OK to go on. */
static enum kx_status
step_status(struct kx_ssh_side *s, enum kx_ssh_step step)
{
	switch (step) {
	case KX_SSH_STEP_NEXT:
		return KX_OK;
	case KX_SSH_STEP_NEED_MORE:
		return KX_NEED_MORE;
	case KX_SSH_STEP_NOMEM:
		return KX_NOMEM;
	case KX_SSH_STEP_STOP:
		break;
	}
	s->state = KX_SSH_STOPPED;
	return stopped_status(s);
}

enum kx_status
kx_ssh_feed(struct kx_ssh_side *s, const uint8_t *data, size_t len,
    size_t *used)
{
	struct kx_cursor c;
	enum kx_status st = KX_OK;

	kx_cur_init(&c, data, len);
	while (st == KX_OK) {
		switch (s->state) {
		case KX_SSH_BANNER:
			st = step_status(s, kx_ssh_banner_line(s, &c));
			break;
		case KX_SSH_PACKETS:
			st = step_status(s, kx_ssh_packet_step(s, &c));
			break;
		case KX_SSH_ENCRYPTED:
			/* Bytes after NEWKEYS are ciphertext: not ours. */
			goto out;
		case KX_SSH_STOPPED:
			st = stopped_status(s);
			goto out;
		default:
			st = KX_MALFORMED;
			goto out;
		}
	}
out:
	*used = kx_cur_used(&c);
	s->bytes_parsed += *used;
	return st;
}
