/* RFC 4253 7.1 negotiation. The server's names go into a hash set and the
 * client's list is walked once (STYLE 7): linear, whatever the list sizes,
 * and unlike OpenSSH's match_list no entry past the 40th is ignored. */
#include <stdlib.h>
#include <string.h>

#include "kexray/analyze/negotiate.h"

const char *const kx_cat_names[KX_CAT_MAX] = {
	[KX_CAT_KEX] = "kex",
	[KX_CAT_HOSTKEY] = "host_key",
	[KX_CAT_CIPHER_C2S] = "cipher_c2s",
	[KX_CAT_MAC_C2S] = "mac_c2s",
	[KX_CAT_COMP_C2S] = "compression_c2s",
	[KX_CAT_CIPHER_S2C] = "cipher_s2c",
	[KX_CAT_MAC_S2C] = "mac_s2c",
	[KX_CAT_COMP_S2C] = "compression_s2c",
};

const char *const kx_cat_words[KX_CAT_MAX] = {
	[KX_CAT_KEX] = "key exchange algorithm",
	[KX_CAT_HOSTKEY] = "host key algorithm",
	[KX_CAT_CIPHER_C2S] = "cipher (client to server)",
	[KX_CAT_MAC_C2S] = "MAC (client to server)",
	[KX_CAT_COMP_C2S] = "compression (client to server)",
	[KX_CAT_CIPHER_S2C] = "cipher (server to client)",
	[KX_CAT_MAC_S2C] = "MAC (server to client)",
	[KX_CAT_COMP_S2C] = "compression (server to client)",
};

const char *const kx_cat_labels[KX_CAT_MAX] = {
	[KX_CAT_KEX] = "kex",
	[KX_CAT_HOSTKEY] = "host key",
	[KX_CAT_CIPHER_C2S] = "cipher c2s",
	[KX_CAT_MAC_C2S] = "mac c2s",
	[KX_CAT_COMP_C2S] = "comp c2s",
	[KX_CAT_CIPHER_S2C] = "cipher s2c",
	[KX_CAT_MAC_S2C] = "mac s2c",
	[KX_CAT_COMP_S2C] = "comp s2c",
};

const enum kx_proposal kx_cat_proposal[KX_CAT_MAX] = {
	[KX_CAT_KEX] = KX_PROP_KEX,
	[KX_CAT_HOSTKEY] = KX_PROP_HOSTKEY,
	[KX_CAT_CIPHER_C2S] = KX_PROP_ENC_C2S,
	[KX_CAT_MAC_C2S] = KX_PROP_MAC_C2S,
	[KX_CAT_COMP_C2S] = KX_PROP_COMP_C2S,
	[KX_CAT_CIPHER_S2C] = KX_PROP_ENC_S2C,
	[KX_CAT_MAC_S2C] = KX_PROP_MAC_S2C,
	[KX_CAT_COMP_S2C] = KX_PROP_COMP_S2C,
};

/* ssherr.c's texts for SSH_ERR_NO_*_ALG_MATCH, which sshd prints after
 * "Unable to negotiate with HOST port N:". */
static const char *const failure_text[KX_CAT_MAX] = {
	[KX_CAT_KEX] = "no matching key exchange method found",
	[KX_CAT_HOSTKEY] = "no matching host key type found",
	[KX_CAT_CIPHER_C2S] = "no matching cipher found",
	[KX_CAT_MAC_C2S] = "no matching MAC found",
	[KX_CAT_COMP_C2S] = "no matching compression method found",
	[KX_CAT_CIPHER_S2C] = "no matching cipher found",
	[KX_CAT_MAC_S2C] = "no matching MAC found",
	[KX_CAT_COMP_S2C] = "no matching compression method found",
};

const char *
kx_nego_failure_text(enum kx_cat cat)
{
	if ((unsigned)cat >= KX_CAT_MAX)
		return "no matching algorithm found";
	return failure_text[cat];
}

static bool
name_eq(const uint8_t *p, uint32_t len, const char *lit)
{
	size_t n = strlen(lit);

	return len == n && memcmp(p, lit, n) == 0;
}

static bool
name_prefix(const uint8_t *p, uint32_t len, const char *lit)
{
	size_t n = strlen(lit);

	return len >= n && memcmp(p, lit, n) == 0;
}

bool
kx_cipher_is_aead(const uint8_t *name, uint32_t len)
{
	/* OpenSSH cipher.c: ciphers with a non-zero auth_len. The RFC 5647
	 * AEAD_AES_* names negotiate the MAC as the same name instead, so
	 * they are not implicit here. */
	return name_eq(name, len, "chacha20-poly1305@openssh.com") ||
	    name_eq(name, len, "aes128-gcm@openssh.com") ||
	    name_eq(name, len, "aes256-gcm@openssh.com");
}

bool
kx_kex_is_pseudo(const uint8_t *name, uint32_t len)
{
	return name_prefix(name, len, "ext-info-") ||
	    name_prefix(name, len, "kex-strict-");
}

