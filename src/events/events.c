/* The run-wide pass over every connection's analysis (events.h). */
#include <stdlib.h>

#include "kexray/events/events.h"

struct kx_events *
kx_events_new(uint32_t brute_n, uint32_t brute_minutes,
    struct kx_hostkeys *hostkeys)
{
	struct kx_events *ev;

	if ((ev = calloc(1, sizeof(*ev))) == NULL)
		return NULL;
	ev->hostkeys = hostkeys;
	if ((ev->sum = kx_summary_new()) == NULL ||
	    (ev->offers = kx_offers_new(KX_OFFERS_MAX)) == NULL ||
	    (ev->patterns = kx_patterns_new()) == NULL ||
	    (brute_n != 0 && (ev->brute = kx_brute_new(brute_n,
	    brute_minutes)) == NULL)) {
		(void)kx_events_free(ev);
		return NULL;
	}
	return ev;
}

bool
kx_events_free(struct kx_events *ev)
{
	bool ok;

	if (ev == NULL)
		return true;
	ok = kx_hostkeys_close(ev->hostkeys);
	kx_summary_free(ev->sum);
	kx_offers_free(ev->offers);
	kx_brute_free(ev->brute);
	kx_patterns_free(ev->patterns);
	kx_brute_queue_free(ev->bq);
	free(ev);
	return ok;
}

bool
kx_events_queue_brute(struct kx_events *ev)
{
	if (ev->brute == NULL || ev->bq != NULL)
		return true;
	return (ev->bq = kx_brute_queue_new()) != NULL;
}

void
kx_events_analyze(const struct kx_events *ev, struct kx_conn *c,
    struct kx_verdict *v, bool ended)
{
	struct kx_analysis_ctx x = ev->actx;

	x.open = !ended;
	kx_analyze_with(c, &x, v);
}

bool
kx_events_handshake(struct kx_events *ev, struct kx_conn *c,
    struct kx_verdict *v, bool ended)
{
	kx_events_analyze(ev, c, v, ended);
	return kx_events_account(ev, c, v, ended);
}

bool
kx_events_depends(const struct kx_events *ev, const struct kx_conn *c,
    const struct kx_verdict *v, bool ended, enum kx_phase ph)
{
	if (ended && kx_patterns_relevant(c, ph))
		return true;
	if (v == NULL)
		return false;
	if (ev->hostkeys != NULL)
		return true;
	for (int side = 0; side < 2; side++)
		if (v->assess.have_kexinit_id[side] &&
		    !kx_offers_seen(ev->offers, v->assess.kexinit_id[side]))
			return true;
	return false;
}

bool
kx_events_account(struct kx_events *ev, struct kx_conn *c,
    struct kx_verdict *v, bool ended)
{
	/* The host key first: a changed one stays what it is on a scan's
	 * connection too (kx_patterns_as_scan). */
	kx_hostkeys_judge(ev->hostkeys, c, v);
	/* A scan reported: this connection is part of it. */
	if (ended && kx_patterns_scanning(ev->patterns, c, v->close.phase))
		kx_patterns_as_scan(v);
	c->hs_outcome = v->outcome;
	ev->counts.by_verdict[v->kind]++;
	if (v->problem)
		ev->counts.problems++;
	if (kx_verdict_weak(v))
		ev->weak++;
	kx_summary_add(ev->sum, c, v);
	if (ev->only_problems && !v->problem)
		return false;
	ev->counts.shown++;
	return true;
}

bool
kx_events_kexinit_first(struct kx_events *ev, const struct kx_verdict *v,
    int side)
{
	return v->assess.have_kexinit_id[side] &&
	    kx_offers_first(ev->offers, v->assess.kexinit_id[side]);
}

void
kx_events_ended(struct kx_events *ev, struct kx_conn *c)
{
	/* Reading files or logs, a signal cut the input: what is still open
	 * is not what the whole input would have shown. */
	if (__atomic_load_n(&ev->interrupted, __ATOMIC_ACQUIRE) &&
	    c->close == KX_CLOSE_CAPTURE_END)
		kx_anom_set(&c->anomalies, KX_ANOM_FLOW_INTERRUPTED);
}

bool
kx_events_close(struct kx_events *ev, const struct kx_conn *c,
    const struct kx_close_info *ci, bool *show, struct kx_brute_hit *hit,
    uint64_t key)
{
	bool hs_problem = kx_verdict_is_problem(
	    (enum kx_verdict_kind)c->hs_outcome.kind);
	uint32_t fails = ev->brute != NULL ? kx_brute_failed(c) : 0;
	bool brute = false;

	kx_summary_close(ev->sum, c, ci);
	/* With workers, an end the brute-force count takes waits for the
	 * ends before it in the input (brute_queue.h); counted at once when
	 * it cannot be queued. */
	if (ev->bq == NULL || !kx_brute_counts(ev->brute, c, ci->phase, fails) ||
	    !kx_brute_queue_push(ev->bq, key, c, ci->phase, fails))
		brute = kx_brute_note_failed(ev->brute, c, ci->phase, fails, hit);
	/* A problem only now (a forged RST after the handshake): counted
	 * here; the handshake's own problems were counted with its record. */
	if (ci->problem && !hs_problem)
		ev->counts.problems++;
	*show = !ev->only_problems || hs_problem || ci->problem;
	return brute;
}

bool
kx_events_brute_next(struct kx_events *ev, uint64_t watermark,
    struct kx_conn *c, struct kx_brute_hit *hit)
{
	struct kx_brute_item it;

	while (ev->bq != NULL && kx_brute_queue_pop(ev->bq, watermark, &it))
		if (kx_brute_note_failed(ev->brute, &it.conn, it.phase, it.fails,
		    hit)) {
			*c = it.conn;
			return true;
		}
	return false;
}

void
kx_events_label(const struct kx_events *ev, const struct kx_verdict *v,
    const struct kx_close_info *ci, bool hs_problem, struct kx_label *out)
{
	out->kind = (uint8_t)v->kind;
	out->problem = v->problem;
	out->close_problem = ci->problem && !hs_problem;
	out->shown = !ev->only_problems || v->problem;
	out->close_shown = !ev->only_problems || hs_problem || ci->problem;
}

void
kx_events_relabel(struct kx_events *ev, const struct kx_label *was,
    const struct kx_label *now)
{
	struct kx_run_counts *n = &ev->counts;

	if (was->kind >= KX_V_MAX || now->kind >= KX_V_MAX)
		return;
	n->by_verdict[was->kind]--;
	n->by_verdict[now->kind]++;
	n->problems -= (uint64_t)was->problem + was->close_problem;
	n->problems += (uint64_t)now->problem + now->close_problem;
	n->shown -= was->shown;
	n->shown += now->shown;
	kx_summary_relabel(ev->sum, (enum kx_verdict_kind)was->kind,
	    was->problem, (enum kx_verdict_kind)now->kind, now->problem);
}

bool
kx_events_scan_pending(const struct kx_events *ev, const struct kx_conn *c,
    enum kx_phase ph, uint64_t *window)
{
	return kx_patterns_scan_pending(ev->patterns, c, ph, window);
}

int
kx_events_patterns(struct kx_events *ev, const struct kx_conn *c,
    enum kx_phase ph, struct kx_pattern_hit hits[KX_PAT_MAX])
{
	return kx_patterns_note(ev->patterns, c, ph, hits);
}

bool
kx_events_any_problem(const struct kx_events *ev, bool fail_on_weak)
{
	return ev->counts.problems > 0 || (fail_on_weak && ev->weak > 0);
}
