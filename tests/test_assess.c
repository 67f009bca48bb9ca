/* assess: ratings, weak offers, Terrapin, post-quantum verdicts, HASSH,
 * the fix with its cost and the lines OpenSSH would log, on connections
 * built from the KEXINIT lists of real peers (the seed case, recorded
 * OpenSSH 9.2 defaults) and on edge cases. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kexray/analyze/advice.h"
#include "kexray/analyze/assess.h"
#include "kx_test.h"

struct fake {
	struct kx_conn c;
	struct kx_hs hs;     /* c.hs points here */
	struct kx_kexinit k[2];
	struct kx_nego n;
	struct kx_assessment a;
};

/* A connection between 192.0.2.10:51514 and 198.51.100.22:22 with the
 * given banners (NULL: none) and KEXINIT lists (NULL: none). */
static struct fake *
make(const char *cbanner, const char *sbanner,
    const char *const cli[KX_PROP_MAX], const char *const srv[KX_PROP_MAX])
{
	static const uint8_t caddr[4] = { 192, 0, 2, 10 };
	static const uint8_t saddr[4] = { 198, 51, 100, 22 };
	struct fake *f = calloc(1, sizeof(*f));
	const char *banners[2] = { cbanner, sbanner };
	const char *const *lists[2] = { cli, srv };

	assert_non_null(f);
	f->c.ip_version = 4;
	f->c.hs = &f->hs;
	memcpy(f->c.ep[KX_CLIENT].addr, caddr, 4);
	memcpy(f->c.ep[KX_SERVER].addr, saddr, 4);
	f->c.ep[KX_CLIENT].port = 51514;
	f->c.ep[KX_SERVER].port = 22;
	for (int s = 0; s < 2; s++) {
		struct kx_ssh_side *ss = &f->hs.ssh[s];

		ss->is_server = s == KX_SERVER;
		if (banners[s] != NULL) {
			const char *sp = strchr(banners[s] + 8, ' ');

			ss->have_banner = true;
			ss->banner = (uint8_t *)(uintptr_t)banners[s];
			ss->banner_len = (uint16_t)strlen(banners[s]);
			ss->proto_major = 2;
			ss->soft_off = 8;   /* after "SSH-2.0-" */
			ss->soft_len = (uint16_t)(sp != NULL ? sp - banners[s] - 8 :
			    ss->banner_len - 8);
			if (sp != NULL) {
				ss->comments_off = (uint16_t)(sp + 1 - banners[s]);
				ss->comments_len = (uint16_t)(ss->banner_len - ss->comments_off);
			}
		}
		if (lists[s] != NULL) {
			kxt_kexinit(&f->k[s], lists[s]);
			ss->kexinit = &f->k[s];
		}
	}
	kx_negotiate(f->hs.ssh[KX_CLIENT].kexinit,
	    f->hs.ssh[KX_SERVER].kexinit, &f->n);
	kx_assess(&f->c, &f->n, &f->a);
	return f;
}

static void
assert_name(const struct kx_name *n, const char *want)
{
	assert_non_null(n->p);
	assert_int_equal(n->len, strlen(want));
	assert_memory_equal(n->p, want, n->len);
}

/* The side's list for the category of the name offers it. */
static bool
list_has_name(const struct fake *f, int side, const struct kx_name *n)
{
	const struct kx_namelist *nl = &f->k[side].list[KX_PROP_KEX];
	uint32_t off = 0, len;
	const uint8_t *name;

	while (kx_namelist_next(nl, &off, &name, &len))
		if (len == n->len && memcmp(name, n->p, len) == 0)
			return true;
	return false;
}

#define assert_int_true_len(x) assert_true((x) > 0)

static char *
line(const struct kx_fix *f, enum kx_fix_line which)
{
	static char buf[4][1024];
	static int i;
	char *b = buf[i++ % 4];
	size_t n = kx_fix_line(f, which, b, 1024);

	assert_true(n < 1024);
	return n == 0 ? NULL : b;
}

/* ---------------------------------------------------- the seed case */

