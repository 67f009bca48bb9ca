/* hostkey: fingerprints as ssh-keygen -l prints them, known_hosts lookups
 * (plain, hashed, patterns, markers) and the learned state file. The
 * known-answer keys, fingerprints and hashed lines below were made by
 * OpenSSH 9.2's ssh-keygen (-t ed25519 / ecdsa / rsa, -l, -H, -s -h);
 * tests/advice_interop.py checks a freshly recorded key the same way. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "kexray/analyze/known_hosts.h"
#include "kexray/ssh/hostkey.h"
#include "kexray/core/limits.h"

/* ssh-keygen -q -t ed25519 -C a; -l: SHA256:Xw5uPyjI+... */
static const char KEY_A[] =
    "AAAAC3NzaC1lZDI1NTE5AAAAIJdSfxKzHMeC45Kxw33fYdRxDDBqzIczyy2SLRDl0lHl";
static const char FP_A[] = "SHA256:Xw5uPyjI+crC/Er3K3XWBldKlYQ2YyHdTx8rOBcKF20";
static const char KEY_B[] =
    "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBC5wkzMydMGfAqfMy9yV"
    "fgJlM25NREukLA+5Riunx/JykMxAarmCuCHI2IXRsOGoCiOYtWFXuQmRstULvrbYm0I=";
static const char FP_B[] = "SHA256:hbg0lqJ+BwP1wRHFFmw3xcLtXGE6IscQJtC48KbImQ0";
static const char KEY_C[] =
    "AAAAB3NzaC1yc2EAAAADAQABAAAAgQDJBQO/IXOGdcDAoOE7hqTnVdkueRInWkvXe3ugYsV6"
    "EZn2Li7aNwkYBWTks6RycehDBnfjU3FfNgOuiK/kBgexcfHSEMbGqeLKCBPOJEHzDmUSotPV"
    "etykwL2e9HPl4NiJ6v7KCtPcFCzNSoHdnMYsSbuN8MUff/tLVoHSCobpmw==";
static const char FP_C[] = "SHA256:3ap1UhYmsXcNJ8RmSmVEwSMQQJa5zNhedbbYR5n2F88";
/* KEY_B signed as a host certificate by KEY_A (ssh-keygen -s -h);
 * ssh-keygen -l prints FP_B for it. */
static const char CERT_B[] =
    "AAAAKGVjZHNhLXNoYTItbmlzdHAyNTYtY2VydC12MDFAb3BlbnNzaC5jb20AAAAg"
    "IKzjvOnZD5HUzD5dUjPb+jRqgOokXzNuhqhRH7yD4ioAAAAIbmlzdHAyNTYAAABB"
    "BC5wkzMydMGfAqfMy9yVfgJlM25NREukLA+5Riunx/JykMxAarmCuCHI2IXRsOGo"
    "CiOYtWFXuQmRstULvrbYm0IAAAAAAAAAAAAAAAIAAAAEdGVzdAAAAAgAAAAEaG9z"
    "dAAAAAAAAAAA//////////8AAAAAAAAAAAAAAAAAAAAzAAAAC3NzaC1lZDI1NTE5"
    "AAAAIJdSfxKzHMeC45Kxw33fYdRxDDBqzIczyy2SLRDl0lHlAAAAUwAAAAtzc2gt"
    "ZWQyNTUxOQAAAECAeji2qB/id7i80ph1DF999Zmo8sdjyBx+yL7mcfrHMP69F8Sc"
    "xS9oLIZ15y6JI/nqRxBYCj11OG088eqCW3QC";
/* ssh-keygen -H of "192.0.2.7 ssh-ed25519 KEY_A" and of
 * "[192.0.2.8]:2222 ssh-ed25519 KEY_A". */
