/* ssh: incremental parser for one direction of an SSH connection, fed the
 * in-order bytes reassembly delivers. It records facts and judges nothing:
 * pre-banner lines (server), the identification string (RFC 4253 4.2), then
 * cleartext binary packets (RFC 4253 6) until this side's NEWKEYS, after
 * which the side is encrypted and only byte counts are kept. */
#ifndef KEXRAY_SSH_H
#define KEXRAY_SSH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kexray/core/anomaly.h"
#include "kexray/core/limits.h"
#include "kexray/core/status.h"

/* The ten KEXINIT name-lists in wire order (RFC 4253 7.1). */
enum kx_proposal {
	KX_PROP_KEX,
	KX_PROP_HOSTKEY,
	KX_PROP_ENC_C2S,
	KX_PROP_ENC_S2C,
	KX_PROP_MAC_C2S,
	KX_PROP_MAC_S2C,
	KX_PROP_COMP_C2S,
	KX_PROP_COMP_S2C,
	KX_PROP_LANG_C2S,
	KX_PROP_LANG_S2C,
	KX_PROP_MAX
};

/* RFC 4253 field names, indexed by kx_proposal. */
extern const char *const kx_proposal_names[KX_PROP_MAX];

/* One name-list: comma-separated names, pointing into kx_kexinit.raw. */
struct kx_namelist {
	const uint8_t *p;
	uint32_t len;
	uint32_t count;   /* names in the list (0 for an empty list) */
};

struct kx_kexinit {
	uint8_t cookie[16];
	struct kx_namelist list[KX_PROP_MAX];
	bool first_kex_follows;
	uint32_t reserved;
	uint8_t *raw;       /* owned copy of the message payload */
	uint32_t raw_len;
	uint64_t hash;      /* kx_kexinit_hash, set by kx_kexinit_parse; 0: not yet */
};

/* Parses a KEXINIT payload (starting with the message byte 20) into *out.
 * Copies the payload; out->raw must be released with kx_kexinit_free.
 * Returns KX_OK, KX_MALFORMED (a field overruns; *anoms says which) or
 * KX_NOMEM. On KX_OK, *anoms may still carry ssh.kexinit.trailing or
 * ssh.kexinit.bad_name. */
KX_WUR enum kx_status kx_kexinit_parse(const uint8_t *payload, size_t len,
    struct kx_kexinit *out, kx_anomset *anoms);
void kx_kexinit_free(struct kx_kexinit *k);

/* A 64-bit hash of what analysis reads from a KEXINIT: the ten lists and
 * first_kex_packet_follows (not the cookie). k->hash when set, else
 * computed. Equal KEXINITs hash equal; the memo (memo.h) compares the
 * bytes too. */
uint64_t kx_kexinit_hash(const struct kx_kexinit *k);
/* The byte hash it uses, for other keys: seed, then len bytes at p. */
uint64_t kx_hash_bytes(uint64_t seed, const uint8_t *p, size_t len);

/* Iterates the names of a list: *off starts at 0; returns false when done.
 * Empty names are yielded too ("a,,b" -> "a", "", "b"; "a," -> "a", ""), so
 * the caller sees exactly what is on the wire; count counts the same way. */
bool kx_namelist_next(const struct kx_namelist *nl, uint32_t *off,
    const uint8_t **name, uint32_t *name_len);
/* Whether name[0..len) is one of the list's names: a linear walk, for
 * the short lists and single look-ups; negotiation of long lists uses a
 * set (negotiate.c). */
bool kx_namelist_has(const struct kx_namelist *nl, const uint8_t *name,
    uint32_t len);

/* Message codes (RFC 4250 4.1.2, RFC 4253 12, RFC 4419, RFC 5656). */
enum {
	KX_MSG_DISCONNECT = 1,
	KX_MSG_IGNORE = 2,
	KX_MSG_UNIMPLEMENTED = 3,
	KX_MSG_DEBUG = 4,
	KX_MSG_SERVICE_REQUEST = 5,
	KX_MSG_SERVICE_ACCEPT = 6,
	KX_MSG_EXT_INFO = 7,
	KX_MSG_KEXINIT = 20,
	KX_MSG_NEWKEYS = 21,
	KX_MSG_KEX_FIRST = 30,   /* 30-49: kex method specific */
	KX_MSG_KEX_LAST = 49,
};

enum kx_ssh_state {
	KX_SSH_BANNER,     /* waiting for the identification line */
	KX_SSH_PACKETS,    /* cleartext binary packets */
	KX_SSH_ENCRYPTED,  /* this side sent NEWKEYS: nothing more to parse */
	KX_SSH_STOPPED,    /* gave up: SSH-1, malformed framing, a cap */
};