static const char *const seed_srv[KX_PROP_MAX] = {
	("ecdh-sha2-nistp521,ecdh-sha2-nistp384,ecdh-sha2-nistp256,"
	"diffie-hellman-group-exchange-sha256"),
	"ssh-rsa,ssh-dss",
	"aes256-ctr,aes192-ctr,aes128-ctr", "aes256-ctr,aes192-ctr,aes128-ctr",
	"hmac-sha2-512,hmac-sha2-256,hmac-ripemd160",
	"hmac-sha2-512,hmac-sha2-256,hmac-ripemd160",
	"none,zlib@openssh.com", "none,zlib@openssh.com", "", "",
};
static const char *const seed_cli[KX_PROP_MAX] = {
	("diffie-hellman-group14-sha1,diffie-hellman-group-exchange-sha1,"
	"diffie-hellman-group1-sha1"),
	"ssh-rsa,ssh-dss",
	("aes128-ctr,aes192-ctr,aes256-ctr,aes256-cbc,rijndael-cbc@lysator.liu.se,"
	"aes192-cbc,aes128-cbc,blowfish-cbc,arcfour128,arcfour,cast128-cbc,3des-cbc"),
	("aes128-ctr,aes192-ctr,aes256-ctr,aes256-cbc,rijndael-cbc@lysator.liu.se,"
	"aes192-cbc,aes128-cbc,blowfish-cbc,arcfour128,arcfour,cast128-cbc,3des-cbc"),
	("hmac-sha1,hmac-sha1-96,hmac-md5,hmac-md5-96,hmac-ripemd160,"
	"hmac-ripemd160@openssh.com"),
	("hmac-sha1,hmac-sha1-96,hmac-md5,hmac-md5-96,hmac-ripemd160,"
	"hmac-ripemd160@openssh.com"),
	"none", "none", "", "",
};

/* The issue: the advice for the kex mismatch names
 * diffie-hellman-group14-sha1 for the server's KexAlgorithms, rates it
 * weak (SHA-1), and the client's upgrade as the better fix. */
static void
test_seed_advice(void **state)
{
	struct fake *f = make("SSH-2.0-libssh2_1.7.0_DEV", "SSH-2.0-OpenSSH_5.3",
	    seed_cli, seed_srv);
	const struct kx_advice *ad = &f->a.advice[0];
	const char *l;

	(void)state;
	assert_int_equal(f->a.nadvice, 1);
	assert_int_equal(ad->cat, KX_AC_KEX);
	assert_int_equal(ad->server_fix.action, KX_FIX_CONFIGURE);
	assert_name(&ad->server_fix.alg, "diffie-hellman-group14-sha1");
	assert_int_equal(ad->server_fix.row->rating, KX_RATE_WARN);
	assert_non_null(strstr(ad->server_fix.row->reason, "SHA-1"));
	/* OpenSSH 5.3 predates "+" (7.0): the line is the whole list. */
	assert_false(ad->server_fix.plus_syntax);
	l = line(&ad->server_fix, KX_LINE_CONFIG);
	assert_string_equal(l, "KexAlgorithms ecdh-sha2-nistp521,ecdh-sha2-nistp384,"
	    "ecdh-sha2-nistp256,diffie-hellman-group-exchange-sha256,"
	    "diffie-hellman-group14-sha1");
	/* libssh2 is not OpenSSH: it must offer one of the server's. */
	assert_int_equal(ad->client_fix.action, KX_FIX_CONFIGURE_OR_UPGRADE);
	assert_int_equal(ad->client_fix.row->rating, KX_RATE_OK);
	assert_true(list_has_name(f, KX_SERVER, &ad->client_fix.alg));
	assert_null(line(&ad->client_fix, KX_LINE_OPTION));
	assert_non_null(ad->client_fix.configure);
	assert_int_equal(ad->preferred, KX_CLIENT);
	assert_int_equal(ad->upgrade_side, -1);
	free(f);
}

/* The lines OpenSSH prints (packet.c sshpkt_vfatal), sshd with
 * [preauth], each with the peer's offer for the category it fails on. */
