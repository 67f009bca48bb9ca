/* select: --host and the software globs (select.h). */
/* FNM_CASEFOLD is a GNU extension (glibc, musl and the BSDs have it). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "kexray/core/limits.h"
#include "kexray/report/select.h"
#include "kexray/input/sshlog.h"

bool
kx_select_add_host(struct kx_select *s, const char *text)
{
	struct kx_select_host h = { 0 };
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(text, '/');
	size_t alen = slash != NULL ? (size_t)(slash - text) : strlen(text);
	long bits = -1;

	if (s->nhosts >= KX_SELECT_HOSTS_MAX || alen == 0 || alen >= sizeof(buf))
		return false;
	memcpy(buf, text, alen);
	buf[alen] = '\0';
	if (inet_pton(AF_INET, buf, h.addr) == 1)
		h.version = 4;
	else if (inet_pton(AF_INET6, buf, h.addr) == 1)
		h.version = 6;
	else
		return false;
	h.prefix = h.version == 4 ? 32 : 128;
	if (slash != NULL) {
		char *end;

		bits = strtol(slash + 1, &end, 10);
		if (end == slash + 1 || *end != '\0' || bits < 0 || bits > h.prefix)
			return false;
		h.prefix = (uint8_t)bits;
	}
	s->host[s->nhosts++] = h;
	return true;
}

bool
kx_select_add_software(struct kx_select *s, int side, const char *glob)
{
	if (s->nglobs[side] >= KX_SELECT_GLOBS_MAX)
		return false;
	s->glob[side][s->nglobs[side]++] = glob;
	return true;
}

bool
kx_select_active(const struct kx_select *s)
{
	return s->nhosts > 0 || s->nglobs[0] > 0 || s->nglobs[1] > 0;
}

static bool
prefix_match(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned bytes = bits / 8, rest = bits % 8;

	if (memcmp(a, b, bytes) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((a[bytes] ^ b[bytes]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

static bool
host_match(const struct kx_select *s, const struct kx_conn *c)
{
	for (int side = 0; side < 2; side++) {
		if (kx_conn_log(c) != NULL && !kx_conn_log(c)->have_ep[side])
			continue;   /* the log does not say */
		for (uint32_t i = 0; i < s->nhosts; i++)
			if (s->host[i].version == c->ip_version &&
			    prefix_match(s->host[i].addr, c->ep[side].addr,
			    s->host[i].prefix))
				return true;
	}
	return false;
}

static bool
software_match(const struct kx_select *s, const struct kx_conn *c, int side)
{
	const struct kx_ssh_kept *ss = KX_CONN_KEPT(c, side);
	char line[KX_BANNER_KEEP + 1];
	const char *after;
	size_t n;

	if (!ss->have_banner)
		return false;
	/* fnmatch takes a C string: the line up to any NUL in it. */
	n = ss->banner_len < KX_BANNER_KEEP ? ss->banner_len : KX_BANNER_KEEP;
	memcpy(line, ss->banner, n);
	line[n] = '\0';
	after = line;
	if (ss->soft_len > 0 && ss->soft_off <= n)
		after = line + ss->soft_off;
	for (uint32_t i = 0; i < s->nglobs[side]; i++)
		if (fnmatch(s->glob[side][i], after, FNM_CASEFOLD) == 0 ||
		    fnmatch(s->glob[side][i], line, FNM_CASEFOLD) == 0)
			return true;
	return false;
}

bool
kx_select_match(const struct kx_select *s, const struct kx_conn *c)
{
	if (s->nhosts > 0 && !host_match(s, c))
		return false;
	for (int side = 0; side < 2; side++)
		if (s->nglobs[side] > 0 && !software_match(s, c, side))
			return false;
	return true;
}
