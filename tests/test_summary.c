/* summary: counting a run's connections: outcomes, the algorithms each side
 * lacked in a failed negotiation (counted once per connection, key
 * exchange markers left out), software per side, weak algorithms in use,
 * resets, and the caps of every table. Connections are built from KEXINIT
 * lists and judged by kx_analyze, as main.c does. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kexray/events/summary.h"
#include "kexray/report/summary.h"
#include "kx_test.h"

/* Recorded OpenSSH 9.2p1 lists (pcaps/openssh_login.pcap), shortened. */
static const char *const OPENSSH[KX_PROP_MAX] = {
	"curve25519-sha256,ext-info-c,kex-strict-c-v00@openssh.com",
	"ssh-ed25519,rsa-sha2-256",
	"chacha20-poly1305@openssh.com,aes128-ctr",
	"chacha20-poly1305@openssh.com,aes128-ctr",
	"hmac-sha2-256-etm@openssh.com,hmac-sha1",
	"hmac-sha2-256-etm@openssh.com,hmac-sha1",
	"none", "none", "", "",
};
/* The seed case's server (pcaps/seed_openssh53_libssh2.pcap). */
static const char *const OLD_SERVER[KX_PROP_MAX] = {
	"ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,kex-strict-s-v00@openssh.com",
	"ssh-rsa,ssh-dss",
	"aes128-ctr", "aes128-ctr",
	"hmac-sha1", "hmac-sha1",
	"none", "none", "", "",
};
/* A client whose kex list names one method twice (hostile or buggy). */
static const char *const DOUBLED[KX_PROP_MAX] = {
	"diffie-hellman-group1-sha1,diffie-hellman-group1-sha1,ext-info-c",
	"ssh-rsa",
	"aes128-ctr", "aes128-ctr",
	"hmac-sha1", "hmac-sha1",
	"none", "none", "", "",
};

struct fake {
	struct kx_conn c;
	struct kx_hs hs;     /* c.hs points here */
	struct kx_kexinit k[2];
	struct kx_verdict v;
};

/* A judged connection: banners (NULL: none), lists (NULL: none), both
 * NEWKEYS when complete, and how it ended. */
static struct fake *
make(const char *cbanner, const char *sbanner, const char *const *cli,
    const char *const *srv, bool complete, enum kx_close close)
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
	f->c.syn_seen = f->c.synack_seen = true;
	f->c.ts_first = 1700000000000000ull;
	f->c.ts_last = f->c.ts_first + 2600;
	f->c.closed_by = -1;
	f->c.close_after.side = -1;
	for (int s = 0; s < 2; s++) {
		struct kx_ssh_side *ss = &f->hs.ssh[s];

		f->c.half[s].pkts = 5;
		f->c.half[s].payload_bytes = 100;
		ss->is_server = s == KX_SERVER;
		ss->newkeys = complete;
		if (banners[s] != NULL) {
			const char *sp = strchr(banners[s] + 8, ' ');

			ss->have_banner = true;
			ss->banner = (uint8_t *)(uintptr_t)banners[s];
			ss->banner_len = (uint16_t)strlen(banners[s]);
			ss->proto_major = 2;
			ss->proto_off = 4;
			ss->proto_len = 3;
			ss->soft_off = 8;   /* after "SSH-2.0-" */
			ss->soft_len = (uint16_t)(sp != NULL ? sp - banners[s] - 8 :
			    ss->banner_len - 8);
		}
		if (lists[s] != NULL) {
			kxt_kexinit(&f->k[s], lists[s]);
			ss->kexinit = &f->k[s];
		}
	}
	if (close != KX_CLOSE_NONE) {
		f->c.close = close;
		f->c.closed_by = KX_SERVER;
		f->c.half[KX_SERVER].fin = close == KX_CLOSE_FIN;
		f->c.half[KX_SERVER].rst = close == KX_CLOSE_RST;
	}
	kx_analyze(&f->c, &f->v);
	return f;
}

/* As main.c: the handshake's record, then the close. */
static void
add(struct kx_summary *s, struct fake *f)
{
	kx_summary_add(s, &f->c, &f->v);
	kx_summary_close(s, &f->c, &f->v.close);
	free(f);
}

