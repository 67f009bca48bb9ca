/* sshlog: the matchers of OpenSSH's messages (kex.c, sshd.c, packet.c,
 * sshconnect.c, cited at each) and the dispatch of one line to them, in
 * order; the first that recognises the message takes it. How a
 * connection ends is outcome.c's. */
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "words.h"

/* kex.c proposal_names[] (OpenSSH 7 and later): the label before each
 * list of a "local/peer ... KEXINIT proposal" block, in KEXINIT order. */
static const char *const list_labels[KX_PROP_MAX] = {
	[KX_PROP_KEX] = "KEX algorithms:",
	[KX_PROP_HOSTKEY] = "host key algorithms:",
	[KX_PROP_ENC_C2S] = "ciphers ctos:",
	[KX_PROP_ENC_S2C] = "ciphers stoc:",
	[KX_PROP_MAC_C2S] = "MACs ctos:",
	[KX_PROP_MAC_S2C] = "MACs stoc:",
	[KX_PROP_COMP_C2S] = "compression ctos:",
	[KX_PROP_COMP_S2C] = "compression stoc:",
	[KX_PROP_LANG_C2S] = "languages ctos:",
	[KX_PROP_LANG_S2C] = "languages stoc:",
};

struct lconn *
kx_sshlog_conn_of(struct ctx *x)
{
	return kx_sshlog_pid_conn(x->l, x->li->have_pid ? x->li->pid : 0);
}

/* The line's connection, or a new one begun mid-way (the log starts
 * inside it, or its first lines were lost): like a capture that missed
 * the SYN. */
struct lconn *
kx_sshlog_conn_here(struct ctx *x)
{
	struct lconn *lc = kx_sshlog_conn_of(x);

	if (lc == NULL &&
	    (lc = kx_sshlog_conn_new(x->l, x->li, true, x->line_no)) != NULL) {
		lc->c.midstream = true;
		kx_anom_set(&lc->c.anomalies, KX_ANOM_FLOW_MIDSTREAM);
	}
	return lc;
}

/* A line that begins a connection: the one the PID had before is over. */
struct lconn *
kx_sshlog_conn_fresh(struct ctx *x)
{
	struct lconn *old = kx_sshlog_conn_of(x);

	if (old != NULL)
		kx_sshlog_conn_finish(x->l, old, KX_CLOSE_CAPTURE_END);
	return kx_sshlog_conn_new(x->l, x->li, true, x->line_no);
}

/* sshd.c: "Connection from A port P on B port Q[ rdomain R]" (OpenSSH 7+),
 * "Connection from A port P" (older). */
static bool
msg_connection_from(struct ctx *x, struct kx_cursor *m)
{
	struct lconn *lc;

	if (!lit(m, "Connection from ") || (lc = kx_sshlog_conn_fresh(x)) == NULL)
		return false;
	kx_sshlog_set_writer(x->l, lc, KX_SERVER);
	(void)kx_sshlog_endpoint(lc, KX_CLIENT, m);
	if (lit(m, " on "))
		(void)kx_sshlog_endpoint(lc, KX_SERVER, m);
	/* sshd accepted it: both sides were on the wire. */
	lc->info.seen[KX_CLIENT] = lc->info.seen[KX_SERVER] = true;
	return true;
}

/* sshconnect.c: "Connecting to HOST [ADDR] port P." */
static bool
msg_connecting(struct ctx *x, struct kx_cursor *m)
{
	struct lconn *lc;
	const uint8_t *p;
	size_t n;

	if (!lit(m, "Connecting to ") || (lc = kx_sshlog_conn_fresh(x)) == NULL)
		return false;
	kx_sshlog_set_writer(x->l, lc, KX_CLIENT);
	if (token(m, &p, &n) && lit(m, " [") && until(m, ']', &p, &n)) {
		uint64_t port;
		struct kx_endpoint ep;
		uint8_t ver;

		if (kx_sshlog_parse_addr(p, n, &ep, &ver) && lit(m, "] port ") &&
		    number(m, 1, 5, 65535, &port))
			kx_sshlog_put_endpoint(lc, KX_SERVER, ep, ver, port);
	}
	lc->info.seen[KX_CLIENT] = true;   /* ssh is connecting */
	return true;
}