static const char HASHED_7[] = "|1|0RDBK3LjFOkevfGw8wgWWWq76PU=|v6XGTqluPio3kpLkVZDk50NfGe8=";
static const char HASHED_8[] = "|1|+hSls9Y09Rd4QQXju8vnAT3UKR0=|PO94zcuivFl7qhaFAJ1opZQIOOA=";

struct blob {
	uint8_t *p;
	size_t len;
};

static struct blob
b64(const char *s)
{
	struct blob b;
	size_t n = strlen(s);
	int r;

	b.p = malloc(n);
	assert_non_null(b.p);
	r = EVP_DecodeBlock(b.p, (const unsigned char *)s, (int)n);
	assert_true(r > 0);
	b.len = (size_t)r - (s[n - 1] == '=') - (s[n - 2] == '=');
	return b;
}

static void
assert_fp(const char *key, const char *type, const char *fp, bool cert)
{
	struct blob b = b64(key);
	struct kx_hostkey hk;

	assert_int_equal(kx_hostkey_from_blob(b.p, b.len, &hk), KX_OK);
	assert_true(hk.have);
	assert_string_equal(hk.type, type);
	assert_string_equal(hk.fp, fp);
	assert_int_equal(hk.cert, cert);
	assert_int_equal(hk.known_hosts, KX_HK_UNCHECKED);
	free(b.p);
}

static void
test_fingerprints_match_ssh_keygen(void **state)
{
	(void)state;
	assert_fp(KEY_A, "ssh-ed25519", FP_A, false);
	assert_fp(KEY_B, "ecdsa-sha2-nistp256", FP_B, false);
	assert_fp(KEY_C, "ssh-rsa", FP_C, false);
	/* ssh-keygen -l fingerprints a certificate by its plain key. */
	assert_fp(CERT_B, "ecdsa-sha2-nistp256-cert-v01@openssh.com", FP_B, true);
}

static void
test_malformed_blobs(void **state)
{
	struct blob b = b64(KEY_A), c = b64(CERT_B);
	struct kx_hostkey hk;
	static const uint8_t comma[] = { 0, 0, 0, 3, 'a', ',', 'b' };

	(void)state;
	assert_int_equal(kx_hostkey_from_blob(b.p, 0, &hk), KX_MALFORMED);
	assert_false(hk.have);
	assert_int_equal(kx_hostkey_from_blob(b.p, 10, &hk), KX_MALFORMED);
	assert_int_equal(kx_hostkey_from_blob(comma, sizeof(comma), &hk), KX_MALFORMED);
	/* A certificate cut inside its key fields. */
	assert_int_equal(kx_hostkey_from_blob(c.p, 60, &hk), KX_MALFORMED);
	/* Every prefix of a certificate either fails cleanly or (being a
	 * valid plain-key prefix) never reads past its end (ASan). */
	for (size_t n = 0; n < c.len; n++) {
		uint8_t *copy = malloc(n + 1);

		assert_non_null(copy);
		memcpy(copy, c.p, n);
		if (kx_hostkey_from_blob(copy, n, &hk) != KX_OK)
			assert_false(hk.have);
		free(copy);
	}
	free(b.p);
	free(c.p);
}

static void
test_hostkey_name(void **state)
{
	char buf[64];

	(void)state;
	kx_hostkey_name("192.0.2.7", 22, buf, sizeof(buf));
	assert_string_equal(buf, "192.0.2.7");
	kx_hostkey_name("2001:db8::1", 2222, buf, sizeof(buf));
	assert_string_equal(buf, "[2001:db8::1]:2222");
}

/* ---------------------------------------------------------- files */

static char dir[64];

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/kx-test-hostkey.XXXXXX");
	return mkdtemp(dir) != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	DIR *d;
	struct dirent *e;
	char p[512];

	(void)state;
	if ((d = opendir(dir)) != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
			unlink(p);
		}
		closedir(d);
	}
	rmdir(dir);
	return 0;
}