/* The count of name in t, or -1 when it is not there. */
static long long
count_of(const struct kx_summary_table *t, const char *name)
{
	for (uint32_t i = 0; i < t->n; i++)
		if (t->item[i].len == strlen(name) &&
		    memcmp(t->item[i].s, name, t->item[i].len) == 0)
			return (long long)t->item[i].count;
	return -1;
}

static void
test_outcomes(void **state)
{
	struct kx_summary *s = kx_summary_new();

	(void)state;
	assert_non_null(s);
	add(s, make("SSH-2.0-OpenSSH_9.2p1", "SSH-2.0-OpenSSH_9.2p1", OPENSSH,
	    OPENSSH, true, KX_CLOSE_FIN));
	add(s, make("SSH-2.0-libssh2_1.7.0_DEV", "SSH-2.0-OpenSSH_5.3", DOUBLED,
	    OLD_SERVER, false, KX_CLOSE_FIN));
	add(s, make("SSH-2.0-OpenSSH_9.2p1", "SSH-2.0-OpenSSH_9.2p1", OPENSSH,
	    OPENSSH, false, KX_CLOSE_RST));
	assert_int_equal(s->conns, 3);
	assert_int_equal(s->by_verdict[KX_V_OK], 1);
	assert_int_equal(s->by_verdict[KX_V_MISMATCH], 1);
	assert_int_equal(s->by_verdict[KX_V_RESET], 1);
	assert_int_equal(s->problems, 2);
	assert_int_equal(s->resets, 1);
	/* A RST with no recorded detail (c->rsts NULL) is genuine. */
	assert_int_equal(s->resets_by_verdict[KX_RST_GENUINE], 1);
	assert_int_equal(s->forged, 0);
	assert_int_equal(s->closed, 3);
	{
		uint64_t sum = 0;

		for (int p = 0; p < KX_PHASE_MAX; p++)
			sum += s->by_phase[p];
		assert_int_equal(sum, 3);
	}
	assert_int_equal(s->by_phase[KX_PHASE_KEXINIT], 2);
	assert_int_equal(s->by_cause[KX_CAUSE_NEGOTIATION], 1);
	assert_int_equal(s->mismatch_conns, 1);
	assert_int_equal(s->ts_last_us, 1700000000002600ull);
	kx_summary_free(s);
}

/* The seed shape: the client lacks the server's kex methods and the
 * server the client's; the marker kex-strict-s is no method to lack; a
 * name the client lists twice counts once for the connection. */
static void
test_mismatch_lacks(void **state)
{
	struct kx_summary *s = kx_summary_new();
	const struct kx_summary_mismatch *m;

	(void)state;
	assert_non_null(s);
	for (int i = 0; i < 2; i++)
		add(s, make("SSH-2.0-libssh2_1.7.0_DEV", "SSH-2.0-OpenSSH_5.3",
		    DOUBLED, OLD_SERVER, false, KX_CLOSE_FIN));
	m = &s->mismatch[KX_AC_KEX];
	assert_int_equal(m->conns, 2);
	assert_int_equal(count_of(m->lacks[KX_CLIENT], "ecdh-sha2-nistp521"), 2);
	assert_int_equal(count_of(m->lacks[KX_CLIENT],
	    "diffie-hellman-group-exchange-sha256"), 2);
	assert_int_equal(count_of(m->lacks[KX_CLIENT],
	    "kex-strict-s-v00@openssh.com"), -1);
	assert_int_equal(m->lacks[KX_CLIENT]->n, 2);
	assert_int_equal(count_of(m->lacks[KX_SERVER],
	    "diffie-hellman-group1-sha1"), 2);
	assert_int_equal(count_of(m->lacks[KX_SERVER], "ext-info-c"), -1);
	assert_int_equal(m->lacks[KX_SERVER]->n, 1);
	/* The other directives negotiated: nothing counted for them. */
	assert_int_equal(s->mismatch[KX_AC_CIPHER].conns, 0);
	assert_int_equal(s->mismatch[KX_AC_HOSTKEY].conns, 0);
	kx_summary_free(s);
}

/* A cipher that fails both ways is one directive, counted once per
 * connection, from the client-to-server lists. */
