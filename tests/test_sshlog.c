/* The sshd log reader: both proposal formats (OpenSSH 5/6 unlabelled,
 * OpenSSH 7+ labelled), server and client logs, the prefixes of syslog,
 * journald, RFC 5424 and bare sshd -d, wrapped lists, interleaved PIDs,
 * the cross-check against the log's own "kex:" lines, and hostile logs:
 * binary garbage, 1 MB lines, a block cut off in the middle, 10,000
 * interleaved PIDs, with the caps of limits.h holding.
 *
 * argv[1]: the tests/logs directory (the OpenSSH 5.3 seed log). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "kexray/analyze/analyze.h"
#include "kexray/report/report.h"
#include "kexray/input/sshlog.h"
#include "kx_test.h"

static const char *logs_dir;

#define REC_MAX 8
#define TEXT_MAX 256

/* What a reported connection looked like, copied in the callback (the
 * connection is freed after it). */
struct rec {
	enum kx_verdict_kind verdict;
	uint32_t mismatch;
	enum kx_nego_res res[KX_CAT_MAX];
	char alg[KX_CAT_MAX][64];
	char banner[2][TEXT_MAX];
	char prebanner[2][TEXT_MAX];   /* first line before the banner */
	bool have_kexinit[2];
	char list[2][KX_PROP_MAX][TEXT_MAX];
	uint32_t count[2][KX_PROP_MAX];
	bool newkeys[2];
	kx_anomset anoms;
	enum kx_close close;
	enum kx_cause cause;           /* close.h */
	bool no_tcp_facts;
	uint64_t pkts[2];
	int8_t closed_by;
	struct kx_step after;
	bool midstream, evicted;
	uint8_t source;
	struct kx_endpoint ep[2];
	bool have_ep[2];
	uint8_t ipver;
	struct kx_logconn log;
	uint64_t ts_first;
	bool have_disconnect;
	uint32_t disc_reason;
	char json[16384];
};

struct seen {
	int n;
	struct rec r[REC_MAX];
	/* for the big tests: every PID reported, once */
	uint8_t *pid_seen;
	uint32_t pid_max;
	uint64_t dup_pids, evicted;
	struct kx_sshlog *l;
	uint32_t open_max;
};

static void
copy_text(char *dst, const uint8_t *p, size_t n)
{
	if (n >= TEXT_MAX)
		n = TEXT_MAX - 1;
	if (n > 0)
		memcpy(dst, p, n);
	dst[n] = '\0';
}

static void
on_done(struct kx_conn *c, void *arg)
{
	struct seen *s = arg;
	struct kx_verdict v;
	struct rec *r;
	int i = s->n++;

	if (s->l != NULL && kx_sshlog_open(s->l) > s->open_max)
		s->open_max = kx_sshlog_open(s->l);
	if (s->pid_seen != NULL && kx_conn_log(c) != NULL &&
	    kx_conn_log(c)->pid < s->pid_max) {
		if (s->pid_seen[kx_conn_log(c)->pid]++)
			s->dup_pids++;
	}
	if (c->evicted)
		s->evicted++;
	if (i >= REC_MAX)
		return;
	r = &s->r[i];
	kx_analyze(c, &v);
	r->verdict = v.kind;
	r->mismatch = v.nego.mismatch_mask;
	r->anoms = v.anomalies;
	for (int cat = 0; cat < KX_CAT_MAX; cat++) {
		r->res[cat] = v.nego.res[cat];
		if (v.nego.res[cat] == KX_NEGO_AGREED)
			copy_text(r->alg[cat], v.nego.alg[cat].p, v.nego.alg[cat].len < 63 ?
			    v.nego.alg[cat].len : 63);
	}
	for (int side = 0; side < 2; side++) {
		const struct kx_ssh_side *ss = kx_conn_ssh(c, side);

		if (ss->have_banner)
			copy_text(r->banner[side], ss->banner, ss->banner_len);
		if (ss->prebanner_lines > 0)
			copy_text(r->prebanner[side],
			    (const uint8_t *)ss->prebanner_first,
			    ss->prebanner_first_len);
		r->newkeys[side] = ss->newkeys;
		r->have_kexinit[side] = ss->kexinit != NULL;
		for (int p = 0; ss->kexinit != NULL && p < KX_PROP_MAX; p++) {
			copy_text(r->list[side][p], ss->kexinit->list[p].p,
			    ss->kexinit->list[p].len);
			r->count[side][p] = ss->kexinit->list[p].count;
		}
		r->ep[side] = c->ep[side];
	}
	r->have_disconnect = kx_conn_ssh(c, KX_CLIENT)->have_disconnect;
	r->disc_reason = kx_conn_ssh(c, KX_CLIENT)->disc_reason;
	r->close = c->close;
	r->cause = v.close.cause;
	r->no_tcp_facts = c->no_tcp_facts;
	r->pkts[0] = c->half[0].pkts;
	r->pkts[1] = c->half[1].pkts;
	r->closed_by = c->closed_by;
	r->after = c->close_after;
	r->midstream = c->midstream;
	r->evicted = c->evicted;
	r->source = c->source;
	r->ipver = c->ip_version;
	r->ts_first = c->ts_first;
	if (kx_conn_log(c) != NULL) {
		r->log = *kx_conn_log(c);
		r->have_ep[0] = kx_conn_log(c)->have_ep[0];
		r->have_ep[1] = kx_conn_log(c)->have_ep[1];
	}
	{
		FILE *f = fmemopen(r->json, sizeof(r->json) - 1, "w");

		assert_non_null(f);
		kx_report_json(f, c, &v);
		fclose(f);
	}
}

static struct kx_sshlog *
reader(struct seen *s)
{
	struct kx_sshlog *l;

	memset(s, 0, sizeof(*s));
	l = kx_sshlog_new(on_done, s);
	assert_non_null(l);
	s->l = l;
	return l;
}

/* Feeds text in pieces of every size from 1 to 7 bytes, so no line is
 * ever whole in one call. */
static void
feed_split(struct kx_sshlog *l, const char *text)
{
	size_t n = strlen(text), off = 0, step = 1;

	while (off < n) {
		size_t k = n - off < step ? n - off : step;

		kx_sshlog_feed(l, (const uint8_t *)text + off, k);
		off += k;
		step = step % 7 + 1;
	}
}

static void
run_log(struct seen *s, const char *text)
{
	struct kx_sshlog *l = reader(s);

	feed_split(l, text);
	kx_sshlog_finish(l);
	s->l = NULL;
	kx_sshlog_free(l);
}

#define ANOM(a) KX_ANOM_BIT(KX_ANOM_##a)

/* ------------------------------------------------------------ the seed */

/* The seed case in OpenSSH 5.3's format: syslog prefixes, two
 * unlabelled kex_parse_kexinit blocks (the hardened server's own first,
 * then libssh2's), the network child's lines under its own PID, lines
 * hard-wrapped at 80 columns. */
