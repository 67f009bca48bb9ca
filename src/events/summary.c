/* summary: counting a run's connections (summary.h). Fixed-size tables, a
 * linear scan each: they hold at most KX_SUMMARY_SOFTWARE_MAX entries, and
 * every name is compared once per connection, so the cost stays linear in
 * the KEXINIT bytes however hostile the lists are. */
#include <stdlib.h>
#include <string.h>

#include "kexray/events/summary.h"

static struct kx_summary_table *
table_new(uint32_t cap)
{
	struct kx_summary_table *t;

	t = calloc(1, sizeof(*t) + (size_t)cap * sizeof(t->item[0]));
	if (t != NULL)
		t->cap = cap;
	return t;
}

struct kx_summary *
kx_summary_new(void)
{
	struct kx_summary *s = calloc(1, sizeof(*s));
	bool ok = s != NULL;

	for (int side = 0; ok && side < 2; side++)
		ok = (s->software[side] = table_new(KX_SUMMARY_SOFTWARE_MAX)) != NULL;
	for (int ac = 0; ok && ac < KX_AC_MAX; ac++)
		for (int side = 0; ok && side < 2; side++)
			ok = (s->mismatch[ac].lacks[side] =
			    table_new(KX_SUMMARY_NAMES_MAX)) != NULL;
	if (ok)
		ok = (s->weak = table_new(KX_SUMMARY_WEAK_MAX)) != NULL;
	if (!ok) {
		kx_summary_free(s);
		return NULL;
	}
	return s;
}

void
kx_summary_free(struct kx_summary *s)
{
	if (s == NULL)
		return;
	for (int side = 0; side < 2; side++)
		free(s->software[side]);
	for (int ac = 0; ac < KX_AC_MAX; ac++)
		for (int side = 0; side < 2; side++)
			free(s->mismatch[ac].lacks[side]);
	free(s->weak);
	free(s);
}

/* Counts (p, len, cat) once for the current connection (s->conns). */
static void
table_add(struct kx_summary *s, struct kx_summary_table *t, const uint8_t *p,
    size_t len, uint8_t cat, uint8_t rating)
{
	struct kx_summary_item *it;

	if (len > KX_SUMMARY_ITEM_LEN)
		len = KX_SUMMARY_ITEM_LEN;
	for (uint32_t i = 0; i < t->n; i++) {
		it = &t->item[i];
		if (it->len != len || it->cat != cat || memcmp(it->s, p, len) != 0)
			continue;
		if (it->last != s->conns) {
			it->count++;
			it->last = s->conns;
		}
		return;
	}
	if (t->n == t->cap) {
		if (t->other_last != s->conns) {
			t->other++;
			t->other_last = s->conns;
		}
		return;
	}
	it = &t->item[t->n++];
	memcpy(it->s, p, len);
	it->len = (uint8_t)len;
	it->cat = cat;
	it->rating = rating;
	it->count = 1;
	it->last = s->conns;
	it->first = s->seq++;
}

void
kx_summary_seen(struct kx_summary *s, uint64_t ts_us)
{
	if (ts_us > s->ts_last_us)
		s->ts_last_us = ts_us;
}

size_t
kx_summary_software(const struct kx_conn *c, const struct kx_verdict *v,
    int side, uint8_t *buf, size_t len)
{
	const struct kx_ssh_kept *ss = KX_CONN_KEPT(c, side);
	const struct kx_sw *sw = &v->assess.software[side];
	const uint8_t *p;
	size_t n, vn;

	if (!ss->have_banner || len == 0)
		return 0;
	if (sw->have && sw->sw.row != NULL) {
		n = strlen(sw->sw.row->name);
		if (n > len)
			n = len;
		memcpy(buf, sw->sw.row->name, n);
		vn = sw->sw.version_len;
		if (vn > 0 && n + 1 < len) {
			buf[n++] = ' ';
			if (vn > len - n)
				vn = len - n;
			memcpy(buf + n, sw->sw.version, vn);
			n += vn;
		}
		return n;
	}
	/* Not a product kexray knows: its softwareversion as sent, or the
	 * whole line when it did not parse (RFC 4253 4.2 form). */
	if (ss->soft_len > 0) {
		p = ss->banner + ss->soft_off;
		n = ss->soft_len;
	} else {
		p = ss->banner;
		n = ss->banner_len;
	}
	if (n > len)
		n = len;
	memcpy(buf, p, n);
	return n;
}

/* The names of one list, each counted once for this connection. Key
 * exchange markers (ext-info-c, kex-strict-*) are not methods anyone
 * lacks. */
static void
count_list(struct kx_summary *s, struct kx_summary_table *t,
    const struct kx_namelist *nl, bool kex)
{
	const uint8_t *name;
	uint32_t off = 0, len;

	if (nl->len == 0)
		return;
	while (kx_namelist_next(nl, &off, &name, &len)) {
		if (len == 0 || (kex && kx_kex_is_pseudo(name, len)))
			continue;
		table_add(s, t, name, len, 0, 0);
	}
}