static void
test_mismatch_both_directions(void **state)
{
	static const char *const srv[KX_PROP_MAX] = {
		"curve25519-sha256", "ssh-ed25519", "aes256-gcm@openssh.com",
		"aes256-gcm@openssh.com", "hmac-sha2-256-etm@openssh.com",
		"hmac-sha2-256-etm@openssh.com", "none", "none", "", "",
	};
	struct kx_summary *s = kx_summary_new();
	const struct kx_summary_mismatch *m;

	(void)state;
	assert_non_null(s);
	add(s, make("SSH-2.0-OpenSSH_9.2p1", "SSH-2.0-OpenSSH_9.2p1", OPENSSH,
	    srv, false, KX_CLOSE_FIN));
	m = &s->mismatch[KX_AC_CIPHER];
	assert_int_equal(m->conns, 1);
	assert_int_equal(count_of(m->lacks[KX_CLIENT], "aes256-gcm@openssh.com"), 1);
	assert_int_equal(count_of(m->lacks[KX_SERVER], "aes128-ctr"), 1);
	assert_int_equal(count_of(m->lacks[KX_SERVER],
	    "chacha20-poly1305@openssh.com"), 1);
	kx_summary_free(s);
}

/* Software by side, highest count first, ties in the order first seen;
 * no banner is counted apart; past the cap, "other". */
static void
test_software_and_cap(void **state)
{
	struct kx_summary *s = kx_summary_new();
	const struct kx_summary_item *top[KX_SUMMARY_SHOW];
	static char banners[KX_SUMMARY_SOFTWARE_MAX + 5][40];
	uint32_t n;

	(void)state;
	assert_non_null(s);
	add(s, make("SSH-2.0-PuTTY_Release_0.78", "SSH-2.0-OpenSSH_9.2p1", OPENSSH,
	    OPENSSH, true, KX_CLOSE_FIN));
	for (int i = 0; i < 3; i++)
		add(s, make("SSH-2.0-OpenSSH_9.2p1 Debian-2", "SSH-2.0-OpenSSH_9.2p1",
		    OPENSSH, OPENSSH, true, KX_CLOSE_FIN));
	add(s, make(NULL, "SSH-2.0-OpenSSH_9.2p1", NULL, OPENSSH, false,
	    KX_CLOSE_FIN));
	n = kx_summary_top(s->software[KX_CLIENT], top, KX_SUMMARY_SHOW);
	assert_int_equal(n, 2);
	/* Recognised products are counted by product and version. */
	assert_int_equal(top[0]->len, strlen("OpenSSH 9.2p1"));
	assert_memory_equal(top[0]->s, "OpenSSH 9.2p1", top[0]->len);
	assert_int_equal(top[0]->count, 3);
	assert_memory_equal(top[1]->s, "PuTTY 0.78", top[1]->len);
	assert_int_equal(s->no_banner[KX_CLIENT], 1);
	assert_int_equal(count_of(s->software[KX_SERVER], "OpenSSH 9.2p1"), 5);

	/* Unknown products by their softwareversion; the table is full at
	 * KX_SUMMARY_SOFTWARE_MAX and the rest is counted as other. */
	for (int i = 0; i < KX_SUMMARY_SOFTWARE_MAX + 5; i++) {
		snprintf(banners[i], sizeof(banners[i]), "SSH-2.0-Thing_%d", i);
		add(s, make(banners[i], "SSH-2.0-OpenSSH_9.2p1", OPENSSH, OPENSSH,
		    true, KX_CLOSE_FIN));
	}
	assert_int_equal(s->software[KX_CLIENT]->n, KX_SUMMARY_SOFTWARE_MAX);
	assert_int_equal(s->software[KX_CLIENT]->other, 5 + 2);
	assert_int_equal(count_of(s->software[KX_CLIENT], "Thing_0"), 1);
	kx_summary_free(s);
}

/* Weak algorithms count only on connections that used them (NEWKEYS both
 * ways), once per connection when both directions agree on them. */