static void
test_seed_openssh53(void **state)
{
	char path[1024];
	struct seen s;
	struct kx_sshlog *l = reader(&s);
	struct rec *r = &s.r[0];

	(void)state;
	assert_non_null(logs_dir);
	snprintf(path, sizeof(path), "%s/seed_openssh53_libssh2.sshd.log", logs_dir);
	assert_int_equal(kx_sshlog_read_file(l, path), KX_OK);
	kx_sshlog_finish(l);
	kx_sshlog_free(l);

	assert_int_equal(s.n, 1);
	assert_string_equal(r->banner[KX_CLIENT], "SSH-2.0-libssh2_1.7.0_DEV");
	assert_string_equal(r->banner[KX_SERVER], "SSH-2.0-OpenSSH_5.3");
	assert_true(r->have_kexinit[KX_CLIENT] && r->have_kexinit[KX_SERVER]);
	/* the wrapped lists came back whole */
	assert_string_equal(r->list[KX_SERVER][KX_PROP_KEX],
	    "ecdh-sha2-nistp521,ecdh-sha2-nistp384,ecdh-sha2-nistp256,"
	    "diffie-hellman-group-exchange-sha256");
	assert_string_equal(r->list[KX_CLIENT][KX_PROP_ENC_C2S],
	    "aes128-ctr,aes192-ctr,aes256-ctr,aes256-cbc,rijndael-cbc@lysator.liu.se,"
	    "aes192-cbc,aes128-cbc,blowfish-cbc,arcfour128,arcfour,cast128-cbc,3des-cbc");
	assert_int_equal(r->count[KX_CLIENT][KX_PROP_MAC_S2C], 6);
	assert_int_equal(r->count[KX_CLIENT][KX_PROP_LANG_C2S], 0);
	/* the verdict the capture of the same handshake gives */
	assert_int_equal(r->verdict, KX_V_MISMATCH);
	assert_int_equal(r->mismatch, 1u << KX_CAT_KEX);
	assert_string_equal(r->alg[KX_CAT_HOSTKEY], "ssh-rsa");
	assert_string_equal(r->alg[KX_CAT_CIPHER_C2S], "aes128-ctr");
	assert_string_equal(r->alg[KX_CAT_CIPHER_S2C], "aes128-ctr");
	assert_string_equal(r->alg[KX_CAT_MAC_C2S], "hmac-ripemd160");
	assert_string_equal(r->alg[KX_CAT_MAC_S2C], "hmac-ripemd160");
	assert_string_equal(r->alg[KX_CAT_COMP_C2S], "none");
	/* sshd gave up ("fatal: Unable to negotiate a key exchange method")
	 * after the client's KEXINIT */
	assert_int_equal(r->close, KX_CLOSE_FIN);
	assert_int_equal(r->closed_by, KX_SERVER);
	assert_int_equal(r->after.side, KX_CLIENT);
	assert_int_equal(r->after.what, KX_MSG_KEXINIT);
	assert_string_equal(r->log.outcome, "Unable to negotiate a key exchange method");
	/* endpoints from "Connection from 192.0.2.10 port 51514"; OpenSSH 5.3
	 * does not log its own address */
	assert_true(r->have_ep[KX_CLIENT]);
	assert_false(r->have_ep[KX_SERVER]);
	assert_int_equal(r->ep[KX_CLIENT].port, 51514);
	assert_memory_equal(r->ep[KX_CLIENT].addr, "\xc0\x00\x02\x0a", 4);
	assert_int_equal(r->log.pid, 4243);
	assert_int_equal(r->log.writer, KX_SERVER);
	assert_int_equal(r->source, KX_SOURCE_SSHD_LOG);
	/* its "kex: client->server aes128-ctr hmac-ripemd160 none" agrees */
	assert_false(r->anoms & (ANOM(LOG_NEGOTIATION_DISAGREES) |
	    ANOM(LOG_BLOCK_INCOMPLETE) | ANOM(LOG_LINE_LIMIT)));
	assert_false(r->midstream);
}

/* --------------------------------------------- OpenSSH 9, server and client */

/* sshd -D -e at DEBUG3: no prefix, no PID, CR LF, " [preauth]". */
static const char server9[] =
"debug1: Forked child 5301.\r\n"
"Connection from 127.0.0.1 port 47290 on 127.0.0.1 port 22 rdomain \"\"\r\n"
"debug1: Local version string SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n"
"debug1: Remote protocol version 2.0, remote software version OpenSSH_9.6\r\n"
"debug3: send packet: type 20 [preauth]\r\n"
"debug1: SSH2_MSG_KEXINIT sent [preauth]\r\n"
"debug3: receive packet: type 20 [preauth]\r\n"
"debug1: SSH2_MSG_KEXINIT received [preauth]\r\n"
"debug2: local server KEXINIT proposal [preauth]\r\n"
"debug2: KEX algorithms: curve25519-sha256,kex-strict-s-v00@openssh.com [preauth]\r\n"
"debug2: host key algorithms: ssh-ed25519,rsa-sha2-512 [preauth]\r\n"
"debug2: ciphers ctos: chacha20-poly1305@openssh.com,aes128-ctr [preauth]\r\n"
"debug2: ciphers stoc: chacha20-poly1305@openssh.com,aes128-ctr [preauth]\r\n"
"debug2: MACs ctos: hmac-sha2-256 [preauth]\r\n"
"debug2: MACs stoc: hmac-sha2-256 [preauth]\r\n"
"debug2: compression ctos: none,zlib@openssh.com [preauth]\r\n"
"debug2: compression stoc: none,zlib@openssh.com [preauth]\r\n"
"debug2: languages ctos:  [preauth]\r\n"
"debug2: languages stoc:  [preauth]\r\n"
"debug2: first_kex_follows 0  [preauth]\r\n"
"debug2: reserved 0  [preauth]\r\n"
"debug2: peer client KEXINIT proposal [preauth]\r\n"
"debug2: KEX algorithms: sntrup761x25519-sha512@openssh.com,curve25519-sha256,ext-info-c [preauth]\r\n"
"debug2: host key algorithms: ssh-ed25519 [preauth]\r\n"
"debug2: ciphers ctos: chacha20-poly1305@openssh.com [preauth]\r\n"
"debug2: ciphers stoc: chacha20-poly1305@openssh.com [preauth]\r\n"
"debug2: MACs ctos: hmac-sha2-256 [preauth]\r\n"
"debug2: MACs stoc: hmac-sha2-256 [preauth]\r\n"
"debug2: compression ctos: none [preauth]\r\n"
"debug2: compression stoc: none [preauth]\r\n"
"debug2: languages ctos:  [preauth]\r\n"
"debug2: languages stoc:  [preauth]\r\n"
"debug2: first_kex_follows 0  [preauth]\r\n"
"debug2: reserved 0  [preauth]\r\n"
"debug1: kex: algorithm: curve25519-sha256 [preauth]\r\n"
"debug1: kex: host key algorithm: ssh-ed25519 [preauth]\r\n"
"debug1: kex: client->server cipher: chacha20-poly1305@openssh.com MAC: <implicit> compression: none [preauth]\r\n"
"debug1: kex: server->client cipher: chacha20-poly1305@openssh.com MAC: <implicit> compression: none [preauth]\r\n"
"debug3: receive packet: type 30 [preauth]\r\n"
"debug3: send packet: type 31 [preauth]\r\n"
"debug3: send packet: type 21 [preauth]\r\n"
"debug1: SSH2_MSG_NEWKEYS sent [preauth]\r\n"
"debug3: receive packet: type 21 [preauth]\r\n"
"debug1: SSH2_MSG_NEWKEYS received [preauth]\r\n"
"Accepted publickey for root from 127.0.0.1 port 47290 ssh2: ED25519 SHA256:x\r\n"
"debug3: receive packet: type 1\r\n"
"Received disconnect from 127.0.0.1 port 47290:11: disconnected by user\r\n"
"Disconnected from user root 127.0.0.1 port 47290\r\n"
"Received signal 15; terminating.\r\n";

