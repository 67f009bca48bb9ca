/* assess: the security verdicts on one connection, from the facts the
 * ssh stage kept and the negotiation: ratings of what was negotiated and
 * of what each side offers, Terrapin exposure, post-quantum readiness,
 * HASSH fingerprints (hassh.h), the server's host key, both sides'
 * software, and for a failed negotiation the smallest fix on either side
 * with its security cost and the lines each OpenSSH peer logs (advice.h).
 * Formats nothing:
 * names are kept as pointers into the KEXINIT copies of the connection,
 * so an assessment lives as long as its connection. */
#ifndef KEXRAY_ASSESS_H
#define KEXRAY_ASSESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kexray/analyze/algtab.h"
#include "kexray/analyze/hassh.h"
#include "kexray/stream/flow.h"
#include "kexray/ssh/hostkey.h"
#include "kexray/core/limits.h"
#include "kexray/analyze/negotiate.h"

struct kx_name {
	const uint8_t *p;   /* NULL: none */
	uint32_t len;
};

/* One offered algorithm rated warn or fail. */
struct kx_weak {
	uint8_t cat;        /* enum kx_algcat */
	struct kx_name name;
	const struct kx_algtab_row *row;
};

struct kx_weak_list {
	bool have;          /* the side's KEXINIT was seen */
	uint32_t n;         /* kept in w[] */
	uint32_t total;     /* found, deduplicated across directions */
	struct kx_weak w[KX_WEAK_MAX];
};

/* Terrapin, CVE-2023-48795 (Bäumer, Brinkmann, Schwenk 2023): a prefix
 * truncation that needs chacha20-poly1305@openssh.com, or a CBC cipher
 * with an encrypt-then-MAC MAC, in either direction, and is stopped only
 * when both sides do strict key exchange. */
struct kx_terrapin {
	bool known;          /* both KEXINITs seen */
	bool exposed;
	bool strict_client;  /* kex-strict-c-v00@openssh.com in the client's kex list */
	bool strict_server;  /* kex-strict-s-v00@openssh.com in the server's */
	char reason[320];
};

enum kx_pq_verdict {
	KX_PQ_UNKNOWN,      /* a KEXINIT missing */
	KX_PQ_YES,          /* the negotiated kex is hybrid post-quantum */
	KX_PQ_PREFERENCE,   /* not, though both offer one: fix the order */
	KX_PQ_UPGRADE,      /* not, and they have none in common */
	KX_PQ_MAX
};

/* "unknown", "yes", "preference", "upgrade" */
extern const char *const kx_pq_verdict_names[KX_PQ_MAX];

struct kx_pq {
	enum kx_pq_verdict verdict;
	struct kx_name common;    /* PREFERENCE: the first common PQ method */
	bool client_has, server_has;  /* each side offers one at all */
	char reason[320];
};

/* Fix actions. */
enum kx_fix_action {
	KX_FIX_NONE,
	KX_FIX_CONFIGURE,      /* the exact lines below do it */
	KX_FIX_CONFIGURE_OR_UPGRADE, /* not OpenSSH: configure if it can, else upgrade */
	KX_FIX_UPGRADE,        /* this version lacks the algorithm */
	KX_FIX_MAX
};

/* "none", "configure", "configure_or_upgrade", "upgrade" */
extern const char *const kx_fix_action_names[KX_FIX_MAX];

/* One side's fix for one category: enable alg there. */
struct kx_fix {
	enum kx_fix_action action;
	int side;                   /* KX_CLIENT or KX_SERVER: who changes */
	struct kx_name alg;         /* what negotiation would then pick */
	const struct kx_algtab_row *row;
	bool openssh;               /* the side is OpenSSH: lines below apply */
	bool plus_syntax;           /* its version takes "+name" (7.0 and later) */
	const char *directive;      /* "KexAlgorithms", "Ciphers" ... */
	/* host key on the server: a key of this type is missing (HostKey
	 * line and ssh-keygen command), and/or the algorithm is off by
	 * default there (HostKeyAlgorithms line) */
	bool need_hostkey_file;
	bool need_hostkey_alg;
	const struct kx_namelist *base;  /* the side's current list, for the full line */
	const char *configure;      /* not OpenSSH: how that product does it */
};

/* Advice for one configuration directive (cipher and MAC both ways are
 * one directive each in OpenSSH). */
struct kx_advice {
	uint8_t cat;                /* enum kx_algcat */
	struct kx_fix server_fix;   /* action NONE: nothing the server can add */
	struct kx_fix client_fix;
	/* KX_SERVER or KX_CLIENT: the better fix; -1 none works and the
	 * other side must be upgraded (upgrade_side) */
	int preferred;
	int upgrade_side;           /* -1 unless every possible fix is rated fail */
};

/* Lines an OpenSSH peer logs when negotiation fails (packet.c
 * sshpkt_vfatal: "Unable to negotiate with %s: %s. Their offer: %s"). */
struct kx_would_log {
	bool have;
	int server_cat;             /* kx_cat sshd fails on first */
	int client_cat;             /* kx_cat ssh fails on first (its own order) */
};

struct kx_sw {
	bool have;                  /* the side's banner was seen */
	struct kx_software sw;
};

struct kx_assessment {
	bool negotiated;                    /* both KEXINITs seen */
	/* per kx_cat: the negotiated algorithm's row, NULL when unknown */
	const struct kx_algtab_row *rating[KX_CAT_MAX];
	struct kx_weak_list weak[2];        /* indexed by kx_side */
	struct kx_terrapin terrapin;
	struct kx_pq pq;
	bool have_hassh[2];
	char hassh[2][33];                  /* [KX_CLIENT] hassh, [KX_SERVER] hasshServer */
	/* What each side's KEXINIT says of itself (its kexinit record). */
	struct kx_offer_marks {
		bool strict_kex;    /* kex-strict-{c,s}-v00@openssh.com */
		bool ext_info;      /* ext-info-{c,s} (RFC 8308) */
		bool pq;            /* a hybrid post-quantum kex offered */
	} marks[2];
	bool have_kexinit_id[2];
	char kexinit_id[2][KX_KEXINIT_ID_LEN + 1];  /* kx_kexinit_id */
	struct kx_hostkey hostkey;
	struct kx_sw software[2];
	struct kx_advice advice[KX_AC_MAX];
	uint32_t nadvice;
	struct kx_would_log would_log;
};

/* Fills *a from the connection and its negotiation. */
void kx_assess(const struct kx_conn *c, const struct kx_nego *nego,
    struct kx_assessment *a);
/* The one part of kx_assess that is the connection's own, not its pair's
 * (memo.h): the server's host key from the KEX reply. */
void kx_assess_hostkey(const struct kx_conn *c, struct kx_assessment *a);
/* Frees the calling thread's cache of decoded host keys (a worker's, as
 * it ends). */
void kx_assess_cache_free(void);

/* The rating category of a negotiated category. */
enum kx_algcat kx_cat_algcat(enum kx_cat cat);

#endif