/* sshconnect.c verify_host_key: "Server host key: TYPE SHA256:FP". The
 * type and fingerprint are kept only when both have the shape ssh prints
 * (no space, the fingerprint SHA256: and 43 base64 characters). */
static bool
msg_server_hostkey(struct ctx *x, struct kx_cursor *m)
{
	struct lconn *lc;
	const uint8_t *tp, *fp;
	size_t tn, fn;

	if (!lit(m, "Server host key: ") || (lc = kx_sshlog_conn_of(x)) == NULL)
		return false;
	if (token(m, &tp, &tn) && tn <= KX_KEYTYPE_MAX && lit(m, " ") &&
	    token(m, &fp, &fn) && fn == KX_FP_LEN && kx_cur_left(m) == 0 &&
	    memcmp(fp, "SHA256:", 7) == 0) {
		memcpy(lc->info.hostkey_type, tp, tn);
		lc->info.hostkey_type[tn] = '\0';
		memcpy(lc->info.hostkey_fp, fp, fn);
		lc->info.hostkey_fp[fn] = '\0';
	}
	return true;
}

/* sshd.c: "drop connection #N from [A]:P on [B]:Q past MaxStartups",
 * logged by the listener: the connection was accepted and closed at once,
 * before any banner. */
static bool
msg_maxstartups(struct ctx *x, struct kx_cursor *m)
{
	struct kx_cursor whole = *m;
	struct lconn *lc;
	uint64_t nth;

	if (!lit(m, "drop connection #") || !number(m, 1, 10, UINT32_MAX, &nth) ||
	    !lit(m, " from ") ||
	    (lc = kx_sshlog_conn_new(x->l, x->li, false, x->line_no)) == NULL)
		return false;
	kx_sshlog_set_writer(x->l, lc, KX_SERVER);
	(void)kx_sshlog_endpoint_bracketed(lc, KX_CLIENT, m);
	if (lit(m, " on "))
		(void)kx_sshlog_endpoint_bracketed(lc, KX_SERVER, m);
	lc->info.seen[KX_CLIENT] = true;
	/* The listener accepted it to drop it: a refusal (close.h). */
	lc->info.max_startups = find_lit(m, "past MaxStartups");
	kx_sshlog_closed(x->l, lc, KX_SERVER, KX_CLOSE_FIN, &whole);
	return true;
}

static bool
msg_banners(struct ctx *x, struct kx_cursor *m)
{
	struct lconn *lc;
	const uint8_t *p;
	size_t n;
	uint64_t maj, min;
	char head[32];
	bool sq;
	int w;

	if (lit(m, "Local version string ")) {
		/* Our own identification string, as sent. */
		if ((lc = kx_sshlog_conn_here(x)) == NULL || !rest(m, &p, &n))
			return false;
		kx_sshlog_banner(lc, kx_sshlog_writer_of(x->l, lc), "", p, n);
		return true;
	}
	if (lit(m, "Remote protocol version ")) {
		/* kex.c kex_exchange_identification: "Remote protocol version
		 * %d.%d, remote software version %.100s". */
		if ((lc = kx_sshlog_conn_here(x)) == NULL)
			return false;
		w = kx_sshlog_writer_of(x->l, lc);
		if (!number(m, 1, 3, 255, &maj) || !lit(m, ".") ||
		    !number(m, 1, 3, 255, &min) ||
		    !lit(m, ", remote software version ") || !rest(m, &p, &n))
			return true;
		snprintf(head, sizeof(head), "SSH-%u.%u-", (unsigned)maj, (unsigned)min);
		kx_sshlog_banner(lc, !w, head, p, n);
		return true;
	}
	if (lit(m, "Client protocol version ")) {
		/* sshd.c (OpenSSH 7 and older): "Client protocol version %d.%d;
		 * client software version %.100s". */
		if ((lc = kx_sshlog_conn_here(x)) == NULL)
			return false;
		kx_sshlog_set_writer(x->l, lc, KX_SERVER);
		if (!number(m, 1, 3, 255, &maj) || !lit(m, ".") ||
		    !number(m, 1, 3, 255, &min) ||
		    !lit(m, "; client software version ") || !rest(m, &p, &n))
			return true;
		snprintf(head, sizeof(head), "SSH-%u.%u-", (unsigned)maj, (unsigned)min);
		kx_sshlog_banner(lc, KX_CLIENT, head, p, n);
		return true;
	}
	if ((sq = lit(m, "Bad protocol version identification '")) ||
	    lit(m, "kex_exchange_identification: client sent invalid protocol identifier \"")) {
		/* The peer's first line was not SSH-: it goes through the
		 * banner parser as the wire had it; sshd hangs up. sshd.c
		 * quotes it in '...' (" from A port P" follows), kex.c in
		 * "...": it runs to the last of the quote that opened it, so
		 * the other quote, or its own, inside it is kept. */
		if ((lc = kx_sshlog_conn_here(x)) == NULL)
			return false;
		w = kx_sshlog_writer_of(x->l, lc);
		if (until_last(m, sq ? '\'' : '"', &p, &n))
			kx_sshlog_banner(lc, !w, "", p, n);
		kx_sshlog_closed(x->l, lc, w, KX_CLOSE_FIN, &x->msg);
		return true;
	}
	return false;
}