static void
test_openssh9_server(void **state)
{
	struct seen s;
	struct rec *r = &s.r[0];

	(void)state;
	run_log(&s, server9);
	assert_int_equal(s.n, 1);
	assert_int_equal(r->verdict, KX_V_OK);
	assert_true(r->newkeys[KX_CLIENT] && r->newkeys[KX_SERVER]);
	assert_string_equal(r->banner[KX_CLIENT], "SSH-2.0-OpenSSH_9.6");
	assert_string_equal(r->banner[KX_SERVER],
	    "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10");
	assert_string_equal(r->list[KX_SERVER][KX_PROP_KEX],
	    "curve25519-sha256,kex-strict-s-v00@openssh.com");
	assert_string_equal(r->list[KX_CLIENT][KX_PROP_COMP_C2S], "none");
	assert_int_equal(r->count[KX_SERVER][KX_PROP_LANG_S2C], 0);
	assert_string_equal(r->alg[KX_CAT_KEX], "curve25519-sha256");
	assert_int_equal(r->res[KX_CAT_MAC_C2S], KX_NEGO_IMPLICIT);
	assert_int_equal(r->anoms, 0);   /* the log's own choices agree */
	/* the client's DISCONNECT came after its NEWKEYS: not cleartext */
	assert_false(r->have_disconnect);
	assert_int_equal(r->close, KX_CLOSE_FIN);
	assert_int_equal(r->closed_by, KX_CLIENT);
	assert_int_equal(r->after.what, KX_STEP_ENCRYPTED);
	assert_int_equal(r->log.pid, 0);
	assert_int_equal(r->log.first_line, 2);
	assert_int_equal(r->log.last_line, 47);
	assert_true(r->have_ep[KX_CLIENT] && r->have_ep[KX_SERVER]);
	assert_int_equal(r->ep[KX_CLIENT].port, 47290);
	assert_int_equal(r->ep[KX_SERVER].port, 22);
	/* the record says where it comes from and what a log cannot tell */
	assert_non_null(strstr(r->json, "\"source\":\"sshd-log\""));
	assert_non_null(strstr(r->json, "\"packets\":null"));
	assert_non_null(strstr(r->json, "\"reset_forensics\""));
	assert_non_null(strstr(r->json, "\"verdict\":\"OK\""));
}

/* ssh -vvv: "local client" first; the server's address from "Connecting
 * to", its own port unknown. */
static const char client9[] =
"OpenSSH_9.2p1 Debian-2+deb12u10, OpenSSL 3.0.19 27 Jan 2026\r\n"
"debug1: Connecting to 2001:db8::7 [2001:db8::7] port 2222.\r\n"
"debug1: Connection established.\r\n"
"debug1: Local version string SSH-2.0-OpenSSH_9.2p1\r\n"
"debug1: Remote protocol version 2.0, remote software version dropbear_2022.83\r\n"
"debug1: SSH2_MSG_KEXINIT sent\r\n"
"debug1: SSH2_MSG_KEXINIT received\r\n"
"debug2: local client KEXINIT proposal\r\n"
"debug2: KEX algorithms: diffie-hellman-group14-sha256,ext-info-c\r\n"
"debug2: host key algorithms: ssh-ed25519\r\n"
"debug2: ciphers ctos: aes128-ctr\r\n"
"debug2: ciphers stoc: aes128-ctr\r\n"
"debug2: MACs ctos: hmac-sha2-256\r\n"
"debug2: MACs stoc: hmac-sha2-256\r\n"
"debug2: compression ctos: none\r\n"
"debug2: compression stoc: none\r\n"
"debug2: languages ctos: \r\n"
"debug2: languages stoc: \r\n"
"debug2: first_kex_follows 0 \r\n"
"debug2: reserved 0 \r\n"
"debug2: peer server KEXINIT proposal\r\n"
"debug2: KEX algorithms: curve25519-sha256\r\n"
"debug2: host key algorithms: ssh-ed25519\r\n"
"debug2: ciphers ctos: aes128-ctr\r\n"
"debug2: ciphers stoc: aes128-ctr\r\n"
"debug2: MACs ctos: hmac-sha2-256\r\n"
"debug2: MACs stoc: hmac-sha2-256\r\n"
"debug2: compression ctos: none\r\n"
"debug2: compression stoc: none\r\n"
"debug2: languages ctos: \r\n"
"debug2: languages stoc: \r\n"
"debug2: first_kex_follows 0 \r\n"
"debug2: reserved 0 \r\n"
"debug1: kex: algorithm: (no match)\r\n"
"Unable to negotiate with 2001:db8::7 port 2222: no matching key exchange method found. Their offer: curve25519-sha256\r\n";

static void
test_openssh9_client(void **state)
{
	struct seen s;
	struct rec *r = &s.r[0];

	(void)state;
	run_log(&s, client9);
	assert_int_equal(s.n, 1);
	assert_int_equal(r->source, KX_SOURCE_SSH_LOG);
	assert_int_equal(r->log.writer, KX_CLIENT);
	assert_string_equal(r->banner[KX_CLIENT], "SSH-2.0-OpenSSH_9.2p1");
	assert_string_equal(r->banner[KX_SERVER], "SSH-2.0-dropbear_2022.83");
	assert_string_equal(r->list[KX_CLIENT][KX_PROP_KEX],
	    "diffie-hellman-group14-sha256,ext-info-c");
	assert_string_equal(r->list[KX_SERVER][KX_PROP_KEX], "curve25519-sha256");
	assert_int_equal(r->verdict, KX_V_MISMATCH);
	assert_int_equal(r->mismatch, 1u << KX_CAT_KEX);
	assert_int_equal(r->closed_by, KX_CLIENT);   /* ssh gave up */
	assert_int_equal(r->after.side, KX_SERVER);
	assert_int_equal(r->after.what, KX_MSG_KEXINIT);
	assert_false(r->have_ep[KX_CLIENT]);
	assert_true(r->have_ep[KX_SERVER]);
	assert_int_equal(r->ipver, 6);
	assert_int_equal(r->ep[KX_SERVER].port, 2222);
	assert_int_equal(r->anoms & ANOM(LOG_NEGOTIATION_DISAGREES), 0);
	assert_non_null(strstr(r->json, "\"id.orig_h\":null"));
	assert_non_null(strstr(r->json, "\"source\":\"ssh-log\""));
}

/* ------------------------------------------------------------- prefixes */