static void
test_weak_in_use(void **state)
{
	static const char *const sha1[KX_PROP_MAX] = {
		"curve25519-sha256", "ssh-ed25519", "aes128-ctr", "aes128-ctr",
		"hmac-sha1", "hmac-sha1", "none", "none", "", "",
	};
	struct kx_summary *s = kx_summary_new();
	struct fake *f;

	(void)state;
	assert_non_null(s);
	f = make("SSH-2.0-OpenSSH_9.2p1", "SSH-2.0-OpenSSH_9.2p1", sha1, sha1,
	    true, KX_CLOSE_FIN);
	assert_true(kx_verdict_weak(&f->v));
	assert_string_equal(kx_verdict_label(&f->v), "WEAK");
	add(s, f);
	add(s, make("SSH-2.0-OpenSSH_9.2p1", "SSH-2.0-OpenSSH_9.2p1", sha1, sha1,
	    false, KX_CLOSE_FIN));
	assert_int_equal(s->weak->n, 1);
	assert_int_equal(count_of(s->weak, "hmac-sha1"), 1);
	assert_int_equal(s->weak->item[0].cat, KX_AC_MAC);
	assert_int_equal(s->weak->item[0].rating, KX_RATE_WARN);
	assert_int_equal(s->weak_ok, 1);
	kx_summary_free(s);
}

/* A name longer than RFC 4251's 64 characters is counted by its first
 * KX_SUMMARY_ITEM_LEN bytes and never overruns the item. */
static void
test_long_name(void **state)
{
	static char kex[300];
	static const char *lists[KX_PROP_MAX];
	struct kx_summary *s = kx_summary_new();

	(void)state;
	assert_non_null(s);
	memset(kex, 'k', 299);
	for (int i = 0; i < KX_PROP_MAX; i++)
		lists[i] = OPENSSH[i];
	lists[KX_PROP_KEX] = kex;
	add(s, make("SSH-2.0-x", "SSH-2.0-y", lists, OPENSSH, false, KX_CLOSE_FIN));
	assert_int_equal(s->mismatch[KX_AC_KEX].conns, 1);
	assert_int_equal(s->mismatch[KX_AC_KEX].lacks[KX_SERVER]->n, 1);
	assert_int_equal(s->mismatch[KX_AC_KEX].lacks[KX_SERVER]->item[0].len,
	    KX_SUMMARY_ITEM_LEN);
	kx_summary_free(s);
}

/* The text block and the JSON record carry what was counted, escaped. */
static void
test_report(void **state)
{
	struct kx_summary *s = kx_summary_new();
	struct kx_stats st = { .frames = 15, .tcp = 15, .ssh_conns = 1 };
	struct kx_summary_extra x = { .stats = &st, .final = true };
	char *buf = NULL;
	size_t sz = 0;
	FILE *f;

	(void)state;
	assert_non_null(s);
	add(s, make("SSH-2.0-Evil\x1b[31m", "SSH-2.0-OpenSSH_5.3", DOUBLED,
	    OLD_SERVER, false, KX_CLOSE_FIN));
	s->shown = 1;
	f = open_memstream(&buf, &sz);
	assert_non_null(f);
	kx_report_summary_text(f, s, &x, NULL);
	fclose(f);
	assert_non_null(strstr(buf, "1 SSH connection (1 with problems), 1 shown"));
	assert_non_null(strstr(buf, "  outcomes   1 MISMATCH\n"));
	assert_non_null(strstr(buf, "kex in 1 connection\n"));
	assert_non_null(strstr(buf, "client lacks ecdh-sha2-nistp521 (1), "
	    "diffie-hellman-group-exchange-sha256 (1)\n"));
	assert_non_null(strstr(buf, "client Evil\\x1b[31m (1)"));
	assert_null(strchr(buf, '\x1b'));
	free(buf);
	buf = NULL;
	f = open_memstream(&buf, &sz);
	assert_non_null(f);
	kx_report_summary_json(f, s, &x);
	fclose(f);
	{
		static const char head[] = "{\"type\":\"summary\",\"schema_version\":2,";

		assert_memory_equal(buf, head, sizeof(head) - 1);
	}
	assert_non_null(strstr(buf, "\"software\":\"Evil\\u001b[31m\""));
	assert_non_null(strstr(buf, "\"mismatch\":[{\"category\":\"kex\",\"connections\":1,"));
	assert_non_null(strstr(buf, "\"kernel_drops\":null"));
	assert_int_equal(buf[sz - 1], '\n');
	free(buf);
	kx_summary_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_outcomes),
		cmocka_unit_test(test_mismatch_lacks),
		cmocka_unit_test(test_mismatch_both_directions),
		cmocka_unit_test(test_software_and_cap),
		cmocka_unit_test(test_weak_in_use),
		cmocka_unit_test(test_long_name),
		cmocka_unit_test(test_report),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
