/* algtab: what kexray knows about SSH algorithms and SSH software, as data
 * (STYLE 6): one row per algorithm (category, rating, one-line reason,
 * post-quantum or not, the OpenSSH releases that added it, took it out of
 * the defaults and removed it), one row per software product recognised
 * in an identification string, and one row per known handshake-relevant
 * problem of a product's versions. docs/algorithms.md says where every
 * rating comes from. Lookups never guess: a name that is not in the table
 * is unknown. */
#ifndef KEXRAY_ALGTAB_H
#define KEXRAY_ALGTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What an algorithm is for (the KEXINIT list it appears in). */
enum kx_algcat {
	KX_AC_KEX,
	KX_AC_HOSTKEY,
	KX_AC_CIPHER,
	KX_AC_MAC,
	KX_AC_COMP,
	KX_AC_MAX
};

/* "kex", "host_key", "cipher", "mac", "compression" */
extern const char *const kx_algcat_names[KX_AC_MAX];
/* The word a person uses: "kex", "host key", "cipher", "mac",
 * "compression" (c2s and s2c are one setting). */
extern const char *const kx_algcat_words[KX_AC_MAX];
/* The OpenSSH option each category is set with, in sshd_config and
 * ssh_config alike (sshd_config(5), ssh_config(5)): "KexAlgorithms" ... */
extern const char *const kx_algcat_directives[KX_AC_MAX];

/* Ratings, best first, so a smaller value is a better algorithm. UNKNOWN
 * sorts last: an algorithm kexray does not know is never recommended. */
enum kx_rating {
	KX_RATE_OK,       /* sound; what the sources recommend */
	KX_RATE_INFO,     /* sound, with something worth knowing */
	KX_RATE_WARN,     /* weak: avoid where possible */
	KX_RATE_FAIL,     /* broken or obsolete: do not use */
	KX_RATE_UNKNOWN,  /* not in the table */
	KX_RATE_MAX
};

/* "ok", "info", "warn", "fail", "unknown" */
extern const char *const kx_rating_names[KX_RATE_MAX];

/* Row flags. */
#define KX_ALGF_PQ        0x0001u  /* kex: hybrid post-quantum */
#define KX_ALGF_MARKER    0x0002u  /* kex list entry that is not a method */
#define KX_ALGF_CBC       0x0004u  /* cipher: CBC mode */
#define KX_ALGF_AEAD      0x0008u  /* cipher: authenticated, MAC implicit */
#define KX_ALGF_CHACHA    0x0010u  /* cipher: chacha20-poly1305 (Terrapin) */
#define KX_ALGF_ETM       0x0020u  /* MAC: encrypt-then-MAC */
#define KX_ALGF_PREFIX    0x0040u  /* name is a prefix (GSS-API kex: RFC 4462) */
#define KX_ALGF_CERT      0x0080u  /* host key: OpenSSH certificate */
#define KX_ALGF_NO_OPENSSH 0x0100u /* OpenSSH never implemented it */

struct kx_algtab_row {
	const char *name;
	uint8_t cat;            /* enum kx_algcat */
	uint8_t rating;         /* enum kx_rating, never UNKNOWN */
	uint16_t flags;         /* KX_ALGF_* */
	/* OpenSSH releases ("7.0"), NULL where not known or not applicable:
	 * the first with the algorithm, the first without it in its default
	 * lists, the first without it at all. */
	const char *since;
	const char *off_in;
	const char *gone_in;
	/* host key algorithms: the key type, as ssh-keygen -t names it */
	const char *keytype;
	const char *reason;     /* one line, plain words, its source */
};

/* The row for name in category cat, or NULL (unknown). Exact names are
 * found by binary search in the sorted table; GSS-API kex names (RFC 4462:
 * a prefix followed by an encoded mechanism OID) by their prefix. */
const struct kx_algtab_row *kx_algtab_find(enum kx_algcat cat,
    const uint8_t *name, size_t len);

