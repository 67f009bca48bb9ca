/* known_hosts: the host keys on record, and the check of a server's key
 * against them. The format is OpenSSH's (sshd(8) "SSH_KNOWN_HOSTS FILE
 * FORMAT"): one key per line, "[marker] hostnames keytype base64-key
 * [comment]", host names as comma-separated patterns with * ? and !, or
 * hashed as |1|base64(salt)|base64(HMAC-SHA1(salt, name)). Two sets use
 * it: --known-hosts, read only, and --host-keys, which kexray learns
 * into. The files are the operator's, not the wire's: a line is split
 * into fields through the cursor, and a field is then compared and
 * matched as the bounded bytes it is. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "kexray/analyze/known_hosts.h"
#include "kexray/core/cursor.h"
#include "kexray/core/limits.h"
#include "kexray/stream/flow.h"

void
kx_hostkey_name(const char *addr, uint16_t port, char *buf, size_t len)
{
	if (port == 22)
		snprintf(buf, len, "%s", addr);
	else
		snprintf(buf, len, "[%s]:%u", addr, port);
}

enum { MARK_NONE, MARK_REVOKED, MARK_CA };

struct hd_entry {
	char *line;            /* as read (no newline) or as written */
	size_t hosts_off, hosts_len;
	uint8_t *blob;         /* plain key; NULL: not a key line */
	size_t blob_len;
	char type[KX_KEYTYPE_MAX + 1];
	int marker;
};

struct kx_hostdb {
	struct hd_entry *e;
	size_t n, cap;
	bool dirty;
	bool torn;          /* the last line had no LF: an append cut short */
	int jfd;            /* the journal (kx_hostdb_journal_open), or -1 */
	uint64_t jfailed;   /* keys the journal could not take */
	int jerr;
};

size_t
kx_hostdb_count(const struct kx_hostdb *db)
{
	size_t n = 0;

	for (size_t i = 0; db != NULL && i < db->n; i++)
		if (db->e[i].blob != NULL)
			n++;
	return n;
}

void
kx_hostdb_free(struct kx_hostdb *db)
{
	if (db == NULL)
		return;
	for (size_t i = 0; i < db->n; i++) {
		free(db->e[i].line);
		free(db->e[i].blob);
	}
	free(db->e);
	if (db->jfd >= 0)
		close(db->jfd);
	free(db);
}

/* Base64 (RFC 4648 4, padded, as known_hosts writes it). Returns a new
 * buffer or NULL. */
static uint8_t *
b64_decode(const uint8_t *in, size_t len, size_t *outlen)
{
	uint8_t *out;
	int n, pad = 0;

	if (len == 0 || len % 4 != 0 || len > (size_t)KX_HOSTDB_LINE_MAX)
		return NULL;
	if ((out = malloc(len / 4 * 3 + 1)) == NULL)
		return NULL;
	n = EVP_DecodeBlock(out, in, (int)len);
	if (n < 0) {
		free(out);
		return NULL;
	}
	/* EVP_DecodeBlock counts the padding as zero bytes. */
	if (in[len - 1] == '=')
		pad++;
	if (in[len - 2] == '=')
		pad++;
	*outlen = (size_t)n - (size_t)pad;
	return out;
}

/* The next whitespace-delimited field of c. */
static bool
next_field(struct kx_cursor *c, const uint8_t **p, size_t *n)
{
	uint8_t b;

	while (kx_cur_peek_u8(c, 0, &b) == KX_OK && (b == ' ' || b == '\t') &&
	    kx_cur_u8(c, &b) == KX_OK)
		;
	*p = kx_cur_rest(c);
	*n = 0;
	while (kx_cur_peek_u8(c, 0, &b) == KX_OK && b != ' ' && b != '\t' &&
	    kx_cur_u8(c, &b) == KX_OK)
		(*n)++;
	return *n > 0;
}

