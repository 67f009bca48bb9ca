/* memo: a connection whose banners and KEXINIT lists equal an earlier
 * one's reuses its analysis and JSON text, with the same output as if
 * computed afresh, and with every pointer into its own data (the earlier
 * connection may be gone); one byte of difference, a cleared memo or a
 * pair too large to keep computes afresh. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kexray/analyze/analyze.h"
#include "kexray/analyze/memo.h"
#include "kexray/report/report.h"
#include "kx_test.h"

/* An OpenSSH 9 client against an old server: a cipher mismatch (so there
 * is advice with its full-list line), weak offers on both sides, no
 * post-quantum method in common. */
static const char *const CLIENT[KX_PROP_MAX] = {
	"sntrup761x25519-sha512@openssh.com,curve25519-sha256,ecdh-sha2-nistp256,ext-info-c,kex-strict-c-v00@openssh.com",
	"ssh-ed25519,rsa-sha2-512,rsa-sha2-256,ssh-rsa",
	"chacha20-poly1305@openssh.com,aes256-gcm@openssh.com",
	"chacha20-poly1305@openssh.com,aes256-gcm@openssh.com",
	"hmac-sha2-256-etm@openssh.com,hmac-sha1",
	"hmac-sha2-256-etm@openssh.com,hmac-sha1",
	"none,zlib@openssh.com", "none,zlib@openssh.com", "", "",
};
static const char *const SERVER[KX_PROP_MAX] = {
	"ecdh-sha2-nistp256,diffie-hellman-group14-sha1",
	"ssh-rsa",
	"aes128-cbc,3des-cbc", "aes128-cbc,3des-cbc",
	"hmac-sha1,hmac-md5", "hmac-sha1,hmac-md5",
	"none", "none", "", "",
};

/* A connection that owns every byte it points to (heap copies), so that
 * freeing it leaves nothing behind for a later one to lean on. */
struct owned {
	struct kx_conn c;
	struct kx_hs hs;     /* c.hs points here */
	struct kx_kexinit k[2];
	char *list[2][KX_PROP_MAX];
	char *banner[2];
};

static struct owned *
make(const char *cbanner, const char *sbanner,
    const char *const cli[KX_PROP_MAX], const char *const srv[KX_PROP_MAX])
{
	struct owned *o = calloc(1, sizeof(*o));
	const char *banners[2] = { cbanner, sbanner };
	const char *const *lists[2] = { cli, srv };

	assert_non_null(o);
	o->c.ip_version = 4;
	o->c.hs = &o->hs;
	o->c.ep[KX_CLIENT].addr[0] = 192;
	o->c.ep[KX_SERVER].addr[0] = 198;
	o->c.ep[KX_CLIENT].port = 51514;
	o->c.ep[KX_SERVER].port = 22;
	o->c.closed_by = -1;
	o->c.close_after.side = -1;
	o->c.last_step.side = -1;
	for (int s = 0; s < 2; s++) {
		struct kx_ssh_side *ss = &o->hs.ssh[s];
		const char *sp;

		ss->is_server = s == KX_SERVER;
		o->c.half[s].pkts = 4;
		o->banner[s] = strdup(banners[s]);
		assert_non_null(o->banner[s]);
		sp = strchr(banners[s] + 8, ' ');
		ss->have_banner = true;
		ss->banner = (uint8_t *)o->banner[s];
		ss->banner_len = (uint16_t)strlen(banners[s]);
		ss->proto_major = 2;
		ss->proto_off = 4;
		ss->proto_len = 3;
		ss->soft_off = 8;
		ss->soft_len = (uint16_t)(sp != NULL ? sp - banners[s] - 8 :
		    ss->banner_len - 8);
		if (sp != NULL) {
			ss->comments_off = (uint16_t)(sp + 1 - banners[s]);
			ss->comments_len = (uint16_t)(ss->banner_len - ss->comments_off);
		}
		for (int i = 0; i < KX_PROP_MAX; i++) {
			o->list[s][i] = strdup(lists[s][i]);
			assert_non_null(o->list[s][i]);
		}
		kxt_kexinit(&o->k[s], (const char *const *)o->list[s]);
		ss->kexinit = &o->k[s];
	}
	return o;
}

static void
drop(struct owned *o)
{
	for (int s = 0; s < 2; s++) {
		free(o->banner[s]);
		for (int i = 0; i < KX_PROP_MAX; i++)
			free(o->list[s][i]);
	}
	free(o);
}

/* The record as kx_report_json writes it. */
static char *
json(const struct kx_conn *c, const struct kx_verdict *v)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	assert_non_null(m);
	kx_report_json_object(m, c, v);
	assert_int_equal(fclose(m), 0);
	return buf;
}

