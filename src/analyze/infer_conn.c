/* The pipeline's side of the inference (infer_conn.h): negotiated names
 * in, encrypted segment sizes in once each, a verdict out. */
#include <stdlib.h>
#include <string.h>

#include "kexray/analyze/infer_conn.h"
#include "kexray/analyze/memo.h"
#include "kexray/analyze/negotiate.h"
#include "kexray/stream/reasm.h"

/* Longest algorithm name kept for the lookup; a longer one is unknown
 * (every name in infer.c's tables is shorter). */
#define NAME_MAX_LEN 64u

static const char *
alg_name(const struct kx_nego *n, enum kx_cat cat, char buf[NAME_MAX_LEN])
{
	const struct kx_alg *a = &n->alg[cat];

	if (n->res[cat] != KX_NEGO_AGREED || a->p == NULL || a->len == 0 ||
	    a->len >= NAME_MAX_LEN)
		return NULL;
	memcpy(buf, a->p, a->len);
	buf[a->len] = '\0';
	return buf;
}

void
kx_infer_conn_start(struct kx_conn *c)
{
	const struct kx_kexinit *ck, *sk;
	char b[6][NAME_MAX_LEN];
	const char *nm[6] = { NULL, NULL, NULL, NULL, NULL, NULL };
	static const enum kx_cat cats[6] = {
		KX_CAT_CIPHER_C2S, KX_CAT_MAC_C2S, KX_CAT_COMP_C2S,
		KX_CAT_CIPHER_S2C, KX_CAT_MAC_S2C, KX_CAT_COMP_S2C,
	};
	struct kx_nego n;
	struct kx_memo_ref ref;

	if (c->hs == NULL || c->hs->infer != NULL || c->hs_summarised)
		return;
	ck = kx_conn_ssh(c, KX_CLIENT)->kexinit;
	sk = kx_conn_ssh(c, KX_SERVER)->kexinit;
	c->hs->infer = calloc(1, sizeof(*c->hs->infer));
	if (c->hs->infer == NULL)
		return;
	c->mem_dirty = true;
	if (ck != NULL && sk != NULL) {
		/* The pair's negotiation as its analysis keeps it (memo.h),
		 * once an earlier connection of the pair was analysed. */
		if (!kx_memo_get(c, &n, NULL, &ref))
			kx_negotiate(ck, sk, &n);
		for (int i = 0; i < 6; i++)
			nm[i] = alg_name(&n, cats[i], b[i]);
		kx_kexguess_judge(ck, sk, kx_conn_ssh(c, KX_CLIENT),
		    kx_conn_ssh(c, KX_SERVER), &c->hs->infer->guess);
		c->hs->infer->judged = true;
	}
	kx_infer_init(&c->hs->infer->st, nm[0], nm[1], nm[2], nm[3], nm[4], nm[5]);
}

void
kx_infer_conn_seg(struct kx_conn *c, enum kx_side side, uint32_t seq_end,
    uint32_t n, uint64_t ts_us)
{
	struct kx_infer_conn *ic = c->hs != NULL ? c->hs->infer : NULL;
	int s = side == KX_SERVER;

	if (ic == NULL || n == 0)
		return;
	if (ic->have_seq[s]) {
		uint32_t ahead = seq_end - ic->next_seq[s];

		/* At or before what was given (serial arithmetic, RFC 1982):
		 * a retransmission or a keep-alive probe. */
		if (ahead == 0 || ahead > 0x7fffffffu)
			return;
		if (n > ahead)
			n = ahead;
	}
	ic->have_seq[s] = true;
	ic->next_seq[s] = seq_end;
	kx_infer_add(&ic->st, s ? KX_INFER_S2C : KX_INFER_C2S, n, ts_us);
}

void
kx_infer_conn_judge(const struct kx_conn *c, struct kx_auth_view *out)
{
	struct kx_infer st;

	memset(out, 0, sizeof(*out));
	/* Only a connection whose keys are in use both ways had a login to
	 * tell of (one side's NEWKEYS alone: the other gave up). */
	if (c->hs == NULL || c->hs->infer == NULL)
		return;
	if (c->hs_summarised ? !c->hs->sum.ssh[0].newkeys ||
	    !c->hs->sum.ssh[1].newkeys :
	    !c->hs->ssh[0].newkeys || !c->hs->ssh[1].newkeys)
		return;
	st = c->hs->infer->st;
	kx_infer_end(&st, c->close == KX_CLOSE_FIN || c->close == KX_CLOSE_RST,
	    c->closed_by == KX_CLIENT ? KX_INFER_C2S :
	    c->closed_by == KX_SERVER ? KX_INFER_S2C : -1);
	out->known = true;
	kx_infer_judge(&st, &out->r);
	out->kind = kx_infer_kind(&st);
	out->view[KX_INFER_C2S] = st.side[KX_INFER_C2S].view;
	out->view[KX_INFER_S2C] = st.side[KX_INFER_S2C].view;
}

bool
kx_infer_conn_guess(const struct kx_conn *c, struct kx_kexguess *g)
{
	memset(g, 0, sizeof(*g));
	if (c->hs == NULL || c->hs->infer == NULL)
		return false;
	*g = c->hs->infer->guess;
	/* Once summarised, the counts were taken (kx_infer_conn_keep). */
	if (!c->hs_summarised)
		kx_kexguess_count(kx_conn_ssh(c, KX_CLIENT),
		    kx_conn_ssh(c, KX_SERVER), g);
	return c->hs->infer->judged;
}

void
kx_infer_conn_keep(struct kx_conn *c)
{
	if (c->hs == NULL || c->hs->infer == NULL || c->hs_summarised)
		return;
	kx_kexguess_count(&c->hs->ssh[KX_CLIENT], &c->hs->ssh[KX_SERVER],
	    &c->hs->infer->guess);
}

void
kx_infer_conn_free(struct kx_conn *c)
{
	if (c->hs == NULL)
		return;
	free(c->hs->infer);
	c->hs->infer = NULL;
}

size_t
kx_infer_conn_mem(const struct kx_conn *c)
{
	return c->hs != NULL && c->hs->infer != NULL ?
	    kx_mem_chunk(sizeof(*c->hs->infer)) : 0;
}