static bool
field_is(const uint8_t *p, size_t n, const char *lit)
{
	return n == strlen(lit) && memcmp(p, lit, n) == 0;
}

/* Fills e from line (owned by e from now on). A line that is not a key
 * (comment, blank, unparsable) keeps blob NULL and is written back as is. */
static enum kx_status
parse_line(char *line, size_t len, struct hd_entry *e)
{
	struct kx_cursor c;
	const uint8_t *f, *hosts, *ktype, *b64;
	size_t fn, hn, kn, bn, bl;
	char type[KX_KEYTYPE_MAX + 1];
	uint8_t *blob, *owned;
	const uint8_t *pb;
	size_t pl;
	bool cert;
	enum kx_status st;

	memset(e, 0, sizeof(*e));
	e->line = line;
	kx_cur_init(&c, line, len);
	if (!next_field(&c, &f, &fn) || f[0] == '#')
		return KX_OK;
	if (f[0] == '@') {
		if (field_is(f, fn, "@revoked"))
			e->marker = MARK_REVOKED;
		else if (field_is(f, fn, "@cert-authority"))
			e->marker = MARK_CA;
		else
			return KX_OK;
		if (!next_field(&c, &f, &fn))
			return KX_OK;
	}
	hosts = f;
	hn = fn;
	if (!next_field(&c, &ktype, &kn) || !next_field(&c, &b64, &bn))
		return KX_OK;
	if ((blob = b64_decode(b64, bn, &bl)) == NULL)
		return KX_OK;
	if ((st = kx_hostkey_plain(blob, bl, &pb, &pl, &owned, type,
	    &cert)) != KX_OK) {
		free(blob);
		return st == KX_NOMEM ? st : KX_OK;
	}
	/* The blob must be a key of the type the line names (sshkey_read). */
	if (!field_is(ktype, kn, type)) {
		free(owned);
		free(blob);
		return KX_OK;
	}
	memcpy(e->type, type, sizeof(type));
	if (owned != NULL) {
		free(blob);
		blob = owned;
	}
	e->blob = blob;
	e->blob_len = pl;
	e->hosts_off = (size_t)(hosts - (const uint8_t *)line);
	e->hosts_len = hn;
	return KX_OK;
}

static enum kx_status
db_add(struct kx_hostdb *db, const struct hd_entry *e)
{
	if (db->n == db->cap) {
		size_t cap = db->cap ? db->cap * 2 : 64;
		struct hd_entry *ne;

		if (cap > KX_HOSTDB_LINES_MAX + 1)
			cap = KX_HOSTDB_LINES_MAX + 1;
		if (db->n >= cap)
			return KX_LIMIT;
		if ((ne = realloc(db->e, cap * sizeof(*ne))) == NULL)
			return KX_NOMEM;
		db->e = ne;
		db->cap = cap;
	}
	db->e[db->n++] = *e;
	return KX_OK;
}

