/* The host-key store (hostkeys.h): known_hosts and the learned keys, and
 * the one verdict a changed key makes. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kexray/events/hostkeys.h"
#include "kexray/input/sshlog.h"
#include "kexray/ssh/hostkey.h"

struct kx_hostkeys {
	struct kx_hostdb *known;     /* --known-hosts */
	struct kx_hostdb *learned;   /* --host-keys */
	const char *learned_path;
};

enum kx_status
kx_hostkeys_open(const char *known_path, const char *learned_path,
    struct kx_hostkeys **out)
{
	struct kx_hostkeys *hk;
	char err[256];

	*out = NULL;
	if (known_path == NULL && learned_path == NULL)
		return KX_OK;
	if ((hk = calloc(1, sizeof(*hk))) == NULL) {
		fputs("kexray: out of memory\n", stderr);
		return KX_IO;
	}
	hk->learned_path = learned_path;
	/* The state file may not exist yet: it is created and appended to
	 * as keys are learned. */
	if (known_path != NULL &&
	    kx_hostdb_load(known_path, false, &hk->known, err, sizeof(err)) != KX_OK) {
		fprintf(stderr, "kexray: --known-hosts: %s\n", err);
		goto fail;
	}
	if (learned_path != NULL &&
	    kx_hostdb_load(learned_path, true, &hk->learned, err, sizeof(err)) != KX_OK) {
		fprintf(stderr, "kexray: --host-keys: %s\n", err);
		goto fail;
	}
	if (hk->learned != NULL && kx_hostdb_journal_open(hk->learned,
	    learned_path, err, sizeof(err)) != KX_OK) {
		fprintf(stderr, "kexray: --host-keys: %s\n", err);
		kx_hostdb_free(hk->known);
		kx_hostdb_free(hk->learned);
		free(hk);
		return KX_LIMIT;
	}
	*out = hk;
	return KX_OK;
fail:
	kx_hostdb_free(hk->known);
	kx_hostdb_free(hk->learned);
	free(hk);
	return KX_IO;
}

/* A connection from an ssh -v log: no K_S, only the type and fingerprint
 * the client logged; judged against known_hosts alone (a key known by its
 * fingerprint cannot be learned into a known_hosts file). */
static bool
judge_logged(const struct kx_hostkeys *hk, const struct kx_conn *c,
    struct kx_hostkey *k)
{
	char addr[INET6_ADDRSTRLEN], name[INET6_ADDRSTRLEN + 16];
	const struct kx_logconn *lg = kx_conn_log(c);

	if (lg == NULL || lg->hostkey_fp[0] == '\0' ||
	    !lg->have_ep[KX_SERVER] || hk->known == NULL ||
	    inet_ntop(c->ip_version == 4 ? AF_INET : AF_INET6,
	    c->ep[KX_SERVER].addr, addr, sizeof(addr)) == NULL)
		return false;
	kx_hostkey_name(addr, c->ep[KX_SERVER].port, name, sizeof(name));
	k->known_hosts = kx_hostdb_check_fp(hk->known, name,
	    lg->hostkey_type, lg->hostkey_fp, k->recorded_fp);
	return k->known_hosts == KX_HK_CHANGED || k->known_hosts == KX_HK_REVOKED;
}

void
kx_hostkeys_judge(struct kx_hostkeys *hk, const struct kx_conn *c,
    struct kx_verdict *v)
{
	const struct kx_hostkey *k = &v->assess.hostkey;
	const char *file;
	char was[sizeof(v->reason)];
	bool differs;

	if (hk == NULL)
		return;
	if (kx_conn_log(c) != NULL)
		differs = judge_logged(hk, c, &v->assess.hostkey);
	else
		differs = kx_hostkey_judge(hk->known, hk->learned, c,
		    &v->assess.hostkey);
	if (!differs)
		return;
	if (v->kind != KX_V_OK && v->kind != KX_V_CLOSED &&
	    v->kind != KX_V_RESET && v->kind != KX_V_INCOMPLETE)
		return;
	file = k->known_hosts == KX_HK_CHANGED || k->known_hosts == KX_HK_REVOKED ?
	    "known_hosts" : "the --host-keys file";
	memcpy(was, v->reason, sizeof(was));
	v->kind = KX_V_HOST_KEY_CHANGED;
	snprintf(v->reason, sizeof(v->reason), "the server's host key %s "
	    "(possible man-in-the-middle, or a reinstalled server); %s",
	    (k->known_hosts == KX_HK_REVOKED || k->host_keys == KX_HK_REVOKED) ?
	    "is marked @revoked" : file[0] == 'k' ?
	    "differs from the one in known_hosts" :
	    "differs from the one kexray recorded (--host-keys)", was);
	v->problem = kx_verdict_is_problem(v->kind);
	v->outcome.kind = (uint8_t)v->kind;
}

int
kx_hostkeys_journal_fd(const struct kx_hostkeys *hk)
{
	return hk != NULL ? kx_hostdb_journal_fd(hk->learned) : -1;
}

bool
kx_hostkeys_close(struct kx_hostkeys *hk)
{
	bool ok = true;

	if (hk == NULL)
		return true;
	if (hk->learned != NULL) {
		int jerr = 0;
		uint64_t jf = kx_hostdb_journal_failed(hk->learned, &jerr);

		if (jf > 0) {
			fprintf(stderr, "kexray: --host-keys %s: %llu key%s not "
			    "saved: %s\n", hk->learned_path,
			    (unsigned long long)jf, jf == 1 ? "" : "s",
			    strerror(jerr));
			ok = false;
		}
	}
	kx_hostdb_free(hk->known);
	kx_hostdb_free(hk->learned);
	free(hk);
	return ok;
}