/* The whole table, sorted by (name, cat), for tests and documentation. */
const struct kx_algtab_row *kx_algtab_rows(size_t *n);

/* Compares two dotted version strings ("7.0", "9.2p1", "2022.83",
 * "0.10.4") numerically, component by component; a component ends at the
 * first byte that is not a digit and what follows the last number is
 * ignored ("9.2p1" == "9.2"). Returns <0, 0, >0. */
int kx_version_cmp(const char *a, size_t alen, const char *b, size_t blen);

/* Software products, recognised by how their softwareversion begins. */
enum kx_product {
	KX_PROD_UNKNOWN,
	KX_PROD_OPENSSH,
	KX_PROD_OPENSSH_WIN,
	KX_PROD_DROPBEAR,
	KX_PROD_PUTTY,
	KX_PROD_LIBSSH,
	KX_PROD_LIBSSH2,
	KX_PROD_PARAMIKO,
	KX_PROD_GO,
	KX_PROD_CISCO,
	KX_PROD_WINSCP,
	KX_PROD_ASYNCSSH,
	KX_PROD_JSCH,
	KX_PROD_SSHJ,
	KX_PROD_APACHE_SSHD,
	KX_PROD_TWISTED,
	KX_PROD_ERLANG,
	KX_PROD_MIKROTIK,
	KX_PROD_PROFTPD,
	KX_PROD_SUN,
	KX_PROD_HUAWEI,
	KX_PROD_COMWARE,
	KX_PROD_ROMSSHELL,
	KX_PROD_REBEX,
	KX_PROD_SSHNET,
	KX_PROD_FILEZILLA,
	KX_PROD_MAX
};

struct kx_product_row {
	const char *prefix;     /* softwareversion begins with it */
	uint8_t product;        /* enum kx_product */
	const char *name;       /* "OpenSSH" */
	/* How to make this product offer another algorithm, for advice;
	 * NULL for OpenSSH (kexray writes the exact option lines). */
	const char *configure;
	bool exact;             /* softwareversion is the prefix, whole */
};

/* Parsed softwareversion (RFC 4253 4.2). */
struct kx_software {
	const struct kx_product_row *row;  /* NULL: not recognised */
	const char *version;    /* into the banner; not NUL-terminated */
	size_t version_len;     /* 0: the product puts no version there */
	const char *comments;   /* the banner's comments (distribution tags) */
	size_t comments_len;
};

/* Matches softwareversion against the product table; comments (may be
 * NULL) are kept for the distribution back-port table. */
void kx_software_parse(const uint8_t *soft, size_t len,
    const uint8_t *comments, size_t clen, struct kx_software *out);

/* A known problem of some versions of a product that shows in, or
 * matters to, the handshake; only where a public source says so. */
struct kx_software_issue {
	uint8_t product;        /* enum kx_product */
	bool server_only;       /* a server's bug: not flagged on a client */
	const char *first;      /* first affected version */
	const char *last;       /* last affected version */
	const char *id;         /* "CVE-2024-6387" */
	const char *note;       /* one line, with its source */
};

/* A distribution package that carries the fix under an affected upstream
 * version, recognised by the banner's comments: prefix, then a revision
 * number at least min_rev ("Debian-2+deb12u" 3: deb12u3 and later). */
struct kx_backport {
	const char *id;         /* the issue it fixes */
	const char *prefix;
	unsigned long min_rev;
	const char *source;     /* the distribution's advisory */
};

/* The issues affecting sw (is_server: it is the server side), in table
 * order, skipping those a recognised distribution package has fixed:
 * calls fn for each. */
void kx_software_issues(const struct kx_software *sw, bool is_server,
    void (*fn)(const struct kx_software_issue *, void *), void *arg);

/* The product table itself, n rows: for the unit test that holds its
 * prefixes distinct (no caller in kexray). */
const struct kx_product_row *kx_product_rows(size_t *n);

#endif
