/* algtab: every row well-formed, no duplicates, sorted as the binary
 * search needs; every algorithm in the project's captures known; version
 * comparison; software banners; known issues and their back-ports. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kexray/analyze/algtab.h"
#include "kexray/input/capture.h"
#include "kexray/stream/pipeline.h"

static const char *pcaps_dir;
static const char *doc_path;

static bool
is_version(const char *v)
{
	bool digit = false;

	if (v == NULL)
		return true;
	for (const char *p = v; *p != '\0'; p++) {
		if (*p >= '0' && *p <= '9')
			digit = true;
		else if (*p != '.')
			return false;
	}
	return digit;
}

static int
vcmp(const char *a, const char *b)
{
	return kx_version_cmp(a, strlen(a), b, strlen(b));
}

static void
test_rows_well_formed(void **state)
{
	size_t n;
	const struct kx_algtab_row *r = kx_algtab_rows(&n);

	(void)state;
	assert_true(n >= 130);
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(r[i].name);

		/* RFC 4251 6: 1-64 printable US-ASCII, no comma, no space. */
		assert_true(len > 0 && len <= 64);
		for (size_t k = 0; k < len; k++)
			assert_true(r[i].name[k] > 0x20 && r[i].name[k] < 0x7f &&
			    r[i].name[k] != ',');
		assert_true(r[i].cat < KX_AC_MAX);
		assert_true(r[i].rating < KX_RATE_UNKNOWN);
		assert_non_null(r[i].reason);
		assert_true(strlen(r[i].reason) > 10 && strlen(r[i].reason) < 200);
		assert_null(strchr(r[i].reason, '\n'));
		assert_true(is_version(r[i].since));
		assert_true(is_version(r[i].off_in));
		assert_true(is_version(r[i].gone_in));
		if (r[i].since != NULL && r[i].off_in != NULL)
			assert_true(vcmp(r[i].since, r[i].off_in) <= 0);
		if (r[i].since != NULL && r[i].gone_in != NULL)
			assert_true(vcmp(r[i].since, r[i].gone_in) < 0);
		if (r[i].off_in != NULL && r[i].gone_in != NULL)
			assert_true(vcmp(r[i].off_in, r[i].gone_in) <= 0);
		if (r[i].flags & KX_ALGF_NO_OPENSSH)
			assert_true(r[i].since == NULL && r[i].off_in == NULL &&
			    r[i].gone_in == NULL);
		/* Flags belong to their category. */
		if (r[i].flags & (KX_ALGF_PQ | KX_ALGF_MARKER | KX_ALGF_PREFIX))
			assert_int_equal(r[i].cat, KX_AC_KEX);
		if (r[i].flags & (KX_ALGF_CBC | KX_ALGF_AEAD | KX_ALGF_CHACHA))
			assert_int_equal(r[i].cat, KX_AC_CIPHER);
		if (r[i].flags & KX_ALGF_ETM) {
			assert_int_equal(r[i].cat, KX_AC_MAC);
			assert_non_null(strstr(r[i].name, "-etm@"));
		}
		if (r[i].cat == KX_AC_MAC && strstr(r[i].name, "-etm@") != NULL)
			assert_true(r[i].flags & KX_ALGF_ETM);
		if (r[i].cat == KX_AC_CIPHER && strstr(r[i].name, "-cbc") != NULL)
			assert_true(r[i].flags & KX_ALGF_CBC);
		if (r[i].flags & KX_ALGF_CERT) {
			assert_int_equal(r[i].cat, KX_AC_HOSTKEY);
			assert_non_null(strstr(r[i].name, "-cert-v0"));
		}
		if (r[i].cat == KX_AC_HOSTKEY && strcmp(r[i].name, "null") != 0)
			assert_non_null(r[i].keytype);
		if (r[i].cat != KX_AC_HOSTKEY)
			assert_null(r[i].keytype);
		if (r[i].flags & KX_ALGF_PREFIX)
			assert_int_equal(r[i].name[len - 1], '-');
		/* Post-quantum methods are hybrids that are rated on their own. */
		if (r[i].flags & KX_ALGF_PQ)
			assert_true(strstr(r[i].name, "sntrup") != NULL ||
			    strstr(r[i].name, "mlkem") != NULL);
	}
}

/* Sorted by (name bytes, category), strictly: no duplicates. */
static void
test_sorted_unique(void **state)
{
	size_t n;
	const struct kx_algtab_row *r = kx_algtab_rows(&n);

	(void)state;
	for (size_t i = 1; i < n; i++) {
		int d = strcmp(r[i - 1].name, r[i].name);

		if (d == 0)
			assert_true(r[i - 1].cat < r[i].cat);
		else
			assert_true(d < 0);
	}
}

static const struct kx_algtab_row *
find(enum kx_algcat cat, const char *name)
{
	return kx_algtab_find(cat, (const uint8_t *)name, strlen(name));
}

