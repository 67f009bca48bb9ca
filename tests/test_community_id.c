/* community_id.h against the specification's own published vectors:
 * corelight/community-id-spec, baseline/baseline_deflt.json (seed 0) and
 * baseline/baseline_seed1.json (seed 1), commit c4ec2bc4, and the
 * "Default settings" / "A custom seed=1 value" tables of baseline/README.md.
 * Every TCP vector is here (IPv4 and IPv6, both directions), and the UDP
 * and SCTP ones, which check that proto enters the hash. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "kexray/analyze/community_id.h"
#include "kexray/input/sshlog.h"

struct vec {
	uint8_t proto;
	const char *saddr, *daddr;
	uint16_t sport, dport;
	uint16_t seed;
	const char *id;
};

static const struct vec vecs[] = {
	/* baseline_deflt.json */
	{ 6, "2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a",
	  63943, 25, 0, "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=" },
	{ 6, "2607:f8b0:400c:c03::1a", "2001:470:e5bf:dead:4957:2174:e82c:4887",
	  25, 63943, 0, "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=" },
	{ 6, "128.232.110.120", "66.35.250.204", 34855, 80, 0,
	  "1:LQU9qZlK+B5F3KDmev6m5PMibrg=" },
	{ 6, "66.35.250.204", "128.232.110.120", 80, 34855, 0,
	  "1:LQU9qZlK+B5F3KDmev6m5PMibrg=" },
	{ 17, "192.168.1.52", "8.8.8.8", 54585, 53, 0,
	  "1:d/FP5EW3wiY1vCndhwleRRKHowQ=" },
	{ 132, "192.168.170.8", "192.168.170.56", 7, 7, 0,
	  "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=" },
	{ 132, "192.168.170.56", "192.168.170.8", 7, 7, 0,
	  "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=" },
	/* baseline_seed1.json */
	{ 6, "2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a",
	  63943, 25, 1, "1:eJYTW6AOzFLlSUoESovMjnu7rMw=" },
	{ 6, "2607:f8b0:400c:c03::1a", "2001:470:e5bf:dead:4957:2174:e82c:4887",
	  25, 63943, 1, "1:eJYTW6AOzFLlSUoESovMjnu7rMw=" },
	{ 6, "128.232.110.120", "66.35.250.204", 34855, 80, 1,
	  "1:3V71V58M3Ksw/yuFALMcW0LAHvc=" },
	{ 6, "66.35.250.204", "128.232.110.120", 80, 34855, 1,
	  "1:3V71V58M3Ksw/yuFALMcW0LAHvc=" },
	{ 17, "8.8.8.8", "192.168.1.52", 53, 54585, 1,
	  "1:Q9We8WO3piVF8yEQBNJF4uiSVrI=" },
	/* baseline/README.md tables */
	{ 6, "1.2.3.4", "5.6.7.8", 1122, 3344, 0, "1:wCb3OG7yAFWelaUydu0D+125CLM=" },
	{ 6, "5.6.7.8", "1.2.3.4", 3344, 1122, 0, "1:wCb3OG7yAFWelaUydu0D+125CLM=" },
	{ 6, "1.2.3.4", "5.6.7.8", 1122, 3344, 1, "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=" },
	{ 17, "1.2.3.4", "5.6.7.8", 1122, 3344, 0, "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=" },
	{ 132, "5.6.7.8", "1.2.3.4", 3344, 1122, 1, "1:uitchpn5MMGAQKBJh7bIr/bAr7s=" },
};

static int
addr_of(const char *text, uint8_t out[16])
{
	memset(out, 0, 16);
	if (inet_pton(AF_INET, text, out) == 1)
		return 4;
	if (inet_pton(AF_INET6, text, out) == 1)
		return 6;
	return 0;
}

static void
test_spec_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
		uint8_t s[16], d[16];
		char id[KX_COMMUNITY_ID_SIZE];
		int vs = addr_of(vecs[i].saddr, s), vd = addr_of(vecs[i].daddr, d);

		assert_int_not_equal(vs, 0);
		assert_int_equal(vs, vd);
		assert_true(kx_community_id(vecs[i].seed, vs, s, vecs[i].sport, d,
		    vecs[i].dport, vecs[i].proto, id));
		assert_string_equal(id, vecs[i].id);
		assert_int_equal(strlen(id), KX_COMMUNITY_ID_SIZE - 1);
	}
}

/* Equal addresses: the smaller port goes first, so both directions of a
 * connection to oneself agree; another seed gives another id. */
static void
test_order_and_seed(void **state)
{
	uint8_t a[16];
	char x[KX_COMMUNITY_ID_SIZE], y[KX_COMMUNITY_ID_SIZE];
	char z[KX_COMMUNITY_ID_SIZE];

	(void)state;
	assert_int_equal(addr_of("127.0.0.1", a), 4);
	assert_true(kx_community_id(0, 4, a, 40000, a, 22, 6, x));
	assert_true(kx_community_id(0, 4, a, 22, a, 40000, 6, y));
	assert_string_equal(x, y);
	assert_true(kx_community_id(65535, 4, a, 22, a, 40000, 6, z));
	assert_string_not_equal(x, z);
	/* Neither IPv4 nor IPv6: no id, and an empty string. */
	assert_false(kx_community_id(0, 5, a, 22, a, 40000, 6, z));
	assert_string_equal(z, "");
}

/* A connection's id takes the run's seed; a record read from a log that
 * does not name both endpoints has none. */
static void
test_conn(void **state)
{
	struct kx_conn c;
	struct kx_logconn lg;
	struct kx_hs_logged hs;
	char id[KX_COMMUNITY_ID_SIZE];

	(void)state;
	memset(&c, 0, sizeof(c));
	memset(&lg, 0, sizeof(lg));
	c.ip_version = 4;
	assert_int_equal(addr_of("66.35.250.204", c.ep[KX_SERVER].addr), 4);
	assert_int_equal(addr_of("128.232.110.120", c.ep[KX_CLIENT].addr), 4);
	c.ep[KX_SERVER].port = 80;
	c.ep[KX_CLIENT].port = 34855;
	assert_int_equal(kx_community_id_seed(), 0);
	assert_true(kx_conn_community_id(&c, id));
	assert_string_equal(id, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
	kx_community_id_set_seed(1);
	assert_true(kx_conn_community_id(&c, id));
	assert_string_equal(id, "1:3V71V58M3Ksw/yuFALMcW0LAHvc=");
	kx_community_id_set_seed(KX_COMMUNITY_ID_DEFAULT_SEED);
	lg.have_ep[KX_CLIENT] = true;
	memset(&hs, 0, sizeof(hs));
	hs.log = &lg;   /* a log's connection keeps it there */
	c.hs = &hs.hs;
	c.no_tcp_facts = true;
	assert_false(kx_conn_community_id(&c, id));
	assert_string_equal(id, "");
	lg.have_ep[KX_SERVER] = true;
	assert_true(kx_conn_community_id(&c, id));
	assert_string_equal(id, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_vectors),
		cmocka_unit_test(test_order_and_seed),
		cmocka_unit_test(test_conn),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