enum kx_status
kx_hostdb_load(const char *path, bool missing_ok, struct kx_hostdb **out,
    char *err, size_t errlen)
{
	struct kx_hostdb *db;
	FILE *f;
	char *line = NULL;
	size_t cap = 0, nlines = 0;
	ssize_t n;
	enum kx_status st = KX_OK;

	*out = NULL;
	if ((db = calloc(1, sizeof(*db))) == NULL) {
		snprintf(err, errlen, "%.200s: %s", path, kx_strerror(KX_NOMEM));
		return KX_NOMEM;
	}
	db->jfd = -1;
	if ((f = fopen(path, "r")) == NULL) {
		if (errno == ENOENT && missing_ok) {
			*out = db;
			return KX_OK;
		}
		snprintf(err, errlen, "cannot read %.200s: %s", path, strerror(errno));
		kx_hostdb_free(db);
		return KX_IO;
	}
	while ((n = getline(&line, &cap, f)) != -1) {
		struct hd_entry e;
		char *copy;
		size_t len = (size_t)n;

		if (missing_ok && line[n - 1] != '\n') {
			/* The state file is an append-only journal: a last
			 * line without LF is a key whose write a kill cut
			 * short. It is left out, and the file compacted. */
			db->torn = true;
			break;
		}
		if (++nlines > KX_HOSTDB_LINES_MAX) {
			snprintf(err, errlen, "%.200s: more than %u lines", path,
			    (unsigned)KX_HOSTDB_LINES_MAX);
			st = KX_LIMIT;
			break;
		}
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			len--;
		if ((copy = malloc(len + 1)) == NULL) {
			st = KX_NOMEM;
			break;
		}
		memcpy(copy, line, len);
		copy[len] = '\0';
		if (len > KX_HOSTDB_LINE_MAX) {
			/* Kept verbatim for a rewrite, never matched. */
			memset(&e, 0, sizeof(e));
			e.line = copy;
		} else if ((st = parse_line(copy, len, &e)) != KX_OK) {
			free(copy);
			break;
		}
		if ((st = db_add(db, &e)) != KX_OK) {
			free(e.line);
			free(e.blob);
			break;
		}
	}
	if (st == KX_OK && ferror(f)) {
		snprintf(err, errlen, "cannot read %.200s: %s", path, strerror(errno));
		st = KX_IO;
	}
	free(line);
	fclose(f);
	if (st != KX_OK) {
		if (st == KX_NOMEM)
			snprintf(err, errlen, "%.200s: %s", path, kx_strerror(st));
		kx_hostdb_free(db);
		return st;
	}
	*out = db;
	return KX_OK;
}

/* OpenSSH match.c match_pattern: '*' any run, '?' one character. */
static bool
glob(const char *p, size_t pn, const char *s, size_t sn)
{
	size_t pi = 0, si = 0, star = (size_t)-1, mark = 0;

	while (si < sn) {
		if (pi < pn && (p[pi] == '?' || p[pi] == s[si])) {
			pi++;
			si++;
		} else if (pi < pn && p[pi] == '*') {
			star = pi++;
			mark = si;
		} else if (star != (size_t)-1) {
			pi = star + 1;
			si = ++mark;
		} else {
			return false;
		}
	}
	while (pi < pn && p[pi] == '*')
		pi++;
	return pi == pn;
}

/* |1|salt|hash (hostfile.c host_hash): HMAC-SHA1 keyed with the salt. */
static bool
hashed_match(const char *pat, size_t pn, const char *name)
{
	const char *salt = pat + 3, *bar;
	uint8_t *s = NULL, *h = NULL;
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	size_t sl, hl;
	bool ok = false;

	bar = memchr(salt, '|', pn - 3);
	if (bar == NULL)
		return false;
	s = b64_decode((const uint8_t *)salt, (size_t)(bar - salt), &sl);
	h = b64_decode((const uint8_t *)bar + 1, pn - 3 - (size_t)(bar - salt) - 1, &hl);
	if (s != NULL && h != NULL && sl == 20 && hl == 20 &&
	    HMAC(EVP_sha1(), s, (int)sl, (const unsigned char *)name,
	    strlen(name), mac, &maclen) != NULL && maclen == 20)
		ok = memcmp(mac, h, 20) == 0;
	free(s);
	free(h);
	return ok;
}

/* match.c match_hostname: a negated pattern that matches excludes the
 * host, else any positive pattern that matches includes it. Host names
 * compare case-insensitively; ours are addresses, already lower case. */
static bool
host_matches(const struct hd_entry *e, const char *name)
{
	const char *h = e->line + e->hosts_off, *end = h + e->hosts_len;
	size_t sn = strlen(name);
	bool hit = false;

	if (e->hosts_len > 3 && memcmp(h, "|1|", 3) == 0)
		return hashed_match(h, e->hosts_len, name);
	while (h < end) {
		const char *comma = memchr(h, ',', (size_t)(end - h));
		const char *pe = comma != NULL ? comma : end;
		bool neg = h < pe && *h == '!';
		const char *p = neg ? h + 1 : h;
		char low[256];
		size_t pn = (size_t)(pe - p);

		if (pn < sizeof(low)) {
			for (size_t i = 0; i < pn; i++)
				low[i] = (p[i] >= 'A' && p[i] <= 'Z') ?
				    (char)(p[i] - 'A' + 'a') : p[i];
			if (glob(low, pn, name, sn)) {
				if (neg)
					return false;
				hit = true;
			}
		}
		h = pe + 1;
	}
	return hit;
}

