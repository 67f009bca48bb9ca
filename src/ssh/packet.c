/* ssh packets: the cleartext binary packet protocol (RFC 4253 6) up to
 * this side's NEWKEYS (RFC 4253 7.3). Before NEWKEYS no MAC is sent
 * (RFC 4253 6.4: "none" until keys are in use), so a packet is exactly
 * 4 + packet_length bytes. A leaf of the driver in ssh.c. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Only the first KEXINIT is kept: a second one before NEWKEYS breaks
 * RFC 4253 7.1 (re-exchange starts only after keys are in use). A parse
 * failure is recorded and the side goes on, since framing is intact. */
static enum kx_status
on_kexinit(struct kx_ssh_side *s, const uint8_t *p, size_t n)
{
	struct kx_kexinit *k;
	enum kx_status st;

	if (s->kexinit_count > 0) {
		kx_anom_set(&s->anomalies, KX_ANOM_SSH_KEXINIT_REPEATED);
		if (s->kexinit_count < UINT32_MAX)
			s->kexinit_count++;
		return KX_OK;
	}
	k = malloc(sizeof(*k));
	if (k == NULL)
		return KX_NOMEM;
	st = kx_kexinit_parse(p, n, k, &s->anomalies);
	if (st == KX_NOMEM) {
		free(k);
		return st;
	}
	if (st == KX_OK) {
		s->kexinit = k;
		s->kexinit_raw_len = k->raw_len;
	} else {
		free(k);
	}
	s->kexinit_count = 1;
	return KX_OK;
}

/* RFC 4253 11.1: byte 1, uint32 reason code, string description (UTF-8),
 * string language tag. The first DISCONNECT is kept; a peer sends one. */
static void
on_disconnect(struct kx_ssh_side *s, struct kx_cursor payload)
{
	struct kx_cursor desc, lang;
	const uint8_t *p;
	uint32_t reason;
	size_t n;
	bool keep = !s->have_disconnect;

	if (kx_cur_skip(&payload, 1) != KX_OK ||
	    kx_cur_u32be(&payload, &reason) != KX_OK)
		goto malformed;
	if (keep) {
		s->have_disconnect = true;
		s->disc_reason = reason;
	}
	if (kx_cur_sshstring(&payload, &desc) != KX_OK)
		goto malformed;
	if (keep) {
		n = kx_cur_left(&desc);
		if (n > KX_DISC_DESC_KEEP)
			n = KX_DISC_DESC_KEEP;
		if (n > 0 && kx_cur_bytes(&desc, n, &p) == KX_OK) {
			uint8_t *d = malloc(n);

			/* Out of memory: the reason is kept, the text not. */
			if (d != NULL) {
				memcpy(d, p, n);
				s->disc_desc = d;
				s->disc_desc_len = (uint16_t)n;
			}
		}
	}
	if (kx_cur_sshstring(&payload, &lang) != KX_OK)
		goto malformed;
	return;
malformed:
	kx_anom_set(&s->anomalies, KX_ANOM_SSH_MSG_MALFORMED);
}

/* The server's KEX replies open with its host key K_S: KEXDH_REPLY and
 * KEX_ECDH_REPLY (31: string K_S, string f or Q_S, string signature;
 * RFC 4253 8, RFC 5656 4), the hybrid post-quantum replies (31, the same
 * three strings; draft-ietf-sshm-ntruprime-ssh, draft-ietf-sshm-mlkem-
 * hybrid-kex), KEX_DH_GEX_REPLY (33, the same; RFC 4419 3) and
 * KEXRSA_PUBKEY (30: string K_S, string K_T; RFC 4432 4). Code 31 also
 * means KEX_DH_GEX_GROUP (mpint p, mpint g), and this stage judges
 * nothing, so it does not know the negotiated kex: a message is taken for
 * a reply only when it is well-formed as one, with exactly that many
 * strings and a K_S that opens with a key type name (RFC 4253 6.6). A
 * GEX group has two fields and never passes for a 31 reply. The first
 * reply wins. Returns KX_OK or KX_NOMEM. */