/* One minimal connection (OpenSSH 7+ format) under a given prefix. */
static char *
with_prefix(const char *prefix)
{
	static const char *const body[] = {
		"Connection from 198.51.100.9 port 40000 on 203.0.113.1 port 22",
		"debug1: Remote protocol version 2.0, remote software version PuTTY_Release_0.78",
		"debug1: Local version string SSH-2.0-OpenSSH_8.9",
		"debug2: local server KEXINIT proposal [preauth]",
		"debug2: KEX algorithms: curve25519-sha256 [preauth]",
		"debug2: host key algorithms: ssh-ed25519 [preauth]",
		"debug2: ciphers ctos: aes256-ctr [preauth]",
		"debug2: ciphers stoc: aes256-ctr [preauth]",
		"debug2: MACs ctos: hmac-sha2-256 [preauth]",
		"debug2: MACs stoc: hmac-sha2-256 [preauth]",
		"debug2: compression ctos: none [preauth]",
		"debug2: compression stoc: none [preauth]",
		"debug2: languages ctos:  [preauth]",
		"debug2: languages stoc:  [preauth]",
		"debug2: first_kex_follows 0  [preauth]",
		"debug2: reserved 0  [preauth]",
		"debug2: peer client KEXINIT proposal [preauth]",
		"debug2: KEX algorithms: curve25519-sha256,ecdh-sha2-nistp256 [preauth]",
		"debug2: host key algorithms: ssh-ed25519 [preauth]",
		"debug2: ciphers ctos: aes256-ctr [preauth]",
		"debug2: ciphers stoc: aes256-ctr [preauth]",
		"debug2: MACs ctos: hmac-sha2-256 [preauth]",
		"debug2: MACs stoc: hmac-sha2-256 [preauth]",
		"debug2: compression ctos: none [preauth]",
		"debug2: compression stoc: none [preauth]",
		"debug2: languages ctos:  [preauth]",
		"debug2: languages stoc:  [preauth]",
		"debug2: first_kex_follows 0  [preauth]",
		"debug2: reserved 0  [preauth]",
		"debug1: SSH2_MSG_NEWKEYS sent [preauth]",
		"debug1: SSH2_MSG_NEWKEYS received [preauth]",
		"Connection reset by 198.51.100.9 port 40000 [preauth]",
	};
	size_t cap = 8192, len = 0;
	char *out = malloc(cap);

	assert_non_null(out);
	for (size_t i = 0; i < sizeof(body) / sizeof(body[0]); i++) {
		int n = snprintf(out + len, cap - len, "%s%s\n", prefix, body[i]);

		assert_true(n > 0 && (size_t)n < cap - len);
		len += (size_t)n;
	}
	return out;
}