/* One write(2) per key, on a descriptor opened O_APPEND: a kill loses at
 * most the key being written, and a cut line is dropped at the next
 * load. */
static void
journal_append(struct kx_hostdb *db, const char *line)
{
	size_t len = strlen(line), off = 0;
	char *buf = malloc(len + 1);

	if (buf == NULL) {
		db->jfailed++;
		db->jerr = ENOMEM;
		return;
	}
	memcpy(buf, line, len);
	buf[len++] = '\n';
	while (off < len) {
		ssize_t n = write(db->jfd, buf + off, len - off);

		if (n > 0) {
			off += (size_t)n;
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else {
			db->jfailed++;
			db->jerr = n < 0 ? errno : EIO;
			break;
		}
	}
	free(buf);
}

enum kx_status
kx_hostdb_journal_open(struct kx_hostdb *db, const char *path, char *err,
    size_t errlen)
{
	enum kx_status st;

	if (db->torn)
		db->dirty = true;
	if ((st = kx_hostdb_save(db, path, err, errlen)) != KX_OK)
		return st;
	db->torn = false;
	db->jfd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NOCTTY, 0644);
	if (db->jfd < 0) {
		snprintf(err, errlen, "cannot write %.200s: %s", path,
		    strerror(errno));
		return KX_IO;
	}
	return KX_OK;
}

int
kx_hostdb_journal_fd(const struct kx_hostdb *db)
{
	return db != NULL ? db->jfd : -1;
}

uint64_t
kx_hostdb_journal_failed(const struct kx_hostdb *db, int *err)
{
	if (db == NULL)
		return 0;
	*err = db->jerr;
	return db->jfailed;
}

static enum kx_status
learn_entry(struct kx_hostdb *db, const char *name, const uint8_t *blob,
    size_t len, const char *type)
{
	struct hd_entry e;
	size_t nl = strlen(name), tl = strlen(type), b64len = 4 * ((len + 2) / 3);
	char *line;
	enum kx_status st;

	memset(&e, 0, sizeof(e));
	/* No K_S kept from the wire is longer (ssh.hostkey.too_long), and
	 * the line of a longer one could pass KX_HOSTDB_LINE_MAX and never be
	 * read back. */
	if (len > KX_HOSTKEY_MAX)
		return KX_LIMIT;
	if ((line = malloc(nl + 1 + tl + 1 + b64len + 1)) == NULL)
		return KX_NOMEM;
	memcpy(line, name, nl);
	line[nl] = ' ';
	memcpy(line + nl + 1, type, tl);
	line[nl + 1 + tl] = ' ';
	EVP_EncodeBlock((unsigned char *)line + nl + tl + 2, blob, (int)len);
	line[nl + tl + 2 + b64len] = '\0';
	if ((e.blob = malloc(len > 0 ? len : 1)) == NULL) {
		free(line);
		return KX_NOMEM;
	}
	memcpy(e.blob, blob, len);
	e.blob_len = len;
	e.line = line;
	e.hosts_off = 0;
	e.hosts_len = nl;
	snprintf(e.type, sizeof(e.type), "%s", type);
	if ((st = db_add(db, &e)) != KX_OK) {
		free(e.line);
		free(e.blob);
		return st;
	}
	db->dirty = true;
	if (db->jfd >= 0)
		journal_append(db, line);
	return KX_OK;
}