static bool
msg_kexinit(struct ctx *x, struct kx_cursor *m)
{
	static const struct {
		const char *text;
		int8_t writer;   /* the writer it proves, -1 none */
		int8_t side;     /* the block's side; for sent/received see below */
	} heads[] = {
		{ "local server KEXINIT proposal", KX_SERVER, KX_SERVER },
		{ "local client KEXINIT proposal", KX_CLIENT, KX_CLIENT },
		{ "peer client KEXINIT proposal", KX_SERVER, KX_CLIENT },
		{ "peer server KEXINIT proposal", KX_CLIENT, KX_SERVER },
	};
	struct lconn *lc;
	int w;

	for (size_t i = 0; i < sizeof(heads) / sizeof(heads[0]); i++) {
		if (!lit(m, heads[i].text))
			continue;
		if ((lc = kx_sshlog_conn_here(x)) == NULL)
			return false;
		kx_sshlog_set_writer(x->l, lc, heads[i].writer);
		kx_sshlog_block_begin(x->l, lc, heads[i].side);
		return true;
	}
	/* kex.c: "SSH2_MSG_KEXINIT sent" / "received". */
	if (lit(m, "SSH2_MSG_KEXINIT ")) {
		bool sent = lit(m, "sent");

		if (!sent && !lit(m, "received"))
			return false;
		if ((lc = kx_sshlog_conn_here(x)) == NULL)
			return false;
		w = kx_sshlog_writer_of(x->l, lc);
		kx_sshlog_note_step(lc, sent ? w : !w, KX_MSG_KEXINIT);
		return true;
	}
	return false;
}

/* "first_kex_follows N " / "reserved N " ends a block (kex.c kex_buf2prop). */
static bool
block_fields(struct ctx *x, struct kx_cursor *m)
{
	struct lconn *lc;
	uint64_t v;

	if (lit(m, "first_kex_follows ")) {
		if ((lc = kx_sshlog_conn_of(x)) != NULL && lc->blk.open &&
		    number(m, 1, 3, 255, &v)) {
			lc->blk.have_follows = true;
			lc->blk.follows = (uint8_t)v;
		}
		return true;
	}
	if (lit(m, "reserved ")) {
		if ((lc = kx_sshlog_conn_of(x)) != NULL && lc->blk.open)
			kx_sshlog_block_end(x->l, lc, lc->blk.have_follows);
		return true;
	}
	return false;
}

