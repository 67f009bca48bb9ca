/* negotiate: RFC 4253 7.1 algorithm negotiation, as both peers run it:
 * per category, the first algorithm on the client's list that is also on
 * the server's. */
#ifndef KEXRAY_NEGOTIATE_H
#define KEXRAY_NEGOTIATE_H

#include <stdbool.h>
#include <stdint.h>

#include "kexray/ssh/ssh.h"

/* The eight negotiated categories. Order is OpenSSH's own check order on
 * the server (kex.c kex_choose_conf: kex, host key, then for the
 * client-to-server mode cipher, MAC, compression, then server-to-client),
 * so the first failing category is the one sshd logs. */
enum kx_cat {
	KX_CAT_KEX,
	KX_CAT_HOSTKEY,
	KX_CAT_CIPHER_C2S,
	KX_CAT_MAC_C2S,
	KX_CAT_COMP_C2S,
	KX_CAT_CIPHER_S2C,
	KX_CAT_MAC_S2C,
	KX_CAT_COMP_S2C,
	KX_CAT_MAX
};

/* JSON key of each category ("kex", "host_key", "cipher_c2s", ...). */
extern const char *const kx_cat_names[KX_CAT_MAX];
/* The same categories in words, for sentences: "host key algorithm". */
extern const char *const kx_cat_words[KX_CAT_MAX];
/* Short labels for the text report: "kex", "host key", "cipher c2s". */
extern const char *const kx_cat_labels[KX_CAT_MAX];
/* The KEXINIT list each category is negotiated from. */
extern const enum kx_proposal kx_cat_proposal[KX_CAT_MAX];

enum kx_nego_res {
	KX_NEGO_UNKNOWN,   /* a KEXINIT is missing: nothing can be said */
	KX_NEGO_AGREED,
	KX_NEGO_MISMATCH,  /* no common algorithm */
	KX_NEGO_IMPLICIT,  /* MAC with an AEAD cipher: no MAC is negotiated */
};

struct kx_alg {
	const uint8_t *p;  /* into the client's KEXINIT copy */
	uint32_t len;
};

struct kx_nego {
	enum kx_nego_res res[KX_CAT_MAX];
	struct kx_alg alg[KX_CAT_MAX];
	uint32_t mismatch_mask;    /* bit per kx_cat */
	int first_failure;         /* kx_cat sshd would log first, -1 none */
};

/* Negotiates every category; either KEXINIT may be NULL (all UNKNOWN).
 * Uses no memory past the call beyond what *out points into (the client's
 * KEXINIT). Linear in the list sizes. */
void kx_negotiate(const struct kx_kexinit *client,
    const struct kx_kexinit *server, struct kx_nego *out);

/* The words sshd logs for a category's failure ("no matching cipher found"). */
const char *kx_nego_failure_text(enum kx_cat cat);

/* True for the ciphers whose MAC is implicit (authenticated encryption). */
bool kx_cipher_is_aead(const uint8_t *name, uint32_t len);

/* True for kex list markers that are not key exchange methods
 * (ext-info-c/-s, RFC 8308; kex-strict-*, OpenSSH PROTOCOL). */
bool kx_kex_is_pseudo(const uint8_t *name, uint32_t len);

#endif