enum kx_status
kx_hostdb_learn(struct kx_hostdb *db, const char *name, const uint8_t *blob,
    size_t len)
{
	const uint8_t *pb;
	uint8_t *owned;
	size_t pl;
	char type[KX_KEYTYPE_MAX + 1];
	bool cert;
	enum kx_status st;

	if ((st = kx_hostkey_plain(blob, len, &pb, &pl, &owned, type,
	    &cert)) != KX_OK)
		return st;
	st = learn_entry(db, name, pb, pl, type);
	free(owned);
	return st;
}

enum kx_hk_verdict
kx_hostdb_check(struct kx_hostdb *db, const char *name, const uint8_t *blob,
    size_t len, bool learn, char recorded_fp[KX_FP_LEN + 1])
{
	const uint8_t *pb;
	uint8_t *owned;
	size_t pl;
	char type[KX_KEYTYPE_MAX + 1];
	bool cert, match = false, other = false;
	const struct hd_entry *changed = NULL;
	enum kx_hk_verdict v;

	recorded_fp[0] = '\0';
	if (db == NULL || blob == NULL ||
	    kx_hostkey_plain(blob, len, &pb, &pl, &owned, type, &cert) != KX_OK)
		return KX_HK_UNCHECKED;
	for (size_t i = 0; i < db->n; i++) {
		const struct hd_entry *e = &db->e[i];
		bool same;

		if (e->blob == NULL || e->marker == MARK_CA ||
		    !host_matches(e, name))
			continue;
		same = e->blob_len == pl && memcmp(e->blob, pb, pl) == 0;
		if (e->marker == MARK_REVOKED) {
			if (same) {
				free(owned);
				return KX_HK_REVOKED;
			}
			continue;
		}
		if (same)
			match = true;
		else if (strcmp(e->type, type) == 0) {
			if (changed == NULL)
				changed = e;
		} else
			other = true;
	}
	if (match)
		v = KX_HK_MATCH;
	else if (changed != NULL) {
		v = KX_HK_CHANGED;
		if (kx_fingerprint_sha256(changed->blob, changed->blob_len,
		    recorded_fp) != KX_OK)
			recorded_fp[0] = '\0';
	} else
		v = other ? KX_HK_OTHER_TYPE : KX_HK_UNKNOWN;
	if (learn && (v == KX_HK_UNKNOWN || v == KX_HK_OTHER_TYPE) &&
	    kx_hostdb_learn(db, name, pb, pl) == KX_OK)
		v = KX_HK_LEARNED;
	free(owned);
	return v;
}

/* Creates path.kexray-PID-N exclusively, mode 0644 (a known_hosts file
 * is public). open(2) rather than mkstemp(3) + fchmod(2): live capture
 * runs under a seccomp filter that allows openat, not fchmod. */
static int
open_temp(const char *path, char *tmp, size_t tmplen)
{
	int fd = -1;

	for (unsigned i = 0; i < 100 && fd == -1; i++) {
		snprintf(tmp, tmplen, "%s.kexray-%ld-%u", path, (long)getpid(), i);
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd == -1 && errno != EEXIST)
			break;
	}
	return fd;
}

enum kx_hk_verdict
kx_hostdb_check_fp(const struct kx_hostdb *db, const char *name,
    const char *type, const char *fp, char recorded_fp[KX_FP_LEN + 1])
{
	bool match = false, other = false, changed = false;
	char efp[KX_FP_LEN + 1];

	recorded_fp[0] = '\0';
	/* A certificate is judged by its CA (@cert-authority), which a
	 * fingerprint alone cannot be held against. */
	if (db == NULL || type == NULL || fp == NULL || type[0] == '\0' ||
	    strstr(type, "-cert-") != NULL)
		return KX_HK_UNCHECKED;
	for (size_t i = 0; i < db->n; i++) {
		const struct hd_entry *e = &db->e[i];
		bool same;

		if (e->blob == NULL || e->marker == MARK_CA ||
		    !host_matches(e, name))
			continue;
		if (kx_fingerprint_sha256(e->blob, e->blob_len, efp) != KX_OK)
			continue;
		same = strcmp(efp, fp) == 0;
		if (e->marker == MARK_REVOKED) {
			if (same)
				return KX_HK_REVOKED;
			continue;
		}
		if (same)
			match = true;
		else if (strcmp(e->type, type) == 0) {
			if (!changed)
				memcpy(recorded_fp, efp, sizeof(efp));
			changed = true;
		} else
			other = true;
	}
	if (match) {
		recorded_fp[0] = '\0';
		return KX_HK_MATCH;
	}
	if (changed)
		return KX_HK_CHANGED;
	return other ? KX_HK_OTHER_TYPE : KX_HK_UNKNOWN;
}