static void
test_prefixes(void **state)
{
	static const struct {
		const char *prefix;
		uint32_t pid;
		uint64_t ts;       /* 0: no wall clock in the prefix; 1: one
		                    * without a year, not compared */
	} tab[] = {
		/* journalctl -u ssh -o cat, sshd -d */
		{ "", 0, 0 },
		/* journalctl -o short-iso */
		{ "2023-11-14T22:13:20+0000 host sshd[42]: ", 42, 1700000000000000ull },
		/* journalctl -o short-iso-precise, with a zone east of UTC */
		{ "2023-11-14T23:13:20.250000+01:00 host sshd[42]: ", 42, 1700000000250000ull },
		/* rsyslog RFC 3339 template, UTC */
		{ "2023-11-14T22:13:20.5Z host sshd-session[42]: ", 42, 1700000000500000ull },
		/* RFC 5424 */
		{ "<38>1 2023-11-14T22:13:20.123456Z host sshd 42 - - ", 42, 1700000000123456ull },
		/* RFC 5424 with structured data */
		{ "<38>1 2023-11-14T22:13:20Z host sshd 42 ID47 [x@32473 a=\"b\"] ", 42, 1700000000000000ull },
		/* journalctl -o short-monotonic */
		{ "[ 1234.567890] host sshd[42]: ", 42, 0 },
		/* a program prefix alone */
		{ "sshd[42]: ", 42, 0 },
		/* RFC 3164 as sent, with its PRI; journalctl -o short-precise */
		{ "<38>Nov 14 22:13:20 host sshd[42]: ", 42, 1 },
		{ "Nov 14 22:13:20.000123 host sshd-session[42]: ", 42, 1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		struct seen s;
		struct rec *r = &s.r[0];
		char *text = with_prefix(tab[i].prefix);

		run_log(&s, text);
		free(text);
		assert_int_equal(s.n, 1);
		assert_true(r->have_kexinit[KX_CLIENT] && r->have_kexinit[KX_SERVER]);
		assert_string_equal(r->list[KX_CLIENT][KX_PROP_KEX],
		    "curve25519-sha256,ecdh-sha2-nistp256");
		assert_string_equal(r->banner[KX_CLIENT], "SSH-2.0-PuTTY_Release_0.78");
		assert_int_equal(r->verdict, KX_V_OK);
		assert_int_equal(r->close, KX_CLOSE_RST);
		assert_int_equal(r->closed_by, KX_CLIENT);
		assert_int_equal(r->log.pid, tab[i].pid);
		assert_int_equal(r->log.have_ts, tab[i].ts != 0);
		if (tab[i].ts > 1)
			assert_int_equal(r->ts_first, tab[i].ts);
		else if (tab[i].ts == 1)
			assert_int_equal(r->ts_first % 86400000000ull,
			    (22 * 3600 + 13 * 60 + 20) * 1000000ull +
			    (strstr(tab[i].prefix, ".000123") != NULL ? 123 : 0));
		assert_int_equal(r->anoms, 0);
	}
}

/* BSD syslog: "Mmm dd hh:mm:ss" has no year; the current one is taken,
 * never a date more than a day ahead. */
static void
test_bsd_timestamp(void **state)
{
	struct seen s;
	char *text = with_prefix("Jan  2 03:04:05 host sshd[7]: ");
	time_t now = time(NULL);

	(void)state;
	run_log(&s, text);
	free(text);
	assert_int_equal(s.n, 1);
	assert_true(s.r[0].log.have_ts);
	assert_int_equal(s.r[0].ts_first / 1000000 % 86400, 3 * 3600 + 4 * 60 + 5);
	assert_true(s.r[0].ts_first / 1000000 <= (uint64_t)now + 86400);
	assert_true(s.r[0].ts_first / 1000000 + 366 * 86400 > (uint64_t)now);
}

/* ------------------------------------------------------ interleaving, wraps */

/* Two connections whose lines alternate, told apart by PID only. */
static void
test_interleaved_pids(void **state)
{
	char *a = with_prefix("Nov 14 22:13:20 h sshd[100]: ");
	char *b = with_prefix("Nov 14 22:13:20 h sshd[200]: ");
	size_t cap = strlen(a) + strlen(b) + 1;
	char *mix = malloc(cap), *pa = a, *pb = b, *o = mix;
	struct seen s;

	(void)state;
	assert_non_null(mix);
	/* b's client offers another kex list, so a mix-up would show */
	{
		char *k = strstr(b, "curve25519-sha256,ecdh-sha2-nistp256");

		assert_non_null(k);
		memcpy(k, "ecdh-sha2-nistp256,curve25519-sha256", 36);
	}
	while (*pa != '\0' || *pb != '\0') {
		for (char **pp = &pa; pp != NULL; pp = pp == &pa ? &pb : NULL) {
			char *nl = strchr(*pp, '\n');

			if (nl == NULL)
				continue;
			memcpy(o, *pp, (size_t)(nl - *pp) + 1);
			o += nl - *pp + 1;
			*pp = nl + 1;
		}
	}
	*o = '\0';
	run_log(&s, mix);
	free(a);
	free(b);
	free(mix);
	assert_int_equal(s.n, 2);
	/* both end on the same line pair: reported in the order they ended */
	assert_int_equal(s.r[0].log.pid, 100);
	assert_int_equal(s.r[1].log.pid, 200);
	assert_string_equal(s.r[0].list[KX_CLIENT][KX_PROP_KEX],
	    "curve25519-sha256,ecdh-sha2-nistp256");
	assert_string_equal(s.r[1].list[KX_CLIENT][KX_PROP_KEX],
	    "ecdh-sha2-nistp256,curve25519-sha256");
	assert_string_equal(s.r[0].alg[KX_CAT_KEX], "curve25519-sha256");
	/* the server has no ecdh: the client's second choice */
	assert_string_equal(s.r[1].alg[KX_CAT_KEX], "curve25519-sha256");
	assert_int_equal(s.r[0].anoms | s.r[1].anoms, 0);
}

/* OpenSSH 7+ list lines wrapped three ways: a bare continuation in a log
 * without prefixes, a continuation a syslog relay split off with its own
 * prefix, and a terminal's hard wrap of a prefixed line. */
static void
test_wrapped_lists(void **state)
{
	static const char bare[] =
	"Connection from 10.0.0.1 port 1 on 10.0.0.2 port 22\n"
	"debug2: peer client KEXINIT proposal\n"
	"debug2: KEX algorithms: curve25519-sha256,ecdh-sha2-nis\n"
	"tp256,diffie-hellman-group14-sha256\n"
	"debug2: host key algorithms: ssh-ed25519\n";
	static const char split[] =
	"Nov 14 22:13:20 h sshd[9]: Connection from 10.0.0.1 port 1 on 10.0.0.2 port 22\n"
	"Nov 14 22:13:20 h sshd[9]: debug2: peer client KEXINIT proposal\n"
	"Nov 14 22:13:20 h sshd[9]: debug2: KEX algorithms: curve25519-sha256,ecdh-sha2-nis\n"
	"Nov 14 22:13:20 h sshd[9]: tp256,diffie-hellman-group14-sha256\n"
	"Nov 14 22:13:20 h sshd[9]: debug2: host key algorithms: ssh-ed25519\n";
	static const char hard[] =
	"Nov 14 22:13:20 h sshd[9]: Connection from 10.0.0.1 port 1 on 10.0.0.2 port 22\n"
	"Nov 14 22:13:20 h sshd[9]: debug2: peer client KEXINIT proposal\n"
	"Nov 14 22:13:20 h sshd[9]: debug2: KEX algorithms: curve25519-sha256,ecdh-sha2-nis\n"
	"tp256,diffie-hellman-group14-sha256\n"
	"Nov 14 22:13:20 h sshd[9]: debug2: host key algorithms: ssh-ed25519\n";
	static const char rest[] =
	"debug2: ciphers ctos: aes128-ctr\n"
	"debug2: ciphers stoc: aes128-ctr\n"
	"debug2: MACs ctos: hmac-sha2-256\n"
	"debug2: MACs stoc: hmac-sha2-256\n"
	"debug2: compression ctos: none\n"
	"debug2: compression stoc: none\n"
	"debug2: languages ctos: \n"
	"debug2: languages stoc: \n"
	"debug2: first_kex_follows 0 \n"
	"debug2: reserved 0 \n";
	const char *heads[] = { bare, split, hard };
	const char *pfx[] = { "", "Nov 14 22:13:20 h sshd[9]: ",
	    "Nov 14 22:13:20 h sshd[9]: " };

	(void)state;
	for (int i = 0; i < 3; i++) {
		char text[4096];
		size_t len = strlen(heads[i]);
		const char *p = rest;
		struct seen s;

		memcpy(text, heads[i], len);
		while (*p != '\0') {
			const char *nl = strchr(p, '\n');

			len += (size_t)snprintf(text + len, sizeof(text) - len,
			    "%s%.*s", pfx[i], (int)(nl - p + 1), p);
			p = nl + 1;
		}
		text[len] = '\0';
		run_log(&s, text);
		assert_int_equal(s.n, 1);
		assert_true(s.r[0].have_kexinit[KX_CLIENT]);
		assert_string_equal(s.r[0].list[KX_CLIENT][KX_PROP_KEX],
		    "curve25519-sha256,ecdh-sha2-nistp256,diffie-hellman-group14-sha256");
		assert_int_equal(s.r[0].count[KX_CLIENT][KX_PROP_KEX], 3);
		assert_int_equal(s.r[0].anoms & ANOM(SSH_KEXINIT_BAD_NAME), 0);
	}
}

/* ----------------------------------------------------------- cross-check */

static char *
replace(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);
	size_t n = strlen(text) - strlen(from) + strlen(to) + 1;
	char *out = malloc(n);

	assert_non_null(at);
	assert_non_null(out);
	snprintf(out, n, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
	return out;
}

static void
test_disagreement(void **state)
{
	struct seen s;
	char *t;

	(void)state;
	/* the log names another kex than its own lists give */
	t = replace(server9, "kex: algorithm: curve25519-sha256",
	    "kex: algorithm: sntrup761x25519-sha512@openssh.com");
	run_log(&s, t);
	free(t);
	assert_int_equal(s.n, 1);
	assert_true(s.r[0].anoms & ANOM(LOG_NEGOTIATION_DISAGREES));
	assert_non_null(strstr(s.r[0].log.disagree, "kex"));
	assert_non_null(strstr(s.r[0].log.disagree, "sntrup761x25519-sha512@openssh.com"));
	assert_non_null(strstr(s.r[0].log.disagree, "curve25519-sha256"));
	assert_non_null(strstr(s.r[0].json, "log.negotiation_disagrees"));

	/* a MAC where kexray finds the AEAD cipher's implicit one */
	t = replace(server9, "client->server cipher: chacha20-poly1305@openssh.com MAC: <implicit>",
	    "client->server cipher: chacha20-poly1305@openssh.com MAC: hmac-sha2-256");
	run_log(&s, t);
	free(t);
	assert_true(s.r[0].anoms & ANOM(LOG_NEGOTIATION_DISAGREES));
	assert_non_null(strstr(s.r[0].log.disagree, "mac_c2s"));

	/* "no matching cipher found" where kexray agrees one */
	t = replace(client9, "no matching key exchange method found",
	    "no matching cipher found");
	run_log(&s, t);
	free(t);
	assert_true(s.r[0].anoms & ANOM(LOG_NEGOTIATION_DISAGREES));
	assert_non_null(strstr(s.r[0].log.disagree, "cipher"));

	/* OpenSSH 5's order (ciphers before kex) is not a disagreement: the
	 * category it names has no common algorithm for kexray either */
	t = replace(client9, "debug2: ciphers ctos: aes128-ctr\r\ndebug2: ciphers stoc: aes128-ctr\r\ndebug2: MACs ctos: hmac-sha2-256\r\ndebug2: MACs stoc: hmac-sha2-256\r\ndebug2: compression ctos: none\r\ndebug2: compression stoc: none\r\ndebug2: languages ctos: \r\ndebug2: languages stoc: \r\ndebug2: first_kex_follows 0 \r\ndebug2: reserved 0 \r\ndebug2: peer",
	    "debug2: ciphers ctos: 3des-cbc\r\ndebug2: ciphers stoc: 3des-cbc\r\ndebug2: MACs ctos: hmac-sha2-256\r\ndebug2: MACs stoc: hmac-sha2-256\r\ndebug2: compression ctos: none\r\ndebug2: compression stoc: none\r\ndebug2: languages ctos: \r\ndebug2: languages stoc: \r\ndebug2: first_kex_follows 0 \r\ndebug2: reserved 0 \r\ndebug2: peer");
	{
		char *u = replace(t, "no matching key exchange method found",
		    "no matching cipher found");

		free(t);
		run_log(&s, u);
		free(u);
	}
	assert_int_equal(s.r[0].mismatch, 1u << KX_CAT_KEX |
	    1u << KX_CAT_CIPHER_C2S | 1u << KX_CAT_CIPHER_S2C);
	assert_int_equal(s.r[0].anoms & ANOM(LOG_NEGOTIATION_DISAGREES), 0);
}

/* ---------------------------------------------------------------- outcomes */

static void
test_outcomes(void **state)
{
	struct seen s;

	(void)state;
	/* MaxStartups: the listener drops the connection before any banner */
	run_log(&s, "Nov 14 22:13:20 h sshd[1]: drop connection #10 from "
	    "[192.0.2.5]:5555 on [192.0.2.1]:22 past MaxStartups\n");
	assert_int_equal(s.n, 1);
	assert_int_equal(s.r[0].verdict, KX_V_REFUSED);   /* close.h */
	assert_int_equal(s.r[0].closed_by, KX_SERVER);
	assert_int_equal(s.r[0].after.side, -1);
	assert_int_equal(s.r[0].ep[KX_CLIENT].port, 5555);

	/* LoginGraceTime */
	run_log(&s, "sshd[3]: Connection from 192.0.2.5 port 6 on 192.0.2.1 port 22\n"
	    "sshd[3]: Timeout before authentication for 192.0.2.5 port 6\n");
	assert_int_equal(s.n, 1);
	assert_int_equal(s.r[0].verdict, KX_V_CLOSED);
	assert_int_equal(s.r[0].closed_by, KX_SERVER);

	/* ssh: nobody listens */
	run_log(&s, "debug1: Connecting to 192.0.2.1 [192.0.2.1] port 22.\n"
	    "debug1: connect to address 192.0.2.1 port 22: Connection refused\n"
	    "ssh: connect to host 192.0.2.1 port 22: Connection refused\n");
	assert_int_equal(s.n, 1);
	assert_int_equal(s.r[0].verdict, KX_V_REFUSED);   /* port closed */
	assert_int_equal(s.r[0].closed_by, KX_SERVER);

	/* a cleartext DISCONNECT (before the client's NEWKEYS) is kept */
	run_log(&s, "Connection from 192.0.2.5 port 6 on 192.0.2.1 port 22\n"
	    "debug1: Remote protocol version 2.0, remote software version x\n"
	    "Received disconnect from 192.0.2.5 port 6:3: bye [preauth]\n");
	assert_int_equal(s.n, 1);
	assert_true(s.r[0].have_disconnect);
	assert_int_equal(s.r[0].disc_reason, 3);
	assert_int_equal(s.r[0].closed_by, KX_CLIENT);

	/* the log ends first: still open, like a capture that ended */
	run_log(&s, "Connection from 192.0.2.5 port 6 on 192.0.2.1 port 22\n");
	assert_int_equal(s.n, 1);
	assert_int_equal(s.r[0].close, KX_CLOSE_CAPTURE_END);

	/* a log that begins inside a connection */
	run_log(&s, "debug1: SSH2_MSG_KEXINIT received\n");
	assert_int_equal(s.n, 1);
	assert_true(s.r[0].midstream);
	assert_int_equal(s.r[0].verdict, KX_V_INCOMPLETE);
}

/* What sshd logs is vis-encoded (log.c strnvis): the banner gets the
 * bytes the peer sent back, and the banner parser flags them as it would
 * from a capture. */
static void
test_vis_banner(void **state)
{
	struct seen s;

	(void)state;
	run_log(&s, "Connection from 192.0.2.5 port 6 on 192.0.2.1 port 22\n"
	    "debug1: Remote protocol version 2.0, remote software version "
	    "Evil\\033[31m\\\\x\n");
	assert_int_equal(s.n, 1);
	assert_string_equal(s.r[0].banner[KX_CLIENT], "SSH-2.0-Evil\033[31m\\x");
	assert_true(s.r[0].anoms & ANOM(SSH_BANNER_CONTROL));
}

/* The peer's first line, when it was no identification string, is quoted
 * by sshd: in '...' (sshd.c, OpenSSH 7 and older) or in "..." (kex.c
 * kex_exchange_identification). Each runs to its own closing quote, so an
 * apostrophe inside "..." or a double quote inside '...' is kept. */
static void
test_quoted_identifier(void **state)
{
	static const char from[] =
	    "Connection from 192.0.2.5 port 6 on 192.0.2.1 port 22\n";
	static const struct {
		const char *line, *want;
	} cases[] = {
		{ "kex_exchange_identification: client sent invalid protocol "
		  "identifier \"it's me\"", "it's me" },
		{ "kex_exchange_identification: client sent invalid protocol "
		  "identifier \"GET / HTTP/1.1\"", "GET / HTTP/1.1" },
		{ "Bad protocol version identification 'say \"hi\"' from "
		  "192.0.2.5 port 6", "say \"hi\"" },
		{ "Bad protocol version identification 'it's me' from "
		  "192.0.2.5 port 6", "it's me" },
	};
	char text[512];
	struct seen s;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "%s%s\n", from, cases[i].line);
		run_log(&s, text);
		assert_int_equal(s.n, 1);
		assert_string_equal(s.r[0].prebanner[KX_CLIENT], cases[i].want);
		assert_int_equal(s.r[0].closed_by, KX_SERVER);
	}
}