static void
test_seed_would_log(void **state)
{
	struct fake *f = make("SSH-2.0-libssh2_1.7.0_DEV", "SSH-2.0-OpenSSH_5.3",
	    seed_cli, seed_srv);
	char buf[512];

	(void)state;
	assert_true(f->a.would_log.have);
	assert_int_true_len(kx_would_log_line(&f->c, &f->a, KX_SERVER,
	    "192.0.2.10", buf, sizeof(buf)));
	assert_string_equal(buf, "Unable to negotiate with 192.0.2.10 port 51514: "
	    "no matching key exchange method found. Their offer: "
	    "diffie-hellman-group14-sha1,diffie-hellman-group-exchange-sha1,"
	    "diffie-hellman-group1-sha1 [preauth]");
	assert_int_true_len(kx_would_log_line(&f->c, &f->a, KX_CLIENT,
	    "198.51.100.22", buf, sizeof(buf)));
	assert_string_equal(buf, "Unable to negotiate with 198.51.100.22 port 22: "
	    "no matching key exchange method found. Their offer: "
	    "ecdh-sha2-nistp521,ecdh-sha2-nistp384,ecdh-sha2-nistp256,"
	    "diffie-hellman-group-exchange-sha256");
	/* a short buffer is cut and terminated, the full length returned */
	assert_true(kx_would_log_line(&f->c, &f->a, KX_CLIENT, "198.51.100.22",
	    buf, 10) > 10);
	assert_int_equal(strlen(buf), 9);
	free(f);
}

static void
test_seed_ratings_and_weak(void **state)
{
	struct fake *f = make("SSH-2.0-libssh2_1.7.0_DEV", "SSH-2.0-OpenSSH_5.3",
	    seed_cli, seed_srv);
	const struct kx_weak_list *cw = &f->a.weak[KX_CLIENT];
	bool md5 = false, cbc = false;

	(void)state;
	assert_null(f->a.rating[KX_CAT_KEX]);    /* none negotiated */
	assert_int_equal(f->a.rating[KX_CAT_HOSTKEY]->rating, KX_RATE_WARN);
	assert_int_equal(f->a.rating[KX_CAT_CIPHER_C2S]->rating, KX_RATE_OK);
	assert_string_equal(f->a.rating[KX_CAT_MAC_S2C]->name, "hmac-ripemd160");
	/* both directions list the same ciphers: each named once */
	assert_true(cw->have);
	assert_int_equal(cw->n, cw->total);
	for (uint32_t i = 0; i < cw->n; i++) {
		assert_true(cw->w[i].row->rating >= KX_RATE_WARN);
		if (cw->w[i].name.len == 8 && memcmp(cw->w[i].name.p, "hmac-md5", 8) == 0)
			md5 = true;
		if (cw->w[i].name.len == 10 && memcmp(cw->w[i].name.p, "aes128-cbc", 10) == 0) {
			assert_false(cbc);
			cbc = true;
		}
	}
	assert_true(md5 && cbc);
	/* the server offers ssh-rsa, ssh-dss and hmac-ripemd160 */
	assert_int_equal(f->a.weak[KX_SERVER].total, 3);
	assert_int_equal(f->a.software[KX_SERVER].sw.row->product, KX_PROD_OPENSSH);
	assert_int_equal(f->a.software[KX_CLIENT].sw.row->product, KX_PROD_LIBSSH2);
	assert_int_equal(f->a.pq.verdict, KX_PQ_UPGRADE);
	assert_false(f->a.pq.client_has || f->a.pq.server_has);
	assert_true(f->a.terrapin.known);
	assert_false(f->a.terrapin.exposed);
	free(f);
}

/* ------------------------------------------------ OpenSSH 9.2 peers */

static const char *const ossh_cli[KX_PROP_MAX] = {
	("sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,curve25519-sha256,"
	"curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,"
	"ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,"
	"diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,"
	"diffie-hellman-group14-sha256,ext-info-c,kex-strict-c-v00@openssh.com"),
	"ssh-ed25519,ecdsa-sha2-nistp256,rsa-sha2-512,rsa-sha2-256",
	("chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,"
	"aes128-gcm@openssh.com,aes256-gcm@openssh.com"),
	("chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,"
	"aes128-gcm@openssh.com,aes256-gcm@openssh.com"),
	("umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,"
	"hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,umac-64@openssh.com,"
	"umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1"),
	("umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,"
	"hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,umac-64@openssh.com,"
	"umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1"),
	"none,zlib@openssh.com,zlib", "none,zlib@openssh.com,zlib", "", "",
};

/* HASSH of OpenSSH 9.2's client KEXINIT as tshark 4.0 computes it
 * (ssh.kex.hassh on pcaps/openssh_login.pcap): markers included. */
