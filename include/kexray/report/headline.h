/* headline: the diagnosis of one connection in the words an admin acts
 * on: the cause (a changed host key, a path MTU black hole, a forged
 * reset, which algorithm is weak), not the TCP step that showed it. The
 * first line of a text block and of a --brief line. Formats nothing
 * else; the TCP detail stays in the verdict's reason. */
#ifndef KEXRAY_HEADLINE_H
#define KEXRAY_HEADLINE_H

#include <stddef.h>

#include "kexray/analyze/analyze.h"

/* One line into buf (always terminated). It can hold algorithm names
 * from the wire: escape it on output. */
void kx_headline(const struct kx_conn *c, const struct kx_verdict *v,
    char *buf, size_t len);

/* The weak algorithms in use ("cipher 3des-cbc (fail), mac hmac-sha1
 * (warn)") and Terrapin exposure, "" when none. Wire bytes: escape. */
void kx_headline_weak(const struct kx_verdict *v, char *buf, size_t len);

#endif