/* A log counts no packets: its connections say "no TCP facts", and what
 * close.c reads of them is what the log says, never a packet count. */
static void
test_no_tcp_facts(void **state)
{
	struct seen s;

	(void)state;
	/* ssh sent its banner and its connect() timed out: two things the
	 * client did, not two SYNs, so not "filtered". */
	run_log(&s, "debug1: Connecting to 192.0.2.1 [192.0.2.1] port 22.\n"
	    "debug1: Local version string SSH-2.0-OpenSSH_9.2\n"
	    "ssh: connect to host 192.0.2.1 port 22: Connection timed out\n");
	assert_int_equal(s.n, 1);
	assert_true(s.r[0].no_tcp_facts);
	assert_int_equal(s.r[0].pkts[KX_CLIENT], 0);
	assert_int_equal(s.r[0].pkts[KX_SERVER], 0);
	assert_int_equal(s.r[0].cause, KX_CAUSE_NO_ANSWER);
	assert_true(s.r[0].log.seen[KX_CLIENT]);
	assert_false(s.r[0].log.seen[KX_SERVER]);
	assert_non_null(strstr(s.r[0].json, "\"packets\":null"));

	/* Nothing after the connect: still open when the log, not a
	 * capture, ended. */
	run_log(&s, "debug1: Connecting to 192.0.2.1 [192.0.2.1] port 22.\n");
	assert_int_equal(s.n, 1);
	assert_non_null(strstr(s.r[0].json, "still open when the log ended"));
	assert_null(strstr(s.r[0].json, "capture ended"));

	/* "Connection established.": the server answered; then nothing. */
	run_log(&s, "debug1: Connecting to 192.0.2.1 [192.0.2.1] port 22.\n"
	    "debug1: Connection established.\n"
	    "kex_exchange_identification: Connection closed by remote host\n");
	assert_int_equal(s.n, 1);
	assert_true(s.r[0].log.seen[KX_SERVER]);
	assert_int_equal(s.r[0].cause, KX_CAUSE_CLOSED);
	assert_int_equal(s.r[0].pkts[KX_SERVER], 0);

	/* Only sshd's listener line is a MaxStartups refusal: the words in
	 * a user name (the client picks it) are not. */
	run_log(&s, "sshd[3]: Connection from 192.0.2.5 port 6 on 192.0.2.1 port 22\n"
	    "sshd[3]: Connection closed by invalid user past MaxStartups "
	    "192.0.2.5 port 6 [preauth]\n");
	assert_int_equal(s.n, 1);
	assert_int_not_equal(s.r[0].cause, KX_CAUSE_MAX_STARTUPS);
	assert_int_not_equal(s.r[0].verdict, KX_V_REFUSED);
	run_log(&s, "sshd[1]: drop connection #10 from [192.0.2.5]:5555 on "
	    "[192.0.2.1]:22 past MaxStartups\n");
	assert_int_equal(s.n, 1);
	assert_true(s.r[0].log.max_startups);
	assert_int_equal(s.r[0].cause, KX_CAUSE_MAX_STARTUPS);
}