static void
test_lookup(void **state)
{
	size_t n;
	const struct kx_algtab_row *r = kx_algtab_rows(&n);
	const struct kx_algtab_row *x;

	(void)state;
	for (size_t i = 0; i < n; i++) {
		if (r[i].flags & KX_ALGF_PREFIX) {
			char name[128];

			/* RFC 4462: prefix + base64(MD5(mechanism OID)). */
			snprintf(name, sizeof(name), "%stoWM5Slw5Ew8Mqkay+al2g==", r[i].name);
			assert_ptr_equal(find((enum kx_algcat)r[i].cat, name), &r[i]);
			assert_null(find((enum kx_algcat)r[i].cat, r[i].name));
		} else {
			assert_ptr_equal(find((enum kx_algcat)r[i].cat, r[i].name), &r[i]);
		}
	}
	/* "none" is three rows, rated by what it means in each list. */
	assert_int_equal(find(KX_AC_CIPHER, "none")->rating, KX_RATE_FAIL);
	assert_int_equal(find(KX_AC_MAC, "none")->rating, KX_RATE_FAIL);
	assert_int_equal(find(KX_AC_COMP, "none")->rating, KX_RATE_OK);
	/* Unknown names are unknown: not guessed from a near miss. */
	assert_null(find(KX_AC_CIPHER, "AES128-CTR"));
	assert_null(find(KX_AC_CIPHER, "aes128-ctr "));
	assert_null(find(KX_AC_CIPHER, "aes128-ct"));
	assert_null(find(KX_AC_KEX, "aes128-ctr"));
	assert_null(find(KX_AC_KEX, "curve25519-sha256@example.com"));
	assert_null(kx_algtab_find(KX_AC_KEX, NULL, 0));
	assert_null(find(KX_AC_KEX, ""));
	/* The issue's list, spot checks of the ratings that drive advice. */
	x = find(KX_AC_KEX, "diffie-hellman-group14-sha1");
	assert_int_equal(x->rating, KX_RATE_WARN);
	assert_non_null(strstr(x->reason, "SHA-1"));
	assert_int_equal(find(KX_AC_KEX, "diffie-hellman-group1-sha1")->rating, KX_RATE_FAIL);
	assert_int_equal(find(KX_AC_KEX, "rsa1024-sha1")->rating, KX_RATE_FAIL);
	assert_true(find(KX_AC_KEX, "mlkem768x25519-sha256")->flags & KX_ALGF_PQ);
	assert_true(find(KX_AC_KEX, "sntrup761x25519-sha512@openssh.com")->flags & KX_ALGF_PQ);
	assert_false(find(KX_AC_KEX, "curve25519-sha256")->flags & KX_ALGF_PQ);
	assert_true(find(KX_AC_KEX, "kex-strict-s-v00@openssh.com")->flags & KX_ALGF_MARKER);
	assert_true(find(KX_AC_CIPHER, "chacha20-poly1305@openssh.com")->flags & KX_ALGF_CHACHA);
	assert_int_equal(find(KX_AC_CIPHER, "arcfour")->rating, KX_RATE_FAIL);
	assert_int_equal(find(KX_AC_HOSTKEY, "ssh-dss")->rating, KX_RATE_FAIL);
	assert_int_equal(find(KX_AC_HOSTKEY, "ssh-rsa")->rating, KX_RATE_WARN);
	assert_int_equal(find(KX_AC_MAC, "hmac-md5")->rating, KX_RATE_FAIL);
	assert_int_equal(find(KX_AC_COMP, "zlib@openssh.com")->rating, KX_RATE_OK);
}

/* ---------------------------------------- names in the project's captures */

struct scan {
	unsigned names, unknown, conns;
	char first_unknown[128];
};

static const enum kx_proposal props[] = {
	KX_PROP_KEX, KX_PROP_HOSTKEY, KX_PROP_ENC_C2S, KX_PROP_ENC_S2C,
	KX_PROP_MAC_C2S, KX_PROP_MAC_S2C, KX_PROP_COMP_C2S, KX_PROP_COMP_S2C,
};
static const enum kx_algcat cats[] = {
	KX_AC_KEX, KX_AC_HOSTKEY, KX_AC_CIPHER, KX_AC_CIPHER,
	KX_AC_MAC, KX_AC_MAC, KX_AC_COMP, KX_AC_COMP,
};