static void
test_hassh_matches_tshark(void **state)
{
	struct fake *f = make(NULL, NULL, ossh_cli, ossh_cli);
	uint8_t buf[2048];
	size_t n;
	static const char want[] =
	    "sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,"
	    "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,"
	    "ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,"
	    "diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,"
	    "diffie-hellman-group14-sha256,ext-info-c,kex-strict-c-v00@openssh.com;"
	    "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,"
	    "aes128-gcm@openssh.com,aes256-gcm@openssh.com;"
	    "umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,"
	    "hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,umac-64@openssh.com,"
	    "umac-128@openssh.com,hmac-sha2-256,hmac-sha2-512,hmac-sha1;"
	    "none,zlib@openssh.com,zlib";

	(void)state;
	assert_true(f->a.have_hassh[KX_CLIENT]);
	assert_string_equal(f->a.hassh[KX_CLIENT], "472b5de333ad665af5cbf10ff892c4df");
	n = kx_hassh_algorithms(&f->k[KX_CLIENT], false, buf, sizeof(buf));
	assert_int_equal(n, strlen(want));
	assert_memory_equal(buf, want, n);
	/* asked for the length only */
	assert_int_equal(kx_hassh_algorithms(&f->k[KX_CLIENT], false, NULL, 0), n);
	free(f);
}

/* Empty lists: "kex;enc;mac;comp" is ";;;" (MD5 95420f9d...). The server
 * side uses its server-to-client lists. */
static void
test_hassh_empty_and_directions(void **state)
{
	static const char *const empty[KX_PROP_MAX] = {
		"", "", "", "", "", "", "", "", "", "" };
	static const char *const asym[KX_PROP_MAX] = {
		"k", "h", "c2s-cipher", "s2c-cipher", "c2s-mac", "s2c-mac",
		"c2s-comp", "s2c-comp", "", "" };
	struct fake *f = make(NULL, NULL, empty, asym);
	uint8_t buf[128];
	size_t n;

	(void)state;
	assert_string_equal(f->a.hassh[KX_CLIENT], "95420f9d932ddd22833f17b96a80bedb");
	n = kx_hassh_algorithms(&f->k[KX_SERVER], true, buf, sizeof(buf));
	assert_int_equal(n, strlen("k;s2c-cipher;s2c-mac;s2c-comp"));
	assert_memory_equal(buf, "k;s2c-cipher;s2c-mac;s2c-comp", n);
	n = kx_hassh_algorithms(&f->k[KX_SERVER], false, buf, sizeof(buf));
	assert_memory_equal(buf, "k;c2s-cipher;c2s-mac;c2s-comp", n);
	/* a short buffer: cut, full length returned */
	assert_int_equal(kx_hassh_algorithms(&f->k[KX_SERVER], true, buf, 4), 29);
	assert_memory_equal(buf, "k;s2", 4);
	free(f);
}

/* ------------------------------------------------------------ Terrapin */

static struct fake *
terrapin(const char *ckex, const char *skex, const char *cipher, const char *mac)
{
	static char cl[KX_PROP_MAX][256], sl[KX_PROP_MAX][256];
	const char *cli[KX_PROP_MAX], *srv[KX_PROP_MAX];

	for (int i = 0; i < KX_PROP_MAX; i++) {
		const char *v = i == KX_PROP_HOSTKEY ? "ssh-ed25519" :
		    i == KX_PROP_ENC_C2S || i == KX_PROP_ENC_S2C ? cipher :
		    i == KX_PROP_MAC_C2S || i == KX_PROP_MAC_S2C ? mac :
		    i == KX_PROP_COMP_C2S || i == KX_PROP_COMP_S2C ? "none" : "";

		snprintf(cl[i], sizeof(cl[i]), "%s", i == KX_PROP_KEX ? ckex : v);
		snprintf(sl[i], sizeof(sl[i]), "%s", i == KX_PROP_KEX ? skex : v);
		cli[i] = cl[i];
		srv[i] = sl[i];
	}
	return make(NULL, NULL, cli, srv);
}