static uint32_t
hash_name(const uint8_t *p, uint32_t len)
{
	uint32_t h = 2166136261u;   /* FNV-1a */

	for (uint32_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return h;
}

struct nameset_slot {
	const uint8_t *p;   /* NULL: empty */
	uint32_t len;
};

#define NAMESET_STACK 256

struct nameset {
	struct nameset_slot *slot;
	uint32_t mask;
	struct nameset_slot stack[NAMESET_STACK];
};

/* Returns false if no memory; the caller then scans lists directly. */
static bool
nameset_build(struct nameset *ns, const struct kx_namelist *nl)
{
	uint32_t size = 16, off = 0, len;
	const uint8_t *name;

	/* At most half full, so probes stay short. */
	while (size < 2 * ((uint64_t)nl->count + 1))
		size <<= 1;
	if (size <= NAMESET_STACK) {
		ns->slot = ns->stack;
	} else if ((ns->slot = calloc(size, sizeof(*ns->slot))) == NULL) {
		return false;
	}
	if (ns->slot == ns->stack)
		memset(ns->stack, 0, size * sizeof(*ns->slot));
	ns->mask = size - 1;
	while (kx_namelist_next(nl, &off, &name, &len)) {
		uint32_t i = hash_name(name, len) & ns->mask;

		while (ns->slot[i].p != NULL) {
			if (ns->slot[i].len == len &&
			    memcmp(ns->slot[i].p, name, len) == 0)
				break;
			i = (i + 1) & ns->mask;
		}
		ns->slot[i].p = name;
		ns->slot[i].len = len;
	}
	return true;
}

static bool
nameset_has(const struct nameset *ns, const uint8_t *name, uint32_t len)
{
	uint32_t i = hash_name(name, len) & ns->mask;

	while (ns->slot[i].p != NULL) {
		if (ns->slot[i].len == len &&
		    memcmp(ns->slot[i].p, name, len) == 0)
			return true;
		i = (i + 1) & ns->mask;
	}
	return false;
}

static void
nameset_free(struct nameset *ns)
{
	if (ns->slot != ns->stack)
		free(ns->slot);
}

/* First client name also offered by the server. Empty names are never a
 * match: an empty entry is a malformed list, not an algorithm. */
static bool
choose(const struct kx_namelist *c, const struct kx_namelist *s, bool kex,
    struct kx_alg *out)
{
	struct nameset ns;
	bool have_set, found = false;
	uint32_t off = 0, len;
	const uint8_t *name;

	have_set = nameset_build(&ns, s);
	while (kx_namelist_next(c, &off, &name, &len)) {
		if (len == 0 || (kex && kx_kex_is_pseudo(name, len)))
			continue;
		if (have_set ? nameset_has(&ns, name, len) :
		    kx_namelist_has(s, name, len)) {
			out->p = name;
			out->len = len;
			found = true;
			break;
		}
	}
	if (have_set)
		nameset_free(&ns);
	return found;
}

void
kx_negotiate(const struct kx_kexinit *client, const struct kx_kexinit *server,
    struct kx_nego *out)
{
	memset(out, 0, sizeof(*out));
	out->first_failure = -1;
	if (client == NULL || server == NULL)
		return;   /* all KX_NEGO_UNKNOWN */

	for (int cat = 0; cat < KX_CAT_MAX; cat++) {
		enum kx_proposal prop = kx_cat_proposal[cat];

		if (choose(&client->list[prop], &server->list[prop],
		    cat == KX_CAT_KEX, &out->alg[cat]))
			out->res[cat] = KX_NEGO_AGREED;
		else
			out->res[cat] = KX_NEGO_MISMATCH;
	}
	/* RFC 4253 6.4 / OpenSSH: an AEAD cipher brings its own integrity, so
	 * the MAC lists are not consulted in that direction. */
	if (out->res[KX_CAT_CIPHER_C2S] == KX_NEGO_AGREED &&
	    kx_cipher_is_aead(out->alg[KX_CAT_CIPHER_C2S].p,
	    out->alg[KX_CAT_CIPHER_C2S].len)) {
		out->res[KX_CAT_MAC_C2S] = KX_NEGO_IMPLICIT;
		out->alg[KX_CAT_MAC_C2S].p = NULL;
		out->alg[KX_CAT_MAC_C2S].len = 0;
	}
	if (out->res[KX_CAT_CIPHER_S2C] == KX_NEGO_AGREED &&
	    kx_cipher_is_aead(out->alg[KX_CAT_CIPHER_S2C].p,
	    out->alg[KX_CAT_CIPHER_S2C].len)) {
		out->res[KX_CAT_MAC_S2C] = KX_NEGO_IMPLICIT;
		out->alg[KX_CAT_MAC_S2C].p = NULL;
		out->alg[KX_CAT_MAC_S2C].len = 0;
	}
	for (int cat = 0; cat < KX_CAT_MAX; cat++) {
		if (out->res[cat] != KX_NEGO_MISMATCH)
			continue;
		out->mismatch_mask |= 1u << cat;
		if (out->first_failure < 0)
			out->first_failure = cat;
	}
}