static void
on_conn(struct kx_conn *c, void *arg)
{
	struct scan *sc = arg;

	for (int side = 0; side < 2; side++) {
		const struct kx_kexinit *k = kx_conn_ssh(c, side)->kexinit;

		if (k == NULL)
			continue;
		sc->conns++;
		for (size_t i = 0; i < sizeof(props) / sizeof(props[0]); i++) {
			uint32_t off = 0, len;
			const uint8_t *name;

			while (kx_namelist_next(&k->list[props[i]], &off, &name, &len)) {
				sc->names++;
				if (kx_algtab_find(cats[i], name, len) != NULL)
					continue;
				if (sc->unknown++ == 0)
					snprintf(sc->first_unknown, sizeof(sc->first_unknown),
					    "%s %.*s", kx_algcat_names[cats[i]], (int)len,
					    (const char *)name);
			}
		}
	}
}

static void
on_frame(void *arg, int dlt, const uint8_t *frame, uint32_t caplen,
    uint32_t wirelen, uint64_t ts_us, uint64_t frame_no)
{
	kx_pipeline_frame(arg, dlt, frame, caplen, wirelen, ts_us, frame_no);
}

static void
test_every_captured_name_known(void **state)
{
	DIR *d;
	struct dirent *e;
	unsigned files = 0;
	struct scan sc = { 0 };

	(void)state;
	if (pcaps_dir == NULL)
		skip();
	d = opendir(pcaps_dir);
	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		const char *dot = strrchr(e->d_name, '.');
		struct kx_pipeline_config cfg = { .ports = { 22 }, .nports = 1 };
		struct kx_pipeline *pl;
		char path[1024];

		if (dot == NULL || (strcmp(dot, ".pcap") != 0 &&
		    strcmp(dot, ".pcapng") != 0))
			continue;
		snprintf(path, sizeof(path), "%s/%s", pcaps_dir, e->d_name);
		pl = kx_pipeline_new(&cfg, on_conn, &sc);
		assert_non_null(pl);
		assert_int_equal(kx_capture_file(path, NULL, on_frame, pl), 0);
		kx_pipeline_finish(pl);
		kx_pipeline_free(pl);
		files++;
	}
	closedir(d);
	assert_true(files >= 10);
	assert_true(sc.conns >= 2 * 10);
	assert_true(sc.names > 500);
	if (sc.unknown != 0)
		fail_msg("%u names not in the table, first: %s", sc.unknown,
		    sc.first_unknown);
}

/* docs/algorithms.md lists every row, as `name` in its category's table. */
static void
test_documented(void **state)
{
	FILE *f;
	char *doc;
	long len;
	size_t n;
	const struct kx_algtab_row *r = kx_algtab_rows(&n);

	(void)state;
	if (doc_path == NULL)
		skip();
	f = fopen(doc_path, "r");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	assert_true(len > 0);
	rewind(f);
	doc = malloc((size_t)len + 1);
	assert_non_null(doc);
	assert_int_equal(fread(doc, 1, (size_t)len, f), (size_t)len);
	doc[len] = '\0';
	fclose(f);
	for (size_t i = 0; i < n; i++) {
		char want[96];

		snprintf(want, sizeof(want), "| `%s`", r[i].name);
		if (strstr(doc, want) == NULL)
			fail_msg("%s is not in %s", r[i].name, doc_path);
	}
	free(doc);
}

/* ---------------------------------------------------------- versions */

static void
test_version_cmp(void **state)
{
	(void)state;
	assert_int_equal(vcmp("7.0", "7.0"), 0);
	assert_true(vcmp("6.9", "7.0") < 0);
	assert_true(vcmp("9.2p1", "9.2") == 0);
	assert_true(vcmp("9.2p1", "9.10") < 0);     /* numeric, not textual */
	assert_true(vcmp("10.0", "9.9") > 0);
	assert_true(vcmp("2022.83", "2020.79") > 0);
	assert_true(vcmp("0.7.5", "0.7.6") < 0);
	assert_true(vcmp("0.10.4", "0.8.3") > 0);
	assert_true(vcmp("5.2.9", "5.2.10") < 0);
	assert_true(vcmp("4.15.3.12", "4.15.3.11") > 0);
	assert_true(vcmp("1.7.0_DEV", "1.7.0") == 0);
	assert_true(vcmp("7", "7.0") == 0);
}

/* ---------------------------------------------------------- software */

static void
assert_sw(const char *soft, const char *product, const char *version)
{
	struct kx_software sw;

	kx_software_parse((const uint8_t *)soft, strlen(soft), NULL, 0, &sw);
	if (product == NULL) {
		assert_null(sw.row);
		return;
	}
	assert_non_null(sw.row);
	assert_string_equal(sw.row->name, product);
	assert_int_equal(sw.version_len, strlen(version));
	assert_memory_equal(sw.version, version, sw.version_len);
}