static void
test_terrapin(void **state)
{
	static const char *sc = "curve25519-sha256,kex-strict-c-v00@openssh.com";
	static const char *ss = "curve25519-sha256,kex-strict-s-v00@openssh.com";
	static const char *plain = "curve25519-sha256";
	struct fake *f;

	(void)state;
	/* exposed by chacha20-poly1305, no strict kex */
	f = terrapin(plain, plain, "chacha20-poly1305@openssh.com", "hmac-sha2-256");
	assert_true(f->a.terrapin.exposed);
	assert_false(f->a.terrapin.strict_client || f->a.terrapin.strict_server);
	assert_non_null(strstr(f->a.terrapin.reason, "chacha20-poly1305"));
	free(f);
	/* exposed by CBC with an encrypt-then-MAC MAC */
	f = terrapin(plain, plain, "aes128-cbc", "hmac-sha2-256-etm@openssh.com");
	assert_true(f->a.terrapin.exposed);
	assert_non_null(strstr(f->a.terrapin.reason, "encrypt-then-MAC"));
	free(f);
	/* CBC with encrypt-and-MAC, or CTR with EtM: not the attack's shape */
	f = terrapin(plain, plain, "aes128-cbc", "hmac-sha2-256");
	assert_false(f->a.terrapin.exposed);
	free(f);
	f = terrapin(plain, plain, "aes128-ctr", "hmac-sha2-256-etm@openssh.com");
	assert_false(f->a.terrapin.exposed);
	free(f);
	/* protected: strict kex on both sides */
	f = terrapin(sc, ss, "chacha20-poly1305@openssh.com", "hmac-sha2-256");
	assert_false(f->a.terrapin.exposed);
	assert_true(f->a.terrapin.strict_client && f->a.terrapin.strict_server);
	free(f);
	/* one side strict only: still exposed (judged on the connection) */
	f = terrapin(sc, plain, "chacha20-poly1305@openssh.com", "hmac-sha2-256");
	assert_true(f->a.terrapin.exposed);
	assert_true(f->a.terrapin.strict_client);
	assert_false(f->a.terrapin.strict_server);
	assert_non_null(strstr(f->a.terrapin.reason, "only the client"));
	free(f);
	/* the markers are the client's -c- and the server's -s-: a server
	 * sending the client's marker is not strict */
	f = terrapin(sc, "curve25519-sha256,kex-strict-c-v00@openssh.com",
	    "chacha20-poly1305@openssh.com", "hmac-sha2-256");
	assert_true(f->a.terrapin.exposed);
	free(f);
	/* negotiation failed: no session */
	f = terrapin(plain, "ecdh-sha2-nistp256", "chacha20-poly1305@openssh.com",
	    "hmac-sha2-256");
	assert_false(f->a.terrapin.exposed);
	free(f);
}

/* --------------------------------------------------------- post-quantum */

static void
test_pq(void **state)
{
	struct fake *f;

	(void)state;
	f = terrapin("mlkem768x25519-sha256,curve25519-sha256",
	    "curve25519-sha256,mlkem768x25519-sha256", "aes128-ctr", "hmac-sha2-256");
	assert_int_equal(f->a.pq.verdict, KX_PQ_YES);
	free(f);
	/* both offer sntrup761, the client prefers curve25519 */
	f = terrapin("curve25519-sha256,sntrup761x25519-sha512@openssh.com",
	    "sntrup761x25519-sha512@openssh.com,curve25519-sha256", "aes128-ctr",
	    "hmac-sha2-256");
	assert_int_equal(f->a.pq.verdict, KX_PQ_PREFERENCE);
	assert_name(&f->a.pq.common, "sntrup761x25519-sha512@openssh.com");
	free(f);
	/* both offer one, not the same one: an upgrade problem */
	f = terrapin("mlkem768x25519-sha256,curve25519-sha256",
	    "sntrup761x25519-sha512,curve25519-sha256", "aes128-ctr", "hmac-sha2-256");
	assert_int_equal(f->a.pq.verdict, KX_PQ_UPGRADE);
	assert_true(f->a.pq.client_has && f->a.pq.server_has);
	free(f);
	f = terrapin("curve25519-sha256", "sntrup761x25519-sha512,curve25519-sha256",
	    "aes128-ctr", "hmac-sha2-256");
	assert_int_equal(f->a.pq.verdict, KX_PQ_UPGRADE);
	assert_false(f->a.pq.client_has);
	assert_non_null(strstr(f->a.pq.reason, "the client offers none"));
	free(f);
	/* no KEXINIT from the server: nothing to say */
	f = make(NULL, NULL, ossh_cli, NULL);
	assert_int_equal(f->a.pq.verdict, KX_PQ_UNKNOWN);
	assert_false(f->a.terrapin.known);
	assert_false(f->a.have_hassh[KX_SERVER]);
	assert_true(f->a.have_hassh[KX_CLIENT]);
	assert_int_equal(f->a.nadvice, 0);
	free(f);
}