static bool
msg_lists(struct ctx *x, struct kx_cursor *m)
{
	struct lconn *lc;
	const uint8_t *p;
	size_t n;

	/* OpenSSH 5/6 kex.c kex_buf2prop: "kex_parse_kexinit: %s", ten lists
	 * then first_kex_follows and reserved, own proposal first. */
	if (lit(m, "kex_parse_kexinit:")) {
		(void)lit(m, " ");
		if (block_fields(x, m))
			return true;
		if ((lc = kx_sshlog_conn_here(x)) == NULL || !rest(m, &p, &n))
			return false;
		if (!lc->blk.open || lc->blk.side >= 0 || lc->blk.nlists == KX_PROP_MAX)
			kx_sshlog_block_begin(x->l, lc, -1);
		kx_sshlog_block_list(x->l, lc, p, n, x->li->cut);
		return true;
	}
	for (int i = 0; i < KX_PROP_MAX; i++) {
		if (!lit(m, list_labels[i]))
			continue;
		(void)lit(m, " ");
		if ((lc = kx_sshlog_conn_of(x)) == NULL || !lc->blk.open) {
			/* A list without its block's first line. */
			if (lc != NULL)
				kx_anom_set(&lc->c.anomalies, KX_ANOM_LOG_BLOCK_INCOMPLETE);
			return true;
		}
		if (lc->blk.nlists != i) {
			lc->blk.broken = true;
			kx_anom_set(&lc->c.anomalies, KX_ANOM_LOG_BLOCK_INCOMPLETE);
			return true;
		}
		if (rest(m, &p, &n))
			kx_sshlog_block_list(x->l, lc, p, n, x->li->cut);
		return true;
	}
	return block_fields(x, m);
}

static bool
msg_kex_choice(struct ctx *x, struct kx_cursor *m)
{
	struct lconn *lc;
	const uint8_t *p;
	size_t n;
	bool c2s;
	enum kx_cat cc, cm, cz;

	if (!lit(m, "kex: "))
		return false;
	if ((lc = kx_sshlog_conn_of(x)) == NULL)
		return true;
	if (lit(m, "algorithm: ")) {
		if (rest(m, &p, &n))
			kx_sshlog_stated_alg(lc, KX_CAT_KEX, p, n);
		return true;
	}
	if (lit(m, "host key algorithm: ")) {
		if (rest(m, &p, &n))
			kx_sshlog_stated_alg(lc, KX_CAT_HOSTKEY, p, n);
		return true;
	}
	if (lit(m, "client->server "))
		c2s = true;
	else if (lit(m, "server->client "))
		c2s = false;
	else
		return true;
	cc = c2s ? KX_CAT_CIPHER_C2S : KX_CAT_CIPHER_S2C;
	cm = c2s ? KX_CAT_MAC_C2S : KX_CAT_MAC_S2C;
	cz = c2s ? KX_CAT_COMP_C2S : KX_CAT_COMP_S2C;
	if (lit(m, "cipher: ")) {
		/* OpenSSH 7+: "cipher: C MAC: M compression: Z" */
		if (token(m, &p, &n))
			kx_sshlog_stated_alg(lc, cc, p, n);
		if (lit(m, " MAC: ") && token(m, &p, &n))
			kx_sshlog_stated_alg(lc, cm, p, n);
		if (lit(m, " compression: ") && token(m, &p, &n))
			kx_sshlog_stated_alg(lc, cz, p, n);
		return true;
	}
	/* OpenSSH 5/6: "C M Z" */
	if (token(m, &p, &n))
		kx_sshlog_stated_alg(lc, cc, p, n);
	if (lit(m, " ") && token(m, &p, &n))
		kx_sshlog_stated_alg(lc, cm, p, n);
	if (lit(m, " ") && token(m, &p, &n))
		kx_sshlog_stated_alg(lc, cz, p, n);
	return true;
}

/* packet.c at DEBUG3: "send packet: type N", "receive packet: type N";
 * kex.c: "SSH2_MSG_NEWKEYS sent" / "received". */
static bool
msg_packets(struct ctx *x, struct kx_cursor *m)
{
	struct lconn *lc;
	uint64_t type;
	bool sent;
	int side;

	if (lit(m, "SSH2_MSG_NEWKEYS ")) {
		if (!(sent = lit(m, "sent")) && !lit(m, "received"))
			return false;
		if ((lc = kx_sshlog_conn_here(x)) == NULL)
			return false;
		side = sent ? kx_sshlog_writer_of(x->l, lc) : !kx_sshlog_writer_of(x->l, lc);
		kx_sshlog_note_step(lc, side, KX_MSG_NEWKEYS);
		lc->hsl.hs.ssh[side].newkeys = true;
		lc->hsl.hs.ssh[side].state = KX_SSH_ENCRYPTED;
		return true;
	}
	if ((sent = lit(m, "send packet: type ")) || lit(m, "receive packet: type ")) {
		if ((lc = kx_sshlog_conn_of(x)) == NULL || !number(m, 1, 3, 255, &type))
			return lc != NULL;
		side = sent ? kx_sshlog_writer_of(x->l, lc) : !kx_sshlog_writer_of(x->l, lc);
		kx_sshlog_note_step(lc, side, lc->hsl.hs.ssh[side].newkeys ?
		    KX_STEP_ENCRYPTED : (uint8_t)type);
		return true;
	}
	return false;
}