/* p points into o's banners or lists (or is NULL). */
static bool
inside(const void *p, const struct owned *o)
{
	uintptr_t x = (uintptr_t)p;

	if (p == NULL)
		return true;
	for (int s = 0; s < 2; s++) {
		uintptr_t b = (uintptr_t)o->banner[s];

		if (x >= b && x <= b + strlen(o->banner[s]))
			return true;
		b = (uintptr_t)o->k[s].list;
		if (x >= b && x < (uintptr_t)(o->k[s].list + KX_PROP_MAX))
			return true;
		for (int i = 0; i < KX_PROP_MAX; i++) {
			b = (uintptr_t)o->list[s][i];
			if (x >= b && x <= b + strlen(o->list[s][i]))
				return true;
		}
	}
	return false;
}

static void
assert_all_inside(const struct kx_verdict *v, const struct owned *o)
{
	const struct kx_assessment *a = &v->assess;

	for (int cat = 0; cat < KX_CAT_MAX; cat++)
		assert_true(inside(v->nego.alg[cat].p, o));
	for (int s = 0; s < 2; s++) {
		for (uint32_t i = 0; i < a->weak[s].n; i++)
			assert_true(inside(a->weak[s].w[i].name.p, o));
		assert_true(inside(a->software[s].sw.version, o));
		assert_true(inside(a->software[s].sw.comments, o));
	}
	assert_true(inside(a->pq.common.p, o));
	for (uint32_t i = 0; i < a->nadvice; i++) {
		assert_true(inside(a->advice[i].server_fix.alg.p, o));
		assert_true(inside(a->advice[i].server_fix.base, o));
		assert_true(inside(a->advice[i].client_fix.alg.p, o));
		assert_true(inside(a->advice[i].client_fix.base, o));
	}
}

static void
test_hit_same_output(void **state)
{
	const char *cb = "SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13";
	const char *sb = "SSH-2.0-OpenSSH_5.3";
	struct owned *a = make(cb, sb, CLIENT, SERVER);
	struct owned *b = make(cb, sb, CLIENT, SERVER);
	struct kx_verdict *va = calloc(1, sizeof(*va));
	struct kx_verdict *vb = calloc(1, sizeof(*vb));
	uint64_t lookups, hits, hits0;
	char *ja, *jb, *fresh;

	(void)state;
	assert_non_null(va);
	assert_non_null(vb);
	kx_memo_clear();
	kx_analyze(&a->c, va);
	assert_int_equal(va->kind, KX_V_MISMATCH);
	assert_true(va->assess.nadvice > 0);
	ja = json(&a->c, va);            /* keeps the JSON parts */
	kx_memo_counts(&lookups, &hits0);

	/* b: the same bytes at other addresses; a is gone before b is
	 * reported, so nothing of b's may point into a. */
	kx_analyze(&b->c, vb);
	kx_memo_counts(&lookups, &hits);
	assert_int_equal(hits, hits0 + 1);
	drop(a);
	assert_all_inside(vb, b);
	jb = json(&b->c, vb);
	assert_string_equal(ja, jb);

	/* And what b gets computed without the memo. */
	kx_memo_clear();
	kx_analyze(&b->c, vb);
	kx_memo_counts(&lookups, &hits);
	assert_int_equal(hits, 0);
	fresh = json(&b->c, vb);
	assert_string_equal(jb, fresh);
	free(ja);
	free(jb);
	free(fresh);
	free(va);
	free(vb);
	drop(b);
	kx_memo_clear();
}

/* One byte of one list, or of a banner, differs: no hit, and the result
 * follows the difference. */
static void
test_one_byte_differs(void **state)
{
	const char *cb = "SSH-2.0-OpenSSH_9.6p1";
	const char *sb = "SSH-2.0-OpenSSH_5.3";
	const char *srv2[KX_PROP_MAX];
	struct owned *a, *b, *c;
	struct kx_verdict *v = calloc(1, sizeof(*v));
	uint64_t lookups, hits;

	(void)state;
	assert_non_null(v);
	memcpy(srv2, SERVER, sizeof(srv2));
	srv2[KX_PROP_ENC_C2S] = "aes128-cbc,3des-cbd";
	kx_memo_clear();
	a = make(cb, sb, CLIENT, SERVER);
	b = make(cb, sb, CLIENT, srv2);
	c = make(cb, "SSH-2.0-OpenSSH_5.4", CLIENT, SERVER);
	kx_analyze(&a->c, v);
	kx_analyze(&b->c, v);
	kx_analyze(&c->c, v);
	kx_memo_counts(&lookups, &hits);
	assert_int_equal(lookups, 3);
	assert_int_equal(hits, 0);
	/* b's server list ends in "3des-cbd": the weak offer named is b's. */
	kx_analyze(&b->c, v);
	kx_memo_counts(&lookups, &hits);
	assert_int_equal(hits, 1);
	assert_all_inside(v, b);
	drop(a);
	drop(b);
	drop(c);
	free(v);
	kx_memo_clear();
}

