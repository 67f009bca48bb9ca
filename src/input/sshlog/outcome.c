/* sshlog: how connections end, in sshd's and ssh's words: who closed or
 * reset, the outcome line kept for the reports, the categories of an
 * "Unable to negotiate" and the DISCONNECT a peer sent. */
#include <stdlib.h>

#include "internal.h"
#include "words.h"

/* Categories of the failures sshd and ssh log (ssherr.c texts after
 * "Unable to negotiate with ...: ", and OpenSSH 5/6's fatal() words). */
static uint16_t
failure_cats(struct kx_cursor m)
{
#define CATS2(a, b) (uint16_t)(1u << (a) | 1u << (b))
	static const struct {
		const char *words;
		uint16_t cats;
	} tab[] = {
		{ "no matching key exchange method found", 1u << KX_CAT_KEX },
		{ "Unable to negotiate a key exchange method", 1u << KX_CAT_KEX },
		{ "no matching host key type found", 1u << KX_CAT_HOSTKEY },
		{ "no hostkey alg", 1u << KX_CAT_HOSTKEY },
		{ "no matching cipher found",
		    CATS2(KX_CAT_CIPHER_C2S, KX_CAT_CIPHER_S2C) },
		{ "no matching MAC found", CATS2(KX_CAT_MAC_C2S, KX_CAT_MAC_S2C) },
		{ "no matching mac found", CATS2(KX_CAT_MAC_C2S, KX_CAT_MAC_S2C) },
		{ "no matching compression method found",
		    CATS2(KX_CAT_COMP_C2S, KX_CAT_COMP_S2C) },
		{ "no matching comp found",
		    CATS2(KX_CAT_COMP_C2S, KX_CAT_COMP_S2C) },
	};
#undef CATS2

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		struct kx_cursor t = m;

		if (find_lit(&t, tab[i].words))
			return tab[i].cats;
	}
	return 0;
}


/* How connections end, in sshd's and ssh's words. */
bool
kx_sshlog_msg_outcome(struct ctx *x, struct kx_cursor *m)
{
	struct kx_sshlog *l = x->l;
	struct lconn *lc = kx_sshlog_conn_of(x);
	struct kx_cursor t = *m;
	uint64_t reason;
	int w;

	if (lit(&t, "Unable to negotiate") || lit(&t, "no hostkey alg") ||
	    lit(&t, "no matching cipher found") ||
	    lit(&t, "no matching mac found") || lit(&t, "no matching comp found")) {
		/* packet.c sshpkt_vfatal / OpenSSH 5 kex.c: the writer gives up. */
		if (lc == NULL && (lc = kx_sshlog_conn_here(x)) == NULL)
			return false;
		lc->st.failed |= failure_cats(*m);
		/* Before kx_sshlog_closed(), which reports it: the categories and the
		 * peer's list, the one thing an INFO log gives of the
		 * proposals. */
		kx_sshlog_set_outcome(lc, &x->msg);
		lc->info.failed_cats = (uint8_t)lc->st.failed;
		kx_sshlog_offer_in_outcome(&lc->info);
		kx_sshlog_closed(l, lc, kx_sshlog_writer_of(l, lc), KX_CLOSE_FIN, &x->msg);
		return true;
	}
	if (lc == NULL)
		return false;
	w = kx_sshlog_writer_of(l, lc);
	if (lit(&t, "Accepted ") && find_lit(&t, " for ")) {
		/* auth.c: authenticated; the session follows, encrypted. */
		kx_sshlog_note_step(lc, KX_SERVER, KX_STEP_ENCRYPTED);
		lc->info.authenticated = true;   /* close.h: phase session */
		return true;
	}
	if (lit(&t, "Authenticated to ")) {
		/* sshconnect2.c, the client's word for the same. */
		lc->info.authenticated = true;
		return true;
	}
	if (lit(&t, "Connection established.")) {
		/* sshconnect.c: connect() returned: the server answered. */
		lc->info.seen[KX_SERVER] = true;
		return true;
	}
	if (lit(&t, "Received disconnect from ")) {
		/* "Received disconnect from A port P:R: DESC" (7+),
		 * "Received disconnect from A: R: DESC" (older). A DISCONNECT
		 * before the sender's NEWKEYS was cleartext: the packet path
		 * would have decoded it too. */
		struct kx_ssh_side *s = &lc->hsl.hs.ssh[!w];
		const uint8_t *p;
		size_t n;
		uint64_t port;
		bool parsed;

		if (find_lit(&t, " port "))
			parsed = number(&t, 1, 5, 65535, &port) && lit(&t, ":");
		else
			parsed = until(&t, ':', &p, &n) && lit(&t, ": ");
		parsed = parsed && number(&t, 1, 10, UINT32_MAX, &reason) &&
		    lit(&t, ":");
		if (parsed && !s->newkeys && !s->have_disconnect) {
			(void)lit(&t, " ");
			s->have_disconnect = true;
			s->disc_reason = (uint32_t)reason;
			if (rest(&t, &p, &n)) {
				uint8_t *d = malloc(KX_DISC_DESC_KEEP);

				if (d != NULL) {
					s->disc_desc_len = (uint16_t)kx_sshlog_unvis(p, n, d,
					    KX_DISC_DESC_KEEP);
					s->disc_desc = d;
				}
			}
		}
		kx_sshlog_closed(l, lc, !w, KX_CLOSE_FIN, &x->msg);
		return true;
	}
	if (lit(&t, "Connection closed by ") ||
	    lit(&t, "kex_exchange_identification: Connection closed by remote host") ||
	    lit(&t, "Did not receive identification string") ||
	    lit(&t, "Disconnected from ")) {
		kx_sshlog_closed(l, lc, !w, KX_CLOSE_FIN, &x->msg);
		return true;
	}
	if (lit(&t, "Connection reset by ") || find_lit(&t, ": Connection reset by peer")) {
		kx_sshlog_closed(l, lc, !w, KX_CLOSE_RST, &x->msg);
		return true;
	}
	if (lit(&t, "Timeout before authentication") || lit(&t, "Disconnecting ") ||
	    lit(&t, "ssh_dispatch_run_fatal: ") || lit(&t, "banner exchange: ")) {
		kx_sshlog_closed(l, lc, w, KX_CLOSE_FIN, &x->msg);
		return true;
	}
	if (w == KX_CLIENT) {
		/* clientloop.c: the session is over and ssh hangs up. */
		if (lit(&t, "Transferred: sent ")) {
			kx_sshlog_closed(l, lc, KX_CLIENT, KX_CLOSE_FIN, &x->msg);
			return true;
		}
		/* sshconnect.c: "ssh: connect to host H port P: ERR". */
		(void)lit(&t, "ssh: ");
		if (lit(&t, "connect to host ")) {
			if (find_lit(&t, ": Connection refused"))
				kx_sshlog_closed(l, lc, KX_SERVER, KX_CLOSE_RST, &x->msg);
			else
				kx_sshlog_closed(l, lc, -1, KX_CLOSE_TIMEOUT, &x->msg);
			return true;
		}
	}
	return false;
}