/* sshd.c privsep: "Network child is on pid N", "User child is on pid N":
 * the connection's other processes, whose lines carry their own PIDs. */
static bool
msg_child(struct ctx *x, struct kx_cursor *m)
{
	struct lconn *lc;
	uint64_t pid;

	if (!lit(m, "Network child is on pid ") && !lit(m, "User child is on pid "))
		return false;
	if ((lc = kx_sshlog_conn_of(x)) != NULL && number(m, 1, 10, UINT32_MAX, &pid))
		kx_sshlog_pid_bind(x->l, lc, (uint32_t)pid);
	return true;
}
/* A line without level that carries only name-list bytes, right after a
 * list line of the same connection: the list wrapped onto it. */
static bool
continuation(struct kx_sshlog *l, const struct lineinfo *li,
    struct kx_cursor m)
{
	struct kx_cursor t = m;
	struct lconn *lc;
	const uint8_t *p;
	size_t n;
	uint8_t b;

	if (li->leveled || kx_cur_left(&m) == 0)
		return false;
	lc = li->prefixed ? kx_sshlog_pid_conn(l, li->have_pid ? li->pid : 0) :
	    l->prev_list;
	if (lc == NULL || !lc->last_was_list || !lc->blk.open)
		return false;
	while (kx_cur_u8(&t, &b) == KX_OK)
		if (!kx_sshlog_name_byte(b) && b != ',' && b != '@' && b != '+' && b != '=')
			return false;
	if (li->cut) {
		lc->blk.broken = true;
		kx_anom_set(&lc->c.anomalies, KX_ANOM_LOG_LINE_LIMIT);
		return true;
	}
	if (rest(&m, &p, &n))
		kx_sshlog_block_continue(l, lc, p, n);
	l->prev_list = lc;
	return true;
}

void
kx_sshlog_process_line(struct kx_sshlog *l, const uint8_t *p, size_t n,
    bool cut, uint64_t line_no)
{
	static bool (*const handlers[])(struct ctx *, struct kx_cursor *) = {
		msg_lists, msg_kexinit, msg_kex_choice, msg_packets, msg_banners,
		msg_connection_from, msg_connecting, msg_maxstartups, msg_child,
		msg_server_hostkey, kx_sshlog_msg_outcome,
	};
	struct lineinfo li = { .cut = cut };
	struct kx_cursor c, t;
	struct ctx x = { .l = l, .li = &li, .line_no = line_no };
	struct lconn *lc, *before;

	kx_cur_init(&c, p, n);
	kx_sshlog_parse_prefix(l, &c, &li);
	while (lit(&c, " "))
		;
	li.leveled = kx_sshlog_strip_level(&c);
	kx_sshlog_strip_suffix(&c);
	if (continuation(l, &li, c)) {
		l->st.recognised++;
		return;
	}
	/* A line of an open connection's PID is part of it (even when it is
	 * nothing kexray reads). */
	before = kx_sshlog_pid_conn(l, li.have_pid ? li.pid : 0);
	if (before != NULL) {
		before->last_was_list = false;
		kx_sshlog_touch(l, before);
		before->info.last_line = line_no;
		if (li.have_ts) {
			if (!before->info.have_ts) {
				before->info.have_ts = true;
				before->c.ts_first = li.ts_us;
			}
			before->c.ts_last = li.ts_us;
		}
	}
	x.msg = c;
	for (size_t i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++) {
		t = c;
		if (handlers[i](&x, &t)) {
			l->st.recognised++;
			break;
		}
	}
	/* The connection the line went to, if it is still open. */
	lc = kx_sshlog_pid_conn(l, li.have_pid ? li.pid : 0);
	l->prev_list = lc != NULL && lc->last_was_list ? lc : NULL;
	/* The memory cap: report the least recently active connections
	 * early (never the one this line went to). */
	while (l->held > KX_SSHLOG_HELD_MAX && l->head != NULL && l->head != lc)
		kx_sshlog_evict(l, l->head);
}