enum kx_status
kx_hostdb_save(struct kx_hostdb *db, const char *path, char *err, size_t errlen)
{
	char *tmp;
	size_t tmplen;
	int fd;
	FILE *f;
	bool ok;

	if (db == NULL || !db->dirty)
		return KX_OK;
	tmplen = strlen(path) + 40;
	if ((tmp = malloc(tmplen)) == NULL) {
		snprintf(err, errlen, "%.200s: %s", path, kx_strerror(KX_NOMEM));
		return KX_NOMEM;
	}
	if ((fd = open_temp(path, tmp, tmplen)) == -1) {
		snprintf(err, errlen, "cannot write %.200s: %s", path, strerror(errno));
		free(tmp);
		return KX_IO;
	}
	if ((f = fdopen(fd, "w")) == NULL) {
		snprintf(err, errlen, "cannot write %.200s: %s", path, strerror(errno));
		close(fd);
		unlink(tmp);
		free(tmp);
		return KX_IO;
	}
	ok = true;
	for (size_t i = 0; i < db->n && ok; i++)
		ok = fputs(db->e[i].line, f) != EOF && fputc('\n', f) != EOF;
	ok = ok && fflush(f) == 0 && fsync(fileno(f)) == 0;
	if (fclose(f) != 0)
		ok = false;
	/* rename(2) replaces path atomically: a reader sees the old file or
	 * the new one, never a half-written one. */
	if (!ok || rename(tmp, path) != 0) {
		snprintf(err, errlen, "cannot write %.200s: %s", path, strerror(errno));
		unlink(tmp);
		free(tmp);
		return KX_IO;
	}
	free(tmp);
	db->dirty = false;
	return KX_OK;
}

bool
kx_hostkey_judge(struct kx_hostdb *known, struct kx_hostdb *learned,
    const struct kx_conn *c, struct kx_hostkey *hk)
{
	const struct kx_ssh_side *ss = kx_conn_ssh(c, KX_SERVER);
	char addr[INET6_ADDRSTRLEN], name[INET6_ADDRSTRLEN + 16];
	char fp[KX_FP_LEN + 1];

	if (!hk->have || ss->hostkey == NULL)
		return false;
	if (inet_ntop(c->ip_version == 4 ? AF_INET : AF_INET6,
	    c->ep[KX_SERVER].addr, addr, sizeof(addr)) == NULL)
		return false;
	kx_hostkey_name(addr, c->ep[KX_SERVER].port, name, sizeof(name));
	if (known != NULL)
		hk->known_hosts = kx_hostdb_check(known, name, ss->hostkey,
		    ss->hostkey_len, false, hk->recorded_fp);
	if (learned != NULL) {
		hk->host_keys = kx_hostdb_check(learned, name, ss->hostkey,
		    ss->hostkey_len, true, fp);
		if (hk->recorded_fp[0] == '\0')
			memcpy(hk->recorded_fp, fp, sizeof(fp));
	}
	return hk->known_hosts == KX_HK_CHANGED || hk->known_hosts == KX_HK_REVOKED ||
	    hk->host_keys == KX_HK_CHANGED || hk->host_keys == KX_HK_REVOKED;
}