static enum kx_status
on_kex_reply(struct kx_ssh_side *s, uint8_t code, struct kx_cursor payload)
{
	struct kx_cursor ks, f, type;
	uint32_t nstrings = code == 30 ? 2 : 3;
	uint8_t b;

	if (!s->is_server || s->hostkey != NULL ||
	    kx_anom_has(s->anomalies, KX_ANOM_SSH_HOSTKEY_TOO_LONG) ||
	    (code != 30 && code != 31 && code != 33))
		return KX_OK;
	if (kx_cur_skip(&payload, 1) != KX_OK ||
	    kx_cur_sshstring(&payload, &ks) != KX_OK)
		return KX_OK;
	for (uint32_t i = 1; i < nstrings; i++)
		if (kx_cur_sshstring(&payload, &f) != KX_OK)
			return KX_OK;
	if (kx_cur_left(&payload) != 0)
		return KX_OK;
	/* RFC 4251 6: algorithm names are 1-64 printable US-ASCII bytes. */
	f = ks;
	if (kx_cur_sshstring(&f, &type) != KX_OK || kx_cur_left(&type) == 0 ||
	    kx_cur_left(&type) > 64)
		return KX_OK;
	while (kx_cur_u8(&type, &b) == KX_OK)
		if (b <= 0x20 || b >= 0x7f || b == ',')
			return KX_OK;
	if (kx_cur_left(&ks) > KX_HOSTKEY_MAX) {
		kx_anom_set(&s->anomalies, KX_ANOM_SSH_HOSTKEY_TOO_LONG);
		return KX_OK;
	}
	/* Within one packet, so far below 2^32. */
	s->hostkey_len = (uint32_t)kx_cur_left(&ks);
	if ((s->hostkey = malloc(s->hostkey_len > 0 ? s->hostkey_len : 1)) == NULL) {
		s->hostkey_len = 0;
		return KX_NOMEM;
	}
	memcpy(s->hostkey, kx_cur_rest(&ks), s->hostkey_len);
	s->hostkey_msg = code;
	return KX_OK;
}

/* One message, in a cursor bounded to the payload, which
 * kx_ssh_packet_step has made at least one byte long. Returns NEXT, STOP
 * or NOMEM; on NOMEM nothing about the message is recorded, so feeding the
 * packet again later gives the same facts. */
static enum kx_ssh_step
on_message(struct kx_ssh_side *s, struct kx_cursor payload)
{
	struct kx_cursor whole = payload;
	size_t size = kx_cur_left(&payload);
	const uint8_t *p;
	uint8_t code;

	if (kx_cur_peek_u8(&payload, 0, &code) != KX_OK ||
	    kx_cur_bytes(&whole, size, &p) != KX_OK) {
		kx_anom_set(&s->anomalies, KX_ANOM_SSH_PACKET_BAD_PADDING);
		return KX_SSH_STEP_STOP;
	}

	switch (code) {
	case KX_MSG_KEXINIT:
		if (on_kexinit(s, p, size) != KX_OK)
			return KX_SSH_STEP_NOMEM;
		break;
	case KX_MSG_NEWKEYS:
		s->newkeys = true;
		s->state = KX_SSH_ENCRYPTED;
		break;
	case KX_MSG_DISCONNECT:
		on_disconnect(s, payload);
		break;
	case KX_MSG_IGNORE:
	case KX_MSG_UNIMPLEMENTED:
	case KX_MSG_DEBUG:
		/* RFC 4253 11.2-11.4: allowed at any time. */
		break;
	default:
		/* RFC 4250 4.1.2: 30-49 belong to the kex method. Anything
		 * else (service requests, EXT_INFO, auth, channels) has no
		 * place before NEWKEYS. */
		if (code < KX_MSG_KEX_FIRST || code > KX_MSG_KEX_LAST)
			kx_anom_set(&s->anomalies, KX_ANOM_SSH_MSG_UNEXPECTED);
		else if (on_kex_reply(s, code, payload) != KX_OK)
			return KX_SSH_STEP_NOMEM;
		break;
	}

	if (s->msg_count < KX_MSGLOG_MAX) {
		s->msglog[s->msg_count].code = code;
		/* size <= KX_SSH_PACKET_MAX: it fits a uint32_t. */
		s->msglog[s->msg_count].size = (uint32_t)size;
		if (code >= KX_MSG_KEX_FIRST && code <= KX_MSG_KEX_LAST)
			s->kex_msg_logged = true;
	}
	if (s->msg_count < UINT32_MAX)
		s->msg_count++;
	s->last_msg = code;
	return KX_SSH_STEP_NEXT;
}