/* After kx_memo_clear (or a slot's reuse) an old reference names no
 * slot, rather than another pair's. */
static void
test_stale_reference(void **state)
{
	struct owned *a = make("SSH-2.0-OpenSSH_9.6p1", "SSH-2.0-OpenSSH_5.3",
	    CLIENT, SERVER);
	struct kx_verdict *v = calloc(1, sizeof(*v));
	char *j;

	(void)state;
	assert_non_null(v);
	kx_memo_clear();
	kx_analyze(&a->c, v);
	j = json(&a->c, v);
	assert_true(kx_memo_ref_live(&v->memo));
	assert_true(strlen(j) > 0);
	kx_memo_clear();
	assert_false(kx_memo_ref_live(&v->memo));
	free(j);
	free(v);
	drop(a);
}

/* A pair larger than KX_MEMO_KEY_MAX is never kept: analysed every time. */
static void
test_too_large_not_kept(void **state)
{
	const char *cli[KX_PROP_MAX];
	char *big = malloc(KX_MEMO_KEY_MAX + 2);
	struct owned *a;
	struct kx_verdict *v = calloc(1, sizeof(*v));
	uint64_t lookups, hits;

	(void)state;
	assert_non_null(big);
	assert_non_null(v);
	memset(big, 'a', KX_MEMO_KEY_MAX + 1);
	big[KX_MEMO_KEY_MAX + 1] = '\0';
	memcpy(cli, CLIENT, sizeof(cli));
	cli[KX_PROP_LANG_C2S] = big;
	a = make("SSH-2.0-x", "SSH-2.0-y", cli, SERVER);
	kx_memo_clear();
	kx_analyze(&a->c, v);
	assert_null(v->memo.slot);
	kx_analyze(&a->c, v);
	kx_memo_counts(&lookups, &hits);
	assert_int_equal(lookups, 2);
	assert_int_equal(hits, 0);
	drop(a);
	free(big);
	free(v);
	kx_memo_clear();
}

/* Distinct pairs past the heap budget: the least recently used go, the
 * heap never passes KX_MEMO_HEAP_MAX, the latest pair is still kept. */
static void
test_heap_budget(void **state)
{
	enum { PAIRS = 400, LIST = 7000 };
	const char *cli[KX_PROP_MAX];
	char *big = malloc(LIST + 1);
	struct kx_verdict *v = calloc(1, sizeof(*v));
	uint64_t lookups, hits;
	size_t peak = 0;

	(void)state;
	assert_non_null(big);
	assert_non_null(v);
	if (big == NULL || v == NULL)
		return;         /* not reached; tells the compiler so */
	memcpy(cli, CLIENT, sizeof(cli));
	kx_memo_clear();
	for (int i = 0; i < PAIRS; i++) {
		struct owned *a;
		char *j;

		memset(big, 'a', LIST);
		snprintf(big, LIST, "lang-%d", i);
		big[strlen(big)] = 'x';
		big[LIST] = '\0';
		cli[KX_PROP_LANG_C2S] = big;
		a = make("SSH-2.0-x", "SSH-2.0-y", cli, SERVER);
		kx_analyze(&a->c, v);
		j = json(&a->c, v);     /* stores the JSON parts too */
		free(j);
		if (kx_memo_heap() > peak)
			peak = kx_memo_heap();
		assert_true(kx_memo_heap() <= KX_MEMO_HEAP_MAX);
		if (i == PAIRS - 1) {
			kx_analyze(&a->c, v);
			kx_memo_counts(&lookups, &hits);
			assert_int_equal(hits, 1);
		}
		drop(a);
	}
	/* The budget was reached, so slots were freed to stay under it. */
	assert_true(peak > KX_MEMO_HEAP_MAX / 2);
	kx_memo_clear();
	assert_int_equal(kx_memo_heap(), 0);
	free(big);
	free(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hit_same_output),
		cmocka_unit_test(test_one_byte_differs),
		cmocka_unit_test(test_stale_reference),
		cmocka_unit_test(test_too_large_not_kept),
		cmocka_unit_test(test_heap_budget),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