static void
count_mismatch(struct kx_summary *s, const struct kx_conn *c,
    const struct kx_verdict *v)
{
	const struct kx_kexinit *k[2] = { kx_conn_ssh(c, KX_CLIENT)->kexinit,
	    kx_conn_ssh(c, KX_SERVER)->kexinit };
	bool done[KX_AC_MAX] = { false };

	if (v->nego.mismatch_mask == 0 || k[0] == NULL || k[1] == NULL)
		return;
	s->mismatch_conns++;
	/* One directive counts once: the client-to-server list when that
	 * direction failed (kx_cat order has it first), else the other. */
	for (int cat = 0; cat < KX_CAT_MAX; cat++) {
		enum kx_algcat ac = kx_cat_algcat((enum kx_cat)cat);
		enum kx_proposal prop = kx_cat_proposal[cat];
		struct kx_summary_mismatch *m = &s->mismatch[ac];

		if (!(v->nego.mismatch_mask & (1u << cat)) || done[ac])
			continue;
		done[ac] = true;
		m->conns++;
		count_list(s, m->lacks[KX_CLIENT], &k[KX_SERVER]->list[prop],
		    ac == KX_AC_KEX);
		count_list(s, m->lacks[KX_SERVER], &k[KX_CLIENT]->list[prop],
		    ac == KX_AC_KEX);
	}
}

/* Negotiated algorithms rated warn or fail, on a connection that used
 * them (NEWKEYS both ways); a name agreed both ways counts once. */
static void
count_weak(struct kx_summary *s, const struct kx_verdict *v)
{
	if (!v->handshake_complete)
		return;
	for (int cat = 0; cat < KX_CAT_MAX; cat++) {
		const struct kx_algtab_row *r = v->assess.rating[cat];

		if (v->nego.res[cat] != KX_NEGO_AGREED || r == NULL ||
		    (r->rating != KX_RATE_WARN && r->rating != KX_RATE_FAIL))
			continue;
		table_add(s, s->weak, v->nego.alg[cat].p, v->nego.alg[cat].len,
		    (uint8_t)kx_cat_algcat((enum kx_cat)cat), r->rating);
	}
}

void
kx_summary_add(struct kx_summary *s, const struct kx_conn *c,
    const struct kx_verdict *v)
{
	uint8_t buf[KX_SUMMARY_ITEM_LEN];
	enum kx_verdict_kind kind = v->kind < KX_V_MAX ? v->kind : KX_V_INCOMPLETE;

	s->conns++;   /* the stamp of this connection in every table */
	s->by_verdict[kind]++;
	if (v->problem)
		s->problems++;
	if (kx_verdict_weak(v))
		s->weak_ok++;
	if (kx_verdict_forged(v))
		s->forged++;
	if (v->assess.terrapin.exposed)
		s->terrapin_exposed++;
	kx_summary_seen(s, c->ts_last);
	count_mismatch(s, c, v);
	for (int side = 0; side < 2; side++) {
		size_t n = kx_summary_software(c, v, side, buf, sizeof(buf));

		if (n == 0)
			s->no_banner[side]++;
		else
			table_add(s, s->software[side], buf, n, 0, 0);
	}
	count_weak(s, v);
}

void
kx_summary_relabel(struct kx_summary *s, enum kx_verdict_kind was_kind,
    bool was_problem, enum kx_verdict_kind now_kind, bool now_problem)
{
	if (was_kind >= KX_V_MAX || now_kind >= KX_V_MAX ||
	    s->by_verdict[was_kind] == 0 || (was_problem && s->problems == 0))
		return;
	s->by_verdict[was_kind]--;
	s->by_verdict[now_kind]++;
	s->problems = s->problems - was_problem + now_problem;
}

void
kx_summary_close(struct kx_summary *s, const struct kx_conn *c,
    const struct kx_close_info *ci)
{
	s->closed++;
	if (ci->phase < KX_PHASE_MAX)
		s->by_phase[ci->phase]++;
	if (ci->cause < KX_CAUSE_MAX)
		s->by_cause[ci->cause]++;
	if (c->close == KX_CLOSE_RST) {
		s->resets++;
		s->resets_by_verdict[kx_resets_closing_verdict(c)]++;
	}
	kx_summary_auth(s, c);
	kx_summary_seen(s, c->ts_last);
}

uint32_t
kx_summary_top(const struct kx_summary_table *t,
    const struct kx_summary_item **out, uint32_t max)
{
	uint32_t n = 0;

	/* Insertion into a list kept sorted, at most max long: n * max
	 * steps for tables of a few dozen entries. */
	for (uint32_t i = 0; i < t->n; i++) {
		const struct kx_summary_item *it = &t->item[i];
		uint32_t j = n < max ? n : max;

		while (j > 0 && (out[j - 1]->count < it->count ||
		    (out[j - 1]->count == it->count && out[j - 1]->first > it->first))) {
			if (j < max)
				out[j] = out[j - 1];
			j--;
		}
		if (j < max) {
			out[j] = it;
			if (n < max)
				n++;
		}
	}
	return n;
}