/* ------------------------------------------------------------ advice */

static const char *const ossh_srv_cipher[KX_PROP_MAX] = {
	"curve25519-sha256,kex-strict-s-v00@openssh.com", "ssh-ed25519",
	"aes256-gcm@openssh.com", "aes256-gcm@openssh.com",
	"hmac-sha2-256", "hmac-sha2-256", "none", "none", "", "",
};

/* The recorded cipher mismatch: sshd 9.2 with Ciphers
 * aes256-gcm@openssh.com, ssh -oCiphers=aes128-ctr. */
static void
test_cipher_advice_lines(void **state)
{
	static const char *const cli[KX_PROP_MAX] = {
		"curve25519-sha256,ext-info-c,kex-strict-c-v00@openssh.com", "ssh-ed25519",
		"aes128-ctr", "aes128-ctr", "hmac-sha2-256", "hmac-sha2-256",
		"none", "none", "", "",
	};
	struct fake *f = make("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10",
	    "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10", cli, ossh_srv_cipher);
	const struct kx_advice *ad = &f->a.advice[0];
	char buf[512];

	(void)state;
	assert_int_equal(f->a.nadvice, 1);   /* both directions, one directive */
	assert_int_equal(ad->cat, KX_AC_CIPHER);
	assert_string_equal(line(&ad->server_fix, KX_LINE_CONFIG), "Ciphers +aes128-ctr");
	assert_string_equal(line(&ad->server_fix, KX_LINE_FULL),
	    "Ciphers aes256-gcm@openssh.com,aes128-ctr");
	assert_null(line(&ad->server_fix, KX_LINE_OPTION));
	assert_string_equal(line(&ad->client_fix, KX_LINE_OPTION),
	    "-oCiphers=+aes256-gcm@openssh.com");
	assert_string_equal(line(&ad->client_fix, KX_LINE_CONFIG),
	    "Ciphers +aes256-gcm@openssh.com");
	assert_int_equal(ad->preferred, KX_SERVER);   /* equal ratings */
	/* sshd fails on c2s first, ssh on s2c first: same lists here */
	assert_int_equal(f->a.would_log.server_cat, KX_CAT_CIPHER_C2S);
	assert_int_equal(f->a.would_log.client_cat, KX_CAT_CIPHER_S2C);
	kx_would_log_line(&f->c, &f->a, KX_SERVER, "192.0.2.10", buf, sizeof(buf));
	assert_string_equal(buf, "Unable to negotiate with 192.0.2.10 port 51514: "
	    "no matching cipher found. Their offer: aes128-ctr [preauth]");
	free(f);
}

/* The full line drops the kex markers sshd adds by itself. */
static void
test_full_line_drops_markers(void **state)
{
	static const char *const cli[KX_PROP_MAX] = {
		"diffie-hellman-group14-sha256,ext-info-c,kex-strict-c-v00@openssh.com",
		"ssh-ed25519", "aes128-ctr", "aes128-ctr", "hmac-sha2-256",
		"hmac-sha2-256", "none", "none", "", "",
	};
	struct fake *f = make("SSH-2.0-OpenSSH_9.2p1", "SSH-2.0-OpenSSH_9.2p1",
	    cli, ossh_srv_cipher);
	const struct kx_advice *ad = &f->a.advice[0];

	(void)state;
	assert_int_equal(ad->cat, KX_AC_KEX);
	assert_string_equal(line(&ad->server_fix, KX_LINE_CONFIG),
	    "KexAlgorithms +diffie-hellman-group14-sha256");
	assert_string_equal(line(&ad->server_fix, KX_LINE_FULL),
	    "KexAlgorithms curve25519-sha256,diffie-hellman-group14-sha256");
	assert_string_equal(line(&ad->client_fix, KX_LINE_FULL),
	    "KexAlgorithms diffie-hellman-group14-sha256,curve25519-sha256");
	free(f);
}

/* The recorded host key mismatch: the server has only an ed25519 key, the
 * client wants ecdsa-sha2-nistp256: a key must be made on the server. */