struct kx_msg_rec {
	uint8_t code;
	uint32_t size;    /* payload bytes, message code included */
};

struct kx_ssh_side {
	bool is_server;
	enum kx_ssh_state state;

	/* pre-banner lines (RFC 4253 4.2 lets the server send them) */
	uint32_t prebanner_lines;
	/* first line, no CR LF, NUL-terminated: allocated when one is seen
	 * (rare), else kx_ssh_nothing; never NULL after kx_ssh_side_init */
	const char *prebanner_first;
	uint16_t prebanner_first_len;

	/* identification string, without CR LF; may hold any byte (NUL too) */
	bool have_banner;
	uint8_t *banner;          /* owned, banner_len bytes */
	uint16_t banner_len;
	bool banner_truncated;    /* longer than KX_BANNER_KEEP; the first bytes kept */
	/* parts of banner: "SSH-" proto "-" software [" " comments] */
	uint16_t proto_off, proto_len;
	uint16_t soft_off, soft_len;
	uint16_t comments_off, comments_len; /* comments_len 0: none */
	uint8_t proto_major; /* 1 or 2; 0 when not parsed */
	uint8_t proto_minor; /* 99 for SSH-1.99 */

	/* cleartext packets */
	struct kx_kexinit *kexinit;   /* the first KEXINIT, owned; NULL if none */
	uint32_t kexinit_raw_len;     /* kexinit->raw_len, kept here so that
	                               * the per-packet memory accounting
	                               * (kx_conn_mem) need not follow the
	                               * pointer */
	uint32_t kexinit_count;
	uint32_t msg_count;           /* cleartext messages seen */
	struct kx_msg_rec msglog[KX_MSGLOG_MAX]; /* the first ones, in order */
	uint8_t last_msg;             /* code of the latest cleartext message, 0 none */
	bool newkeys;
	bool kex_msg_logged;          /* msglog holds a kex method message (30-49) */

	/* server only: the host key blob K_S of the first well-formed KEX
	 * reply (src/ssh/packet.c says which messages qualify), owned; NULL if
	 * none, or longer than KX_HOSTKEY_MAX (ssh.hostkey.too_long) */
	uint8_t *hostkey;
	uint32_t hostkey_len;
	uint8_t hostkey_msg;          /* message code it came in */

	bool have_disconnect;
	uint32_t disc_reason;
	/* its description, at most KX_DISC_DESC_KEEP bytes: allocated when
	 * kept, else kx_ssh_nothing; never NULL after kx_ssh_side_init */
	const uint8_t *disc_desc;
	uint16_t disc_desc_len;

	uint64_t bytes_parsed;        /* stream bytes consumed by the parser */
	kx_anomset anomalies;
};

/* "": what prebanner_first and disc_desc point to until text is kept
 * (a side without a pre-banner line or a DISCONNECT costs no buffer). */
extern const char kx_ssh_nothing[1];

void kx_ssh_side_init(struct kx_ssh_side *s, bool is_server);
void kx_ssh_side_free(struct kx_ssh_side *s);

/* Parses as many complete items (lines, packets) of data[0..len) as there
 * are and stores in *used how many bytes they took. The caller keeps the
 * rest and feeds it again, with more bytes after it, on the next call.
 * Returns:
 *   KX_NEED_MORE  the rest is an incomplete item
 *   KX_OK         the side reached KX_SSH_ENCRYPTED (NEWKEYS parsed; bytes
 *                 after *used are encrypted and not to be fed)
 *   KX_MALFORMED / KX_LIMIT / KX_UNSUPPORTED (SSH-1.x other than 1.99)
 *                 the side reached KX_SSH_STOPPED; anomalies say why
 *   KX_NOMEM
 * Feeding a side in ENCRYPTED or STOPPED state consumes nothing and returns
 * the same status as before. */
KX_WUR enum kx_status kx_ssh_feed(struct kx_ssh_side *s, const uint8_t *data,
    size_t len, size_t *used);

/* Name of a message code ("KEXINIT", "KEXDH_INIT" ...; "UNKNOWN" for codes
 * without a name), a string literal, never NULL. */
const char *kx_ssh_msg_name(uint8_t code);

/* Name of a DISCONNECT reason code (RFC 4253 11.1), or NULL if unknown. */
const char *kx_ssh_disconnect_reason_name(uint32_t reason);

#endif