enum kx_ssh_step
kx_ssh_packet_step(struct kx_ssh_side *s, struct kx_cursor *c)
{
	struct kx_cursor t = *c, pkt, payload;
	uint32_t plen;
	uint8_t padlen;
	enum kx_ssh_step st;

	if (kx_cur_u32be(&t, &plen) != KX_OK)
		return KX_SSH_STEP_NEED_MORE;
	/* Judge the length before waiting for the bytes: a garbage length
	 * (up to 4 GiB) must stop the side now, not hold the stream open. */
	if (plen < KX_SSH_PACKET_MIN || plen > KX_SSH_PACKET_MAX) {
		kx_anom_set(&s->anomalies, KX_ANOM_SSH_PACKET_BAD_LENGTH);
		return KX_SSH_STEP_STOP;
	}
	if (kx_cur_peek_u8(&t, 0, &padlen) != KX_OK)
		return KX_SSH_STEP_NEED_MORE;
	/* The payload must hold at least the message code; plen >= 5 keeps
	 * plen - 2 from wrapping. */
	if (padlen > plen - 2) {
		kx_anom_set(&s->anomalies, KX_ANOM_SSH_PACKET_BAD_PADDING);
		return KX_SSH_STEP_STOP;
	}
	if (kx_cur_sub(&t, plen, &pkt) != KX_OK)
		return KX_SSH_STEP_NEED_MORE;

	/* RFC 4253 6: at least four bytes of padding, and the whole packet a
	 * multiple of 8 (no cipher yet). Both leave the framing readable. */
	if (padlen < 4)
		kx_anom_set(&s->anomalies, KX_ANOM_SSH_PACKET_BAD_PADDING);
	if ((plen + 4) % 8 != 0)
		kx_anom_set(&s->anomalies, KX_ANOM_SSH_PACKET_UNALIGNED);

	if (kx_cur_skip(&pkt, 1) != KX_OK ||
	    kx_cur_sub(&pkt, plen - 1 - padlen, &payload) != KX_OK)
		return KX_SSH_STEP_NEED_MORE;
	if ((st = on_message(s, payload)) != KX_SSH_STEP_NEXT)
		return st;
	*c = t;
	return KX_SSH_STEP_NEXT;
}

const char *
kx_ssh_msg_name(uint8_t code)
{
	switch (code) {
	case KX_MSG_DISCONNECT:		return "DISCONNECT";
	case KX_MSG_IGNORE:		return "IGNORE";
	case KX_MSG_UNIMPLEMENTED:	return "UNIMPLEMENTED";
	case KX_MSG_DEBUG:		return "DEBUG";
	case KX_MSG_SERVICE_REQUEST:	return "SERVICE_REQUEST";
	case KX_MSG_SERVICE_ACCEPT:	return "SERVICE_ACCEPT";
	case KX_MSG_EXT_INFO:		return "EXT_INFO";
	case KX_MSG_KEXINIT:		return "KEXINIT";
	case KX_MSG_NEWKEYS:		return "NEWKEYS";
	/* 30-34 mean different things per kex method (RFC 4253 8,
	 * RFC 5656 7.1, RFC 4419 5); these are the names most methods use. */
	case 30:			return "KEXDH_INIT";
	case 31:			return "KEXDH_REPLY";
	case 32:			return "KEX_DH_GEX_INIT";
	case 33:			return "KEX_DH_GEX_REPLY";
	case 34:			return "KEX_DH_GEX_REQUEST";
	default:			return "UNKNOWN";
	}
}

/* RFC 4253 11.1, RFC 4250 4.2.2. */
static const char *const disconnect_reasons[] = {
	[1] = "HOST_NOT_ALLOWED_TO_CONNECT",
	[2] = "PROTOCOL_ERROR",
	[3] = "KEY_EXCHANGE_FAILED",
	[4] = "RESERVED",
	[5] = "MAC_ERROR",
	[6] = "COMPRESSION_ERROR",
	[7] = "SERVICE_NOT_AVAILABLE",
	[8] = "PROTOCOL_VERSION_NOT_SUPPORTED",
	[9] = "HOST_KEY_NOT_VERIFIABLE",
	[10] = "CONNECTION_LOST",
	[11] = "BY_APPLICATION",
	[12] = "TOO_MANY_CONNECTIONS",
	[13] = "AUTH_CANCELLED_BY_USER",
	[14] = "NO_MORE_AUTH_METHODS_AVAILABLE",
	[15] = "ILLEGAL_USER_NAME",
};

const char *
kx_ssh_disconnect_reason_name(uint32_t reason)
{
	if (reason >= sizeof(disconnect_reasons) / sizeof(disconnect_reasons[0]))
		return NULL;
	return disconnect_reasons[reason];
}