static void
test_software(void **state)
{
	size_t n;
	const struct kx_product_row *p = kx_product_rows(&n);

	(void)state;
	assert_sw("OpenSSH_9.2p1", "OpenSSH", "9.2p1");
	assert_sw("OpenSSH_for_Windows_8.1", "OpenSSH for Windows", "8.1");
	assert_sw("dropbear_2022.83", "Dropbear", "2022.83");
	assert_sw("PuTTY_Release_0.78", "PuTTY", "0.78");
	assert_sw("PuTTY_Snapshot_2023", "PuTTY", "Snapshot_2023");
	assert_sw("libssh2_1.7.0_DEV", "libssh2", "1.7.0_DEV");
	assert_sw("libssh_0.10.4", "libssh", "0.10.4");
	assert_sw("libssh-0.6.3", "libssh", "0.6.3");
	assert_sw("paramiko_2.12.0", "paramiko", "2.12.0");
	assert_sw("Go", "Go x/crypto/ssh", "");
	assert_sw("GoAnywhere5.7.0", NULL, NULL);
	assert_sw("Cisco-1.25", "Cisco", "1.25");
	assert_sw("WinSCP_release_5.21.5", "WinSCP", "5.21.5");
	assert_sw("AsyncSSH_2.13.0", "AsyncSSH", "2.13.0");
	assert_sw("JSCH-0.1.54", "JSch", "0.1.54");
	assert_sw("Erlang/5.2.9", "Erlang/OTP ssh", "5.2.9");
	assert_sw("ROSSSH", "MikroTik RouterOS", "");
	assert_sw("SomethingElse_1.0", NULL, NULL);
	assert_sw("", NULL, NULL);
	/* Prefixes are distinct. */
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(p[i].prefix, p[j].prefix);
}

struct hits {
	unsigned n;
	const char *ids[8];
};

static void
on_issue(const struct kx_software_issue *is, void *arg)
{
	struct hits *h = arg;

	if (h->n < 8)
		h->ids[h->n] = is->id;
	h->n++;
}

static struct hits
issues(const char *soft, const char *comments, bool server)
{
	struct kx_software sw;
	struct hits h = { 0 };

	kx_software_parse((const uint8_t *)soft, strlen(soft),
	    (const uint8_t *)comments, comments != NULL ? strlen(comments) : 0, &sw);
	kx_software_issues(&sw, server, on_issue, &h);
	return h;
}

static void
test_issues(void **state)
{
	struct hits h;

	(void)state;
	h = issues("OpenSSH_9.1p1", NULL, true);
	assert_int_equal(h.n, 2);   /* the 9.1 double free and regreSSHion */
	assert_string_equal(h.ids[0], "CVE-2024-6387");
	assert_string_equal(h.ids[1], "CVE-2023-25136");
	/* sshd bugs are not a client's */
	assert_int_equal(issues("OpenSSH_9.1p1", NULL, false).n, 0);
	assert_int_equal(issues("OpenSSH_9.8p1", NULL, true).n, 0);
	assert_int_equal(issues("OpenSSH_8.4p1", NULL, true).n, 0);
	/* Debian's and Ubuntu's fixed packages (DSA-5724-1, USN-6859-1) */
	assert_int_equal(issues("OpenSSH_9.2p1", "Debian-2+deb12u2", true).n, 1);
	assert_int_equal(issues("OpenSSH_9.2p1", "Debian-2+deb12u3", true).n, 0);
	assert_int_equal(issues("OpenSSH_9.2p1", "Debian-2+deb12u10", true).n, 0);
	assert_int_equal(issues("OpenSSH_8.9p1", "Ubuntu-3ubuntu0.6", true).n, 1);
	assert_int_equal(issues("OpenSSH_8.9p1", "Ubuntu-3ubuntu0.10", true).n, 0);
	assert_int_equal(issues("OpenSSH_9.2p1", "Debian-2+deb12u", true).n, 1);
	assert_int_equal(issues("libssh_0.7.5", NULL, true).n, 1);
	assert_int_equal(issues("libssh_0.7.6", NULL, true).n, 0);
	assert_int_equal(issues("libssh_0.8.3", NULL, true).n, 1);
	assert_int_equal(issues("libssh_0.8.4", NULL, true).n, 0);
	assert_int_equal(issues("Erlang/5.2.9", NULL, true).n, 1);
	assert_int_equal(issues("Erlang/5.2.10", NULL, true).n, 0);
	assert_int_equal(issues("Erlang/4.15.3.12", NULL, true).n, 0);
	/* no version, no guess */
	assert_int_equal(issues("OpenSSH_", NULL, true).n, 0);
	assert_int_equal(issues("Go", NULL, true).n, 0);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows_well_formed),
		cmocka_unit_test(test_sorted_unique),
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_every_captured_name_known),
		cmocka_unit_test(test_documented),
		cmocka_unit_test(test_version_cmp),
		cmocka_unit_test(test_software),
		cmocka_unit_test(test_issues),
	};

	pcaps_dir = argc > 1 ? argv[1] : NULL;
	doc_path = argc > 2 ? argv[2] : NULL;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
