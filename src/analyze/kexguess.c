/* first_kex_packet_follows judged as RFC 4253 7 defines it (kexguess.h). */
#include <string.h>

#include "kexray/analyze/kexguess.h"

static bool
first_name(const struct kx_namelist *nl, const uint8_t **p, uint32_t *len)
{
	uint32_t off = 0;

	return kx_namelist_next(nl, &off, p, len);
}

/* The first names of one proposal differ (or a list is empty). */
static bool
first_differs(const struct kx_kexinit *a, const struct kx_kexinit *b,
    enum kx_proposal prop)
{
	const uint8_t *pa, *pb;
	uint32_t la, lb;

	if (!first_name(&a->list[prop], &pa, &la) ||
	    !first_name(&b->list[prop], &pb, &lb))
		return true;
	return la != lb || memcmp(pa, pb, la) != 0;
}

static bool
has_name(const struct kx_namelist *nl, const char *want)
{
	const uint8_t *p;
	uint32_t off = 0, len, wl = (uint32_t)strlen(want);

	while (kx_namelist_next(nl, &off, &p, &len))
		if (len == wl && memcmp(p, want, wl) == 0)
			return true;
	return false;
}

/* Key-exchange method messages (RFC 4250 4.1.2: 30 to 49) in a side's
 * log before its NEWKEYS; whether one code came twice. */
static uint8_t
kex_msgs(const struct kx_ssh_side *s, bool *repeated)
{
	uint32_t seen = 0, n = s->msg_count < KX_MSGLOG_MAX ? s->msg_count :
	    KX_MSGLOG_MAX;
	uint8_t count = 0;

	*repeated = false;
	for (uint32_t i = 0; i < n; i++) {
		uint8_t code = s->msglog[i].code;

		if (code == KX_MSG_NEWKEYS)
			break;
		if (code < KX_MSG_KEX_FIRST || code > KX_MSG_KEX_LAST)
			continue;
		if (seen & (1u << (code - KX_MSG_KEX_FIRST)))
			*repeated = true;
		seen |= 1u << (code - KX_MSG_KEX_FIRST);
		if (count < UINT8_MAX)
			count++;
	}
	return count;
}

void
kx_kexguess_count(const struct kx_ssh_side *cs, const struct kx_ssh_side *ss,
    struct kx_kexguess *g)
{
	const struct kx_ssh_side *s[2] = { cs, ss };
	bool rep[2];

	for (int i = 0; i < 2; i++)
		g->kex_msgs[i] = kex_msgs(s[i], &rep[i]);
	for (int i = 0; i < 2; i++) {
		g->answered[i] = g->wrong[i] && g->kex_msgs[i] > 0 &&
		    g->kex_msgs[!i] >= g->kex_msgs[i];
		g->repeated[i] = rep[i] && !g->wrong[i];
	}
}

void
kx_kexguess_judge(const struct kx_kexinit *client,
    const struct kx_kexinit *server, const struct kx_ssh_side *cs,
    const struct kx_ssh_side *ss, struct kx_kexguess *out)
{
	const struct kx_kexinit *k[2] = { client, server };

	memset(out, 0, sizeof(*out));
	if (client == NULL || server == NULL)
		return;
	out->strict = has_name(&client->list[KX_PROP_KEX],
	    "kex-strict-c-v00@openssh.com") &&
	    has_name(&server->list[KX_PROP_KEX], "kex-strict-s-v00@openssh.com");
	for (int i = 0; i < 2; i++) {
		out->guessed[i] = k[i]->first_kex_follows;
		/* RFC 4253 7: "the guess is considered wrong" when the
		 * preferred (first) key exchange or host key algorithms of
		 * the two sides differ. */
		out->wrong[i] = out->guessed[i] &&
		    (first_differs(client, server, KX_PROP_KEX) ||
		    first_differs(client, server, KX_PROP_HOSTKEY));
	}
	kx_kexguess_count(cs, ss, out);
}

bool
kx_kexguess_any(const struct kx_kexguess *g)
{
	return g->guessed[0] || g->guessed[1];
}