static void
test_hostkey_advice(void **state)
{
	static const char *const cli[KX_PROP_MAX] = {
		"curve25519-sha256", "ecdsa-sha2-nistp256", "aes128-ctr", "aes128-ctr",
		"hmac-sha2-256", "hmac-sha2-256", "none", "none", "", "",
	};
	static const char *const srv[KX_PROP_MAX] = {
		"curve25519-sha256", "rsa-sha2-512,rsa-sha2-256,ssh-ed25519",
		"aes128-ctr", "aes128-ctr", "hmac-sha2-256", "hmac-sha2-256",
		"none", "none", "", "",
	};
	static const char *const cli_rsa[KX_PROP_MAX] = {
		"curve25519-sha256", "ssh-rsa", "aes128-ctr", "aes128-ctr",
		"hmac-sha2-256", "hmac-sha2-256", "none", "none", "", "",
	};
	struct fake *f = make("SSH-2.0-OpenSSH_9.2p1", "SSH-2.0-OpenSSH_9.2p1", cli, srv);
	const struct kx_fix *s = &f->a.advice[0].server_fix;

	(void)state;
	assert_int_equal(f->a.advice[0].cat, KX_AC_HOSTKEY);
	assert_name(&s->alg, "ecdsa-sha2-nistp256");
	assert_true(s->need_hostkey_file);
	assert_false(s->need_hostkey_alg);
	assert_string_equal(line(s, KX_LINE_HOSTKEY), "HostKey /etc/ssh/ssh_host_ecdsa_key");
	assert_string_equal(line(s, KX_LINE_COMMAND),
	    "ssh-keygen -t ecdsa -f /etc/ssh/ssh_host_ecdsa_key -N ''");
	assert_null(line(s, KX_LINE_CONFIG));
	/* one client option beats a new host key at the same rating */
	assert_int_equal(f->a.advice[0].preferred, KX_CLIENT);
	free(f);

	/* ssh-rsa: the server has an RSA key (it offers rsa-sha2-*) but
	 * 8.8 and later have ssh-rsa off by default */
	f = make("SSH-2.0-OpenSSH_9.2p1", "SSH-2.0-OpenSSH_9.2p1", cli_rsa, srv);
	s = &f->a.advice[0].server_fix;
	assert_name(&s->alg, "ssh-rsa");
	assert_false(s->need_hostkey_file);
	assert_true(s->need_hostkey_alg);
	assert_string_equal(line(s, KX_LINE_CONFIG), "HostKeyAlgorithms +ssh-rsa");
	assert_null(line(s, KX_LINE_HOSTKEY));
	assert_int_equal(s->row->rating, KX_RATE_WARN);
	/* the client adding an rsa-sha2 name is better rated */
	assert_int_equal(f->a.advice[0].preferred, KX_CLIENT);
	free(f);
}

/* Every fix that works is rated fail: upgrading is the real fix. An old
 * OpenSSH client (6.0) that offers only diffie-hellman-group1-sha1 cannot
 * add curve25519 (6.5); the server could add group1 (fail). */
static void
test_upgrade_when_only_fail(void **state)
{
	static const char *const cli[KX_PROP_MAX] = {
		"diffie-hellman-group1-sha1", "ssh-ed25519", "aes128-ctr", "aes128-ctr",
		"hmac-sha2-256", "hmac-sha2-256", "none", "none", "", "",
	};
	static const char *const srv[KX_PROP_MAX] = {
		"curve25519-sha256", "ssh-ed25519", "aes128-ctr", "aes128-ctr",
		"hmac-sha2-256", "hmac-sha2-256", "none", "none", "", "",
	};
	struct fake *f = make("SSH-2.0-OpenSSH_6.0", "SSH-2.0-OpenSSH_9.2p1", cli, srv);
	const struct kx_advice *ad = &f->a.advice[0];

	(void)state;
	assert_int_equal(ad->client_fix.action, KX_FIX_UPGRADE);
	assert_int_equal(ad->server_fix.action, KX_FIX_CONFIGURE);
	assert_int_equal(ad->server_fix.row->rating, KX_RATE_FAIL);
	assert_int_equal(ad->preferred, KX_SERVER);
	assert_int_equal(ad->upgrade_side, KX_CLIENT);
	free(f);

	/* A client offering only arcfour: an OpenSSH 9.2 server cannot add
	 * it back (removed in 7.6), the client can add aes128-ctr. */
	{
		static const char *const c2[KX_PROP_MAX] = {
			"curve25519-sha256", "ssh-ed25519", "arcfour", "arcfour",
			"hmac-sha2-256", "hmac-sha2-256", "none", "none", "", "",
		};

		f = make("SSH-2.0-OpenSSH_9.2p1", "SSH-2.0-OpenSSH_9.2p1", c2, srv);
		ad = &f->a.advice[0];
		assert_int_equal(ad->cat, KX_AC_CIPHER);
		assert_int_equal(ad->server_fix.action, KX_FIX_UPGRADE);
		assert_int_equal(ad->client_fix.action, KX_FIX_CONFIGURE);
		assert_int_equal(ad->preferred, KX_CLIENT);
		assert_int_equal(ad->upgrade_side, -1);
		free(f);
	}
}

