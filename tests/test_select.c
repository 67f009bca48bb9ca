/* select: --host addresses and prefixes (IPv4, IPv6) at either end, the
 * software globs on each side, and how the kinds combine. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "kexray/report/select.h"

static struct kx_conn conn;
static struct kx_hs conn_hs;   /* conn.hs points here */

/* conn between a and b (same family), with the given banners. */
static const struct kx_conn *
make(int af, const char *a, const char *b, const char *cb, const char *sb)
{
	const char *banners[2] = { cb, sb };

	memset(&conn, 0, sizeof(conn));
	memset(&conn_hs, 0, sizeof(conn_hs));
	conn.hs = &conn_hs;
	conn.ip_version = af == AF_INET ? 4 : 6;
	assert_int_equal(inet_pton(af, a, conn.ep[KX_CLIENT].addr), 1);
	assert_int_equal(inet_pton(af, b, conn.ep[KX_SERVER].addr), 1);
	for (int s = 0; s < 2; s++) {
		struct kx_ssh_side *ss = &conn_hs.ssh[s];

		if (banners[s] == NULL)
			continue;
		ss->have_banner = true;
		ss->banner = (uint8_t *)(uintptr_t)banners[s];
		ss->banner_len = (uint16_t)strlen(banners[s]);
		ss->soft_off = 8;
		ss->soft_len = (uint16_t)(ss->banner_len - 8);
	}
	return &conn;
}

static void
test_host_parse(void **state)
{
	struct kx_select s;

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_false(kx_select_active(&s));
	assert_true(kx_select_add_host(&s, "10.0.0.5"));
	assert_true(kx_select_add_host(&s, "10.0.0.0/8"));
	assert_true(kx_select_add_host(&s, "2001:db8::1"));
	assert_true(kx_select_add_host(&s, "2001:db8::/32"));
	assert_true(kx_select_add_host(&s, "0.0.0.0/0"));
	assert_false(kx_select_add_host(&s, "10.0.0.0/33"));
	assert_false(kx_select_add_host(&s, "2001:db8::/129"));
	assert_false(kx_select_add_host(&s, "10.0.0.0/"));
	assert_false(kx_select_add_host(&s, "10.0.0.0/8x"));
	assert_false(kx_select_add_host(&s, "host.example"));
	assert_false(kx_select_add_host(&s, ""));
	assert_false(kx_select_add_host(&s, "/8"));
	assert_int_equal(s.nhosts, 5);
	assert_true(kx_select_active(&s));
	while (s.nhosts < KX_SELECT_HOSTS_MAX)
		assert_true(kx_select_add_host(&s, "192.0.2.1"));
	assert_false(kx_select_add_host(&s, "192.0.2.1"));
}

static void
test_host_match(void **state)
{
	struct kx_select s;

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_true(kx_select_add_host(&s, "198.51.100.22"));
	assert_true(kx_select_match(&s, make(AF_INET, "192.0.2.10",
	    "198.51.100.22", NULL, NULL)));
	/* Either end. */
	assert_true(kx_select_match(&s, make(AF_INET, "198.51.100.22",
	    "192.0.2.10", NULL, NULL)));
	assert_false(kx_select_match(&s, make(AF_INET, "192.0.2.10",
	    "198.51.100.23", NULL, NULL)));
	/* An IPv4 selection never matches IPv6 bytes that happen to agree. */
	assert_false(kx_select_match(&s, make(AF_INET6, "c633:6416::",
	    "::1", NULL, NULL)));

	memset(&s, 0, sizeof(s));
	assert_true(kx_select_add_host(&s, "198.51.100.0/22"));
	assert_true(kx_select_match(&s, make(AF_INET, "192.0.2.10",
	    "198.51.103.255", NULL, NULL)));
	assert_false(kx_select_match(&s, make(AF_INET, "192.0.2.10",
	    "198.51.104.0", NULL, NULL)));

	memset(&s, 0, sizeof(s));
	assert_true(kx_select_add_host(&s, "2001:db8:ff00::/40"));
	assert_true(kx_select_match(&s, make(AF_INET6, "2001:db8:ff12::5",
	    "::1", NULL, NULL)));
	assert_false(kx_select_match(&s, make(AF_INET6, "2001:db8:fe12::5",
	    "::1", NULL, NULL)));
}

static void
test_software(void **state)
{
	struct kx_select s;

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_true(kx_select_add_software(&s, KX_SERVER, "openssh_5*"));
	/* After "SSH-2.0-", case-insensitive. */
	assert_true(kx_select_match(&s, make(AF_INET, "192.0.2.1", "192.0.2.2",
	    "SSH-2.0-libssh2_1.7.0_DEV", "SSH-2.0-OpenSSH_5.3")));
	assert_false(kx_select_match(&s, make(AF_INET, "192.0.2.1", "192.0.2.2",
	    "SSH-2.0-OpenSSH_5.3", "SSH-2.0-OpenSSH_9.2p1")));
	/* No server banner: no match. */
	assert_false(kx_select_match(&s, make(AF_INET, "192.0.2.1", "192.0.2.2",
	    "SSH-2.0-OpenSSH_5.3", NULL)));
	/* The whole line too, and comments are part of what is matched. */
	memset(&s, 0, sizeof(s));
	assert_true(kx_select_add_software(&s, KX_CLIENT, "SSH-2.0-*"));
	assert_true(kx_select_add_software(&s, KX_SERVER, "* Debian-*"));
	assert_true(kx_select_match(&s, make(AF_INET, "192.0.2.1", "192.0.2.2",
	    "SSH-2.0-PuTTY_Release_0.78", "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3")));
	/* Both kinds must hold. */
	assert_true(kx_select_add_host(&s, "192.0.2.9"));
	assert_false(kx_select_match(&s, make(AF_INET, "192.0.2.1", "192.0.2.2",
	    "SSH-2.0-PuTTY_Release_0.78", "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3")));
	for (int i = 1; i < KX_SELECT_GLOBS_MAX; i++)
		assert_true(kx_select_add_software(&s, KX_CLIENT, "x"));
	assert_false(kx_select_add_software(&s, KX_CLIENT, "x"));
}

/* A NUL in a hostile banner ends what the glob sees; nothing past it is
 * read. */
static void
test_software_nul(void **state)
{
	static const char line[] = "SSH-2.0-Evil\0OpenSSH";
	struct kx_select s;

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_true(kx_select_add_software(&s, KX_CLIENT, "*OpenSSH*"));
	make(AF_INET, "192.0.2.1", "192.0.2.2", NULL, NULL);
	conn_hs.ssh[KX_CLIENT].have_banner = true;
	conn_hs.ssh[KX_CLIENT].banner = (uint8_t *)(uintptr_t)line;
	conn_hs.ssh[KX_CLIENT].banner_len = sizeof(line) - 1;
	conn_hs.ssh[KX_CLIENT].soft_off = 8;
	conn_hs.ssh[KX_CLIENT].soft_len = sizeof(line) - 1 - 8;
	assert_false(kx_select_match(&s, &conn));
	memset(&s, 0, sizeof(s));
	assert_true(kx_select_add_software(&s, KX_CLIENT, "evil"));
	assert_true(kx_select_match(&s, &conn));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_parse),
		cmocka_unit_test(test_host_match),
		cmocka_unit_test(test_software),
		cmocka_unit_test(test_software_nul),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
