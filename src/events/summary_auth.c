/* The summary's login counts (summary.h): one judgement per connection
 * that reached a NEWKEYS, as its close record states it. */
#include "kexray/analyze/infer_conn.h"
#include "kexray/events/summary.h"

void
kx_summary_auth(struct kx_summary *s, const struct kx_conn *c)
{
	struct kx_auth_view a;

	kx_infer_conn_judge(c, &a);
	if (!a.known)
		return;
	s->logins[a.r.auth_success < KX_INFER_TRI_MAX ? a.r.auth_success :
	    KX_INFER_UNKNOWN]++;
	if (a.r.auth_success != KX_INFER_UNKNOWN)
		s->login_attempts += a.r.auth_attempts;
	if (a.kind < KX_INFER_KIND_MAX)
		s->kinds[a.kind]++;
}