/* ------------------------------------------------------------ hostile logs */

/* A block cut off in the middle: by the end of the log, by a new block,
 * in both formats. Clear anomaly, the half block unused, no crash. */
static void
test_block_cut(void **state)
{
	const char *cut = strstr(server9, "debug2: MACs ctos: hmac-sha2-256 [preauth]");
	struct seen s;
	char *t;

	(void)state;
	assert_non_null(cut);
	/* the log ends inside the server's block */
	t = strndup(server9, (size_t)(cut - server9));
	assert_non_null(t);
	run_log(&s, t);
	free(t);
	assert_int_equal(s.n, 1);
	assert_true(s.r[0].anoms & ANOM(LOG_BLOCK_INCOMPLETE));
	assert_false(s.r[0].have_kexinit[KX_SERVER]);
	assert_int_equal(s.r[0].verdict, KX_V_INCOMPLETE);

	/* the peer's block begins before the server's is done */
	t = replace(server9, "debug2: MACs ctos: hmac-sha2-256 [preauth]\r\n"
	    "debug2: MACs stoc: hmac-sha2-256 [preauth]\r\n"
	    "debug2: compression ctos: none,zlib@openssh.com [preauth]\r\n", "");
	run_log(&s, t);
	free(t);
	assert_true(s.r[0].anoms & ANOM(LOG_BLOCK_INCOMPLETE));
	assert_false(s.r[0].have_kexinit[KX_SERVER]);
	assert_true(s.r[0].have_kexinit[KX_CLIENT]);

	/* OpenSSH 5 format, four lists then the end */
	run_log(&s, "Connection from 192.0.2.5 port 6\n"
	    "debug2: kex_parse_kexinit: a\n"
	    "debug2: kex_parse_kexinit: b\n"
	    "debug2: kex_parse_kexinit: c\n"
	    "debug2: kex_parse_kexinit: d\n");
	assert_int_equal(s.n, 1);
	assert_true(s.r[0].anoms & ANOM(LOG_BLOCK_INCOMPLETE));
	assert_false(s.r[0].have_kexinit[KX_SERVER]);
}

/* The committed hostile logs: two interleaved journald connections, one
 * whose peer block is cut off after four lists by the connection's end;
 * one connection with random binary lines between its lines and a NUL
 * inside one of its list lines. */
static void
test_hostile_files(void **state)
{
	char path[1024];
	struct kx_sshlog *l;
	struct seen s;

	(void)state;
	assert_non_null(logs_dir);
	snprintf(path, sizeof(path), "%s/hostile_cut_block.sshd.log", logs_dir);
	l = reader(&s);
	assert_int_equal(kx_sshlog_read_file(l, path), KX_OK);
	kx_sshlog_finish(l);
	kx_sshlog_free(l);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.r[0].log.pid, 700);
	assert_true(s.r[0].anoms & ANOM(LOG_BLOCK_INCOMPLETE));
	assert_false(s.r[0].have_kexinit[KX_CLIENT]);
	assert_true(s.r[0].have_kexinit[KX_SERVER]);
	assert_int_equal(s.r[0].verdict, KX_V_CLOSED);
	assert_int_equal(s.r[0].closed_by, KX_CLIENT);
	assert_int_equal(s.r[0].ts_first, 1709287200000000ull);
	assert_int_equal(s.r[1].log.pid, 701);
	assert_int_equal(s.r[1].verdict, KX_V_OK);
	assert_int_equal(s.r[1].anoms, 0);

	snprintf(path, sizeof(path), "%s/hostile_binary.log", logs_dir);
	l = reader(&s);
	assert_int_equal(kx_sshlog_read_file(l, path), KX_MALFORMED);
	assert_true(kx_sshlog_stats(l)->binary >= 5);
	kx_sshlog_finish(l);
	kx_sshlog_free(l);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.r[0].log.pid, 702);
	assert_true(s.r[0].have_kexinit[KX_SERVER]);
	assert_false(s.r[0].have_kexinit[KX_CLIENT]);   /* its list had a NUL */
	assert_true(s.r[0].anoms & ANOM(LOG_BLOCK_INCOMPLETE));
	assert_true(s.r[0].newkeys[KX_CLIENT] && s.r[0].newkeys[KX_SERVER]);
}

/* Binary garbage: seeded random bytes, as a stream and as a file. */
static void
test_binary_garbage(void **state)
{
	size_t n = 1u << 20;
	uint8_t *junk = malloc(n);
	uint64_t seed = 0x5eed5eedull;
	struct kx_sshlog *l;
	struct seen s;
	char path[] = "/tmp/kx_sshlog_junkXXXXXX";
	int fd;
	FILE *f;

	(void)state;
	assert_non_null(junk);
	for (size_t i = 0; i < n; i++)
		junk[i] = (uint8_t)kxt_rand(&seed);
	l = reader(&s);
	kx_sshlog_feed(l, junk, n);
	kx_sshlog_finish(l);
	assert_true(kx_sshlog_stats(l)->binary > 0);
	assert_int_equal(kx_sshlog_stats(l)->recognised, 0);
	assert_int_equal(s.n, 0);
	kx_sshlog_free(l);

	/* from a file: the reader says it is not a text log */
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(junk, 1, n, f), n);
	fclose(f);
	l = reader(&s);
	assert_int_equal(kx_sshlog_read_file(l, path), KX_MALFORMED);
	kx_sshlog_finish(l);
	kx_sshlog_free(l);
	unlink(path);
	free(junk);

	/* a file that is not there */
	l = reader(&s);
	assert_int_equal(kx_sshlog_read_file(l, "/nonexistent/kx.log"), KX_IO);
	kx_sshlog_free(l);
}

/* 1 MB lines: one that is a list inside a block (the block is dropped,
 * log.line_limit), one of junk without LF at the end of the log; what
 * comes after the long line is still read. */