/* Names kexray does not know are never proposed, and rated unknown. */
static void
test_unknown_never_proposed(void **state)
{
	static const char *const cli[KX_PROP_MAX] = {
		"curve25519-sha256", "ssh-ed25519", "frobnicate-cbc@example.com,aes128-ctr",
		"frobnicate-cbc@example.com,aes128-ctr", "hmac-sha2-256", "hmac-sha2-256",
		"none", "none", "", "",
	};
	static const char *const srv[KX_PROP_MAX] = {
		"curve25519-sha256", "ssh-ed25519", "frobnicate-cbc@example.com",
		"frobnicate-cbc@example.com", "hmac-sha2-256", "hmac-sha2-256",
		"none", "none", "", "",
	};
	static const char *const srv2[KX_PROP_MAX] = {
		"curve25519-sha256", "ssh-ed25519", "twelve-ctr@example.com",
		"twelve-ctr@example.com", "hmac-sha2-256", "hmac-sha2-256",
		"none", "none", "", "",
	};
	struct fake *f;

	(void)state;
	/* negotiated: rated unknown (no row) */
	f = make(NULL, NULL, cli, srv);
	assert_int_equal(f->n.res[KX_CAT_CIPHER_C2S], KX_NEGO_AGREED);
	assert_null(f->a.rating[KX_CAT_CIPHER_C2S]);
	free(f);
	/* mismatch: the server may add aes128-ctr; the client nothing known */
	f = make(NULL, NULL, cli, srv2);
	assert_name(&f->a.advice[0].server_fix.alg, "aes128-ctr");
	assert_int_equal(f->a.advice[0].client_fix.action, KX_FIX_NONE);
	free(f);
}

/* A weak list past KX_WEAK_MAX is counted, not all kept. Only table rows
 * are weak, and only GSS-API names (a prefix and any mechanism) can be
 * more than the table has: a hostile KEXINIT with many. */
static void
test_weak_cap(void **state)
{
	static char kex[100 * 40];
	const char *cli[KX_PROP_MAX];
	size_t off = 0;
	struct fake *f;

	(void)state;
	for (int i = 0; i < 100; i++)
		off += (size_t)sprintf(kex + off, "%sgss-group1-sha1-mech%d", i ? "," : "", i);
	for (int i = 0; i < KX_PROP_MAX; i++)
		cli[i] = ossh_cli[i];
	cli[KX_PROP_KEX] = kex;
	f = make(NULL, NULL, cli, ossh_cli);
	assert_int_equal(f->a.weak[KX_CLIENT].n, KX_WEAK_MAX);
	/* 100 GSS names, hmac-sha1-etm and hmac-sha1 */
	assert_int_equal(f->a.weak[KX_CLIENT].total, 102);
	free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed_advice),
		cmocka_unit_test(test_seed_would_log),
		cmocka_unit_test(test_seed_ratings_and_weak),
		cmocka_unit_test(test_hassh_matches_tshark),
		cmocka_unit_test(test_hassh_empty_and_directions),
		cmocka_unit_test(test_terrapin),
		cmocka_unit_test(test_pq),
		cmocka_unit_test(test_cipher_advice_lines),
		cmocka_unit_test(test_full_line_drops_markers),
		cmocka_unit_test(test_hostkey_advice),
		cmocka_unit_test(test_upgrade_when_only_fail),
		cmocka_unit_test(test_unknown_never_proposed),
		cmocka_unit_test(test_weak_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