static void
path_of(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static struct kx_hostdb *
load(const char *path, bool missing_ok)
{
	struct kx_hostdb *db = NULL;
	char err[256] = "";

	assert_int_equal(kx_hostdb_load(path, missing_ok, &db, err, sizeof(err)), KX_OK);
	assert_non_null(db);
	return db;
}

static enum kx_hk_verdict
check(struct kx_hostdb *db, const char *name, const char *key, bool learn,
    char fp[KX_FP_LEN + 1])
{
	struct blob b = b64(key);
	enum kx_hk_verdict v;

	v = kx_hostdb_check(db, name, b.p, b.len, learn, fp);
	free(b.p);
	return v;
}

/* KEY_A with one key byte changed: another ed25519 key. */
static char *
other_ed25519(void)
{
	struct blob b = b64(KEY_A);
	char *s = malloc(128);

	assert_non_null(s);
	b.p[b.len - 1] ^= 0x01;
	assert_true(EVP_EncodeBlock((unsigned char *)s, b.p, (int)b.len) > 0);
	free(b.p);
	return s;
}

static void
test_known_hosts_verdicts(void **state)
{
	char path[512], text[4096], fp[KX_FP_LEN + 1];
	struct kx_hostdb *db;
	char *a2 = other_ed25519();

	(void)state;
	path_of(path, sizeof(path), "known_hosts");
	snprintf(text, sizeof(text),
	    "# a comment, then a blank line\n\n"
	    "%s ssh-ed25519 %s\n"
	    "%s ssh-ed25519 %s comment here\n"
	    "192.0.2.9,Host.Example.org ssh-ed25519 %s\n"
	    "192.0.2.10 ecdsa-sha2-nistp256 %s\n"
	    "198.51.100.*,!198.51.100.66 ssh-rsa %s\n"
	    "@revoked 192.0.2.11 ecdsa-sha2-nistp256 %s\n"
	    "192.0.2.11 ecdsa-sha2-nistp256 %s\n"
	    "@cert-authority 192.0.2.12 ssh-ed25519 %s\n"
	    "192.0.2.13 ssh-rsa %s\n"
	    "this line is not a key\n"
	    "192.0.2.14 ssh-ed25519 !!!notbase64!!!\n",
	    HASHED_7, KEY_A, HASHED_8, KEY_A, KEY_A, KEY_B, KEY_C, KEY_B,
	    KEY_B, KEY_A, KEY_A);
	write_file(path, text);
	db = load(path, false);
	/* 8 of the 9 key lines parse: not the ssh-rsa line holding an
	 * ed25519 key; the prose and the bad base64 do not either. */
	assert_int_equal(kx_hostdb_count(db), 8);

	/* hashed names, with and without a port */
	assert_int_equal(check(db, "192.0.2.7", KEY_A, false, fp), KX_HK_MATCH);
	assert_int_equal(check(db, "[192.0.2.8]:2222", KEY_A, false, fp), KX_HK_MATCH);
	assert_int_equal(check(db, "192.0.2.8", KEY_A, false, fp), KX_HK_UNKNOWN);
	/* a different key of the same type: the MITM warning, with the key
	 * on record */
	assert_int_equal(check(db, "192.0.2.9", a2, false, fp), KX_HK_CHANGED);
	assert_string_equal(fp, FP_A);
	assert_int_equal(check(db, "host.example.org", KEY_A, false, fp), KX_HK_MATCH);
	/* known with another key type only */
	assert_int_equal(check(db, "192.0.2.10", KEY_A, false, fp), KX_HK_OTHER_TYPE);
	assert_string_equal(fp, "");
	/* a wildcard, and its negation */
	assert_int_equal(check(db, "198.51.100.55", KEY_C, false, fp), KX_HK_MATCH);
	assert_int_equal(check(db, "198.51.100.66", KEY_C, false, fp), KX_HK_UNKNOWN);
	/* @revoked wins over a plain entry with the same key */
	assert_int_equal(check(db, "192.0.2.11", KEY_B, false, fp), KX_HK_REVOKED);
	/* @cert-authority lines are not host keys */
	assert_int_equal(check(db, "192.0.2.12", KEY_A, false, fp), KX_HK_UNKNOWN);
	/* a certificate is checked by its plain key */
	assert_int_equal(check(db, "192.0.2.10", CERT_B, false, fp), KX_HK_MATCH);
	/* learn is off for known_hosts: nothing was added */
	assert_int_equal(kx_hostdb_count(db), 8);
	kx_hostdb_free(db);
	free(a2);
}

static bool
dir_has_temp(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	bool found = false;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (strstr(e->d_name, ".kexray-") != NULL)
			found = true;
	closedir(d);
	return found;
}

static void
test_learned_state_file(void **state)
{
	char path[512], err[256], fp[KX_FP_LEN + 1], line[512];
	struct kx_hostdb *db;
	char *a2 = other_ed25519();
	FILE *f;

	(void)state;
	path_of(path, sizeof(path), "state");
	db = load(path, true);                  /* first run: no file yet */
	assert_int_equal(kx_hostdb_count(db), 0);
	assert_int_equal(check(db, "[192.0.2.7]:2222", KEY_A, true, fp), KX_HK_LEARNED);
	assert_int_equal(check(db, "[192.0.2.7]:2222", KEY_A, true, fp), KX_HK_MATCH);
	assert_int_equal(check(db, "[192.0.2.7]:2222", a2, true, fp), KX_HK_CHANGED);
	assert_string_equal(fp, FP_A);
	/* a new key type of a known host is learned, as ssh adds it */
	assert_int_equal(check(db, "[192.0.2.7]:2222", KEY_B, true, fp), KX_HK_LEARNED);
	assert_int_equal(kx_hostdb_save(db, path, err, sizeof(err)), KX_OK);
	kx_hostdb_free(db);
	assert_false(dir_has_temp());

	/* The file is known_hosts format: ssh-keygen's own base64. */
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	assert_int_equal(strncmp(line, "[192.0.2.7]:2222 ssh-ed25519 ", 29), 0);
	assert_int_equal(strncmp(line + 29, KEY_A, strlen(KEY_A)), 0);
	fclose(f);

	db = load(path, true);
	assert_int_equal(kx_hostdb_count(db), 2);
	assert_int_equal(check(db, "[192.0.2.7]:2222", a2, true, fp), KX_HK_CHANGED);
	assert_int_equal(check(db, "[192.0.2.7]:2222", KEY_B, true, fp), KX_HK_MATCH);
	/* nothing learned: the file is not rewritten */
	assert_int_equal(kx_hostdb_save(db, path, err, sizeof(err)), KX_OK);
	kx_hostdb_free(db);
	free(a2);
}

static char *
read_all(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = malloc(4096);
	size_t n;

	assert_non_null(f);
	assert_non_null(buf);
	n = fread(buf, 1, 4095, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Issue 15: the state file as a journal. Each key learned is in the file
 * at once (no save); a last line a kill cut short is dropped and the file
 * compacted, atomically, when it is opened next. */
static void
test_journal(void **state)
{
	char path[512], err[256], fp[KX_FP_LEN + 1];
	struct kx_hostdb *db;
	char *text, *first;
	size_t len;

	(void)state;
	path_of(path, sizeof(path), "journal");
	db = load(path, true);
	assert_int_equal(kx_hostdb_journal_open(db, path, err, sizeof(err)), KX_OK);
	assert_true(kx_hostdb_journal_fd(db) >= 0);
	assert_int_equal(check(db, "[192.0.2.7]:2222", KEY_A, true, fp), KX_HK_LEARNED);
	/* In the file already, before any save or free. */
	text = read_all(path);
	assert_int_equal(strncmp(text, "[192.0.2.7]:2222 ssh-ed25519 ", 29), 0);
	assert_non_null(strchr(text, '\n'));
	assert_int_equal(check(db, "[192.0.2.8]:22", KEY_B, true, fp), KX_HK_LEARNED);
	kx_hostdb_free(db);
	free(text);

	/* A kill during the third append: half a line, no LF. */
	text = read_all(path);
	first = strdup(text);
	assert_non_null(first);
	*(strchr(first, '\n') + 1) = '\0';
	len = strlen(first);
	write_file(path, text);
	{
		FILE *f = fopen(path, "a");

		assert_non_null(f);
		assert_int_equal(fwrite(first, 1, len / 2, f), len / 2);
		assert_int_equal(fclose(f), 0);
	}
	db = load(path, true);
	assert_int_equal(kx_hostdb_count(db), 2);
	assert_int_equal(kx_hostdb_journal_open(db, path, err, sizeof(err)), KX_OK);
	assert_false(dir_has_temp());
	free(first);
	first = read_all(path);
	assert_string_equal(first, text);       /* the cut line is gone */
	assert_int_equal(check(db, "[192.0.2.7]:2222", KEY_A, true, fp), KX_HK_MATCH);
	kx_hostdb_free(db);
	free(first);
	free(text);
}

/* Rewriting keeps every line it read, comments and unparsed ones too. */
static void
test_save_keeps_other_lines(void **state)
{
	char path[512], err[256], fp[KX_FP_LEN + 1], text[1024], got[2048];
	struct kx_hostdb *db;
	FILE *f;
	size_t n;

	(void)state;
	path_of(path, sizeof(path), "keep");
	snprintf(text, sizeof(text), "# mine\nnot a key line\n192.0.2.1 ssh-ed25519 %s\n",
	    KEY_A);
	write_file(path, text);
	db = load(path, true);
	assert_int_equal(check(db, "192.0.2.2", KEY_A, true, fp), KX_HK_LEARNED);
	assert_int_equal(kx_hostdb_save(db, path, err, sizeof(err)), KX_OK);
	kx_hostdb_free(db);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(got, 1, sizeof(got) - 1, f);
	got[n] = '\0';
	fclose(f);
	assert_int_equal(strncmp(got, text, strlen(text)), 0);
	assert_non_null(strstr(got + strlen(text), "192.0.2.2 ssh-ed25519 "));
}

static void
test_missing_and_unwritable(void **state)
{
	char path[512], err[256] = "", fp[KX_FP_LEN + 1];
	struct kx_hostdb *db = NULL;

	(void)state;
	path_of(path, sizeof(path), "absent");
	assert_int_equal(kx_hostdb_load(path, false, &db, err, sizeof(err)), KX_IO);
	assert_null(db);
	assert_non_null(strstr(err, "absent"));
	/* a state file in a directory that does not exist cannot be saved */
	path_of(path, sizeof(path), "no/such/dir/state");
	db = load(path, true);
	assert_int_equal(check(db, "192.0.2.1", KEY_A, true, fp), KX_HK_LEARNED);
	err[0] = '\0';
	assert_int_equal(kx_hostdb_save(db, path, err, sizeof(err)), KX_IO);
	assert_true(err[0] != '\0');
	kx_hostdb_free(db);
}

/* KX_HOSTDB_LINE_MAX: a longer line is never matched but kept;
 * KX_HOSTDB_LINES_MAX: a longer file is refused. */
static void
test_caps(void **state)
{
	char path[512], err[256], fp[KX_FP_LEN + 1];
	struct kx_hostdb *db = NULL;
	char *line;
	size_t n = KX_HOSTDB_LINE_MAX + 1;
	FILE *f;

	(void)state;
	path_of(path, sizeof(path), "long");
	line = malloc(n + 256);
	assert_non_null(line);
	n = (size_t)snprintf(line, 256, "192.0.2.1 ssh-ed25519 %s ", KEY_A);
	memset(line + n, 'x', KX_HOSTDB_LINE_MAX + 1 - n);
	line[KX_HOSTDB_LINE_MAX + 1] = '\n';
	line[KX_HOSTDB_LINE_MAX + 2] = '\0';
	write_file(path, line);
	db = load(path, false);
	assert_int_equal(check(db, "192.0.2.1", KEY_A, false, fp), KX_HK_UNKNOWN);
	kx_hostdb_free(db);
	/* one byte shorter: read */
	line[KX_HOSTDB_LINE_MAX] = '\n';
	line[KX_HOSTDB_LINE_MAX + 1] = '\0';
	write_file(path, line);
	db = load(path, false);
	assert_int_equal(check(db, "192.0.2.1", KEY_A, false, fp), KX_HK_MATCH);
	kx_hostdb_free(db);
	free(line);

	path_of(path, sizeof(path), "many");
	f = fopen(path, "w");
	assert_non_null(f);
	for (unsigned i = 0; i <= KX_HOSTDB_LINES_MAX; i++)
		fputs("#\n", f);
	assert_int_equal(fclose(f), 0);
	db = NULL;
	assert_int_equal(kx_hostdb_load(path, false, &db, err, sizeof(err)), KX_LIMIT);
	assert_null(db);
	unlink(path);
}

/* A key blob of len bytes: the type "ssh-ed25519" and one key string. */
static uint8_t *
big_key(size_t len)
{
	uint8_t *p = calloc(1, len);
	size_t kl = len - 4 - 11 - 4;

	assert_non_null(p);
	p[3] = 11;
	memcpy(p + 4, "ssh-ed25519", 11);
	p[15] = (uint8_t)(kl >> 24);
	p[16] = (uint8_t)(kl >> 16);
	p[17] = (uint8_t)(kl >> 8);
	p[18] = (uint8_t)kl;
	return p;
}

/* KX_HOSTKEY_MAX: a longer key is not learned, and the answer says it is
 * a cap, not a lack of memory; a key of exactly the cap is learned and
 * read back from the state file. */
static void
test_learn_cap(void **state)
{
	char path[512], err[256], fp[KX_FP_LEN + 1];
	struct kx_hostdb *db;
	uint8_t *over = big_key(KX_HOSTKEY_MAX + 1), *at = big_key(KX_HOSTKEY_MAX);

	(void)state;
	path_of(path, sizeof(path), "cap");
	db = load(path, true);
	assert_int_equal(kx_hostdb_learn(db, "192.0.2.9", over,
	    KX_HOSTKEY_MAX + 1), KX_LIMIT);
	assert_int_equal(kx_hostdb_check(db, "192.0.2.9", over,
	    KX_HOSTKEY_MAX + 1, true, fp), KX_HK_UNKNOWN);
	assert_int_equal(kx_hostdb_count(db), 0);
	assert_int_equal(kx_hostdb_check(db, "192.0.2.9", at, KX_HOSTKEY_MAX,
	    true, fp), KX_HK_LEARNED);
	assert_int_equal(kx_hostdb_save(db, path, err, sizeof(err)), KX_OK);
	kx_hostdb_free(db);
	db = load(path, true);
	assert_int_equal(kx_hostdb_check(db, "192.0.2.9", at, KX_HOSTKEY_MAX,
	    false, fp), KX_HK_MATCH);
	kx_hostdb_free(db);
	unlink(path);
	free(over);
	free(at);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fingerprints_match_ssh_keygen),
		cmocka_unit_test(test_malformed_blobs),
		cmocka_unit_test(test_hostkey_name),
		cmocka_unit_test(test_known_hosts_verdicts),
		cmocka_unit_test(test_learned_state_file),
		cmocka_unit_test(test_save_keeps_other_lines),
		cmocka_unit_test(test_journal),
		cmocka_unit_test(test_missing_and_unwritable),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_learn_cap),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