static void
test_long_lines(void **state)
{
	size_t n = 1u << 20;
	const char *head = "debug2: KEX algorithms: ";
	char *big = malloc(n + 64);
	const char *at = strstr(server9, "debug2: KEX algorithms: sntrup");
	const char *eol = strchr(at, '\n');
	struct kx_sshlog *l;
	struct seen s;
	size_t hl = strlen(head);

	(void)state;
	assert_non_null(big);
	memcpy(big, head, hl);
	for (size_t i = hl; i < n; i++)
		big[i] = (i % 20 == 19) ? ',' : 'k';
	big[n] = '\n';
	l = reader(&s);
	kx_sshlog_feed(l, (const uint8_t *)server9, (size_t)(at - server9));
	kx_sshlog_feed(l, (const uint8_t *)big, n + 1);
	kx_sshlog_feed(l, (const uint8_t *)eol + 1, strlen(eol + 1));
	assert_true(kx_sshlog_held(l) <= 2u * KX_SSHLOG_BLOCK_MAX);
	kx_sshlog_feed(l, (const uint8_t *)big, n);   /* no LF: ends with the log */
	kx_sshlog_finish(l);
	assert_int_equal(kx_sshlog_stats(l)->cut, 2);
	kx_sshlog_free(l);
	assert_int_equal(s.n, 1);
	assert_true(s.r[0].anoms & ANOM(LOG_LINE_LIMIT));
	assert_false(s.r[0].have_kexinit[KX_CLIENT]);
	assert_true(s.r[0].have_kexinit[KX_SERVER]);   /* read before */
	assert_true(s.r[0].newkeys[KX_CLIENT]);        /* read after */
	assert_int_equal(s.r[0].verdict, KX_V_OK);
	free(big);
}

/* A block longer than a KEXINIT can be (many wrapped pieces). */
static void
test_block_limit(void **state)
{
	struct kx_sshlog *l;
	struct seen s;
	const char *piece = ",aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n";

	(void)state;
	l = reader(&s);
	feed_split(l, "Connection from 10.0.0.1 port 1 on 10.0.0.2 port 22\n"
	    "debug2: peer client KEXINIT proposal\n"
	    "debug2: KEX algorithms: a\n");
	for (int i = 0; i < 2000; i++)   /* 80 KB of continuation */
		kx_sshlog_feed(l, (const uint8_t *)piece, strlen(piece));
	assert_true(kx_sshlog_held(l) <= KX_SSHLOG_BLOCK_MAX);
	kx_sshlog_finish(l);
	kx_sshlog_free(l);
	assert_int_equal(s.n, 1);
	assert_true(s.r[0].anoms & ANOM(LOG_LINE_LIMIT));
	assert_false(s.r[0].have_kexinit[KX_CLIENT]);
}

/* 10,000 sshd processes open at once, their lines interleaved: the table
 * stays at KX_SSHLOG_CONNS_MAX, the oldest are reported early (evicted),
 * every connection is reported exactly once. */
static void
test_ten_thousand_pids(void **state)
{
	enum { N = 10000 };
	struct kx_sshlog *l;
	struct seen s;
	char line[256];

	(void)state;
	l = reader(&s);
	s.pid_max = 100000 + N;
	s.pid_seen = calloc(s.pid_max, 1);
	assert_non_null(s.pid_seen);
	for (int step = 0; step < 3; step++) {
		for (int i = 0; i < N; i++) {
			int n = 0;

			if (step == 0)
				n = snprintf(line, sizeof(line), "sshd[%d]: Connection "
				    "from 10.%d.%d.1 port %d on 10.0.0.1 port 22\n",
				    100000 + i, i / 256, i % 256, 1024 + i);
			else if (step == 1)
				n = snprintf(line, sizeof(line), "sshd[%d]: debug1: "
				    "Remote protocol version 2.0, remote software "
				    "version c%d\n", 100000 + i, i);
			else
				n = snprintf(line, sizeof(line), "sshd[%d]: debug2: "
				    "peer client KEXINIT proposal\n", 100000 + i);
			kx_sshlog_feed(l, (const uint8_t *)line, (size_t)n);
			if (kx_sshlog_open(l) > s.open_max)
				s.open_max = kx_sshlog_open(l);
		}
	}
	kx_sshlog_finish(l);
	assert_true(s.open_max <= KX_SSHLOG_CONNS_MAX);
	assert_true(kx_sshlog_stats(l)->open_peak <= KX_SSHLOG_CONNS_MAX);
	assert_int_equal(kx_sshlog_open(l), 0);
	assert_int_equal(kx_sshlog_held(l), 0);
	/* each PID's lines after its eviction begin a new (mid-stream)
	 * connection: more records than PIDs, none lost, none twice per PID
	 * among those reported whole */
	assert_true(kx_sshlog_stats(l)->conns >= N);
	assert_true(s.evicted > 0);
	assert_int_equal(kx_sshlog_stats(l)->evicted, s.evicted);
	for (uint32_t p = 100000; p < 100000 + N; p++)
		assert_true(s.pid_seen[p] >= 1);
	kx_sshlog_free(l);
	free(s.pid_seen);
}

/* Many connections holding full-size KEXINITs: the name-list bytes held
 * stay under KX_SSHLOG_HELD_MAX (plus the block being read). */
static void
test_held_cap(void **state)
{
	enum { N = 1200 };
	size_t biglen = 30000;
	char *list = malloc(biglen + 1);
	struct kx_sshlog *l;
	struct seen s;
	char line[128];
	uint64_t held_max = 0;

	(void)state;
	assert_non_null(list);
	for (size_t i = 0; i < biglen; i++)
		list[i] = (i % 10 == 9) ? ',' : 'z';
	list[biglen] = '\0';
	l = reader(&s);
	for (int i = 0; i < N; i++) {
		int n = snprintf(line, sizeof(line), "sshd[%d]: Connection from "
		    "10.1.%d.%d port 9 on 10.0.0.1 port 22\n", 5000 + i, i / 256, i % 256);

		kx_sshlog_feed(l, (const uint8_t *)line, (size_t)n);
		n = snprintf(line, sizeof(line), "sshd[%d]: debug2: peer client "
		    "KEXINIT proposal\nsshd[%d]: debug2: KEX algorithms: ",
		    5000 + i, 5000 + i);
		kx_sshlog_feed(l, (const uint8_t *)line, (size_t)n);
		kx_sshlog_feed(l, (const uint8_t *)list, biglen);
		kx_sshlog_feed(l, (const uint8_t *)"\n", 1);
		if (kx_sshlog_held(l) > held_max)
			held_max = kx_sshlog_held(l);
	}
	kx_sshlog_finish(l);
	assert_true(held_max <= KX_SSHLOG_HELD_MAX + KX_SSHLOG_BLOCK_MAX);
	assert_true(kx_sshlog_stats(l)->held_peak <=
	    KX_SSHLOG_HELD_MAX + KX_SSHLOG_BLOCK_MAX);
	assert_true(kx_sshlog_stats(l)->evicted > 0);
	assert_int_equal(kx_sshlog_stats(l)->conns, N);
	assert_true(s.r[0].evicted);
	assert_true(s.r[0].anoms & ANOM(FLOW_EVICTED));
	kx_sshlog_free(l);
	free(list);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed_openssh53),
		cmocka_unit_test(test_openssh9_server),
		cmocka_unit_test(test_openssh9_client),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_bsd_timestamp),
		cmocka_unit_test(test_interleaved_pids),
		cmocka_unit_test(test_wrapped_lists),
		cmocka_unit_test(test_disagreement),
		cmocka_unit_test(test_outcomes),
		cmocka_unit_test(test_vis_banner),
		cmocka_unit_test(test_quoted_identifier),
		cmocka_unit_test(test_no_tcp_facts),
		cmocka_unit_test(test_block_cut),
		cmocka_unit_test(test_hostile_files),
		cmocka_unit_test(test_binary_garbage),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_block_limit),
		cmocka_unit_test(test_ten_thousand_pids),
		cmocka_unit_test(test_held_cap),
	};

	logs_dir = argc > 1 ? argv[1] : NULL;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
