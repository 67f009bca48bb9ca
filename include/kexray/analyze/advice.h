/* advice: for a failed negotiation, the fixes on either side
 * (kx_assessment.advice), the lines that apply them and the line each
 * OpenSSH peer logs (kx_assessment.would_log). */
#ifndef KEXRAY_ADVICE_H
#define KEXRAY_ADVICE_H

#include <stddef.h>

#include "kexray/analyze/assess.h"

/* Fills a->advice, a->nadvice and a->would_log for a negotiation that
 * failed (n->mismatch_mask != 0) with both KEXINITs seen; a->software
 * must be filled already. */
void kx_advise(const struct kx_kexinit *ck, const struct kx_kexinit *sk,
    const struct kx_nego *n, struct kx_assessment *a);

/* Lines of a fix, as raw bytes (names come from the wire; the caller
 * escapes them on output). Each returns the full length (it may exceed
 * len; then the output is cut) or 0 when the fix has no such line. */
enum kx_fix_line {
	KX_LINE_CONFIG,       /* "KexAlgorithms +name" (sshd_config or ssh_config) */
	KX_LINE_FULL,         /* "KexAlgorithms <current list>,name" */
	KX_LINE_OPTION,       /* client: "-oKexAlgorithms=+name" */
	KX_LINE_HOSTKEY,      /* server: "HostKey /etc/ssh/ssh_host_ecdsa_key" */
	KX_LINE_COMMAND,      /* server: "ssh-keygen -t ecdsa -f ... -N ''" */
	KX_LINE_MAX
};
size_t kx_fix_line(const struct kx_fix *f, enum kx_fix_line which,
    char *buf, size_t len);

/* The line OpenSSH's peer on side logs (KX_SERVER: sshd, with its
 * " [preauth]"), for the endpoint texts given. Same return convention. */
size_t kx_would_log_line(const struct kx_conn *c, const struct kx_assessment *a,
    int side, const char *peer_addr, char *buf, size_t len);

#endif
