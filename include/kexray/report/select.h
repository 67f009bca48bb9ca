/* select: which connections a person asked about (--host, --client-software,
 * --server-software). A selected-out connection is not reported, not
 * counted in the summary and not part of the exit status, as if a capture
 * filter had left it out; --only-problems, by contrast, only hides. */
#ifndef KEXRAY_SELECT_H
#define KEXRAY_SELECT_H

#include <stdbool.h>
#include <stdint.h>

#include "kexray/stream/flow.h"

/* --host values kept; each is a few bytes. */
#define KX_SELECT_HOSTS_MAX 64
/* --client-software / --server-software patterns kept per side. */
#define KX_SELECT_GLOBS_MAX 16

struct kx_select_host {
	uint8_t version;        /* 4 or 6 */
	uint8_t prefix;         /* bits compared: 32/128 for one address */
	uint8_t addr[16];       /* IPv4 in the first 4 bytes, as in kx_endpoint */
};

struct kx_select {
	uint32_t nhosts;
	struct kx_select_host host[KX_SELECT_HOSTS_MAX];
	uint32_t nglobs[2];     /* by kx_side */
	const char *glob[2][KX_SELECT_GLOBS_MAX];
};

/* Adds an address ("10.0.0.5", "2001:db8::1") or a prefix
 * ("10.0.0.0/8", "2001:db8::/32"). Returns false on a bad value or when
 * KX_SELECT_HOSTS_MAX are already given. */
bool kx_select_add_host(struct kx_select *s, const char *text);

/* Adds a glob (fnmatch(3), case-insensitive) for one side's software.
 * The string must outlive s. Returns false when KX_SELECT_GLOBS_MAX are
 * already given. */
bool kx_select_add_software(struct kx_select *s, int side, const char *glob);

/* Whether any selection is set. */
bool kx_select_active(const struct kx_select *s);

/* True when c passes every kind of selection given: either end matches
 * one --host (when any), the client's identification string matches one
 * --client-software glob (when any), the server's one --server-software
 * glob (when any). A software glob is tried against the line after
 * "SSH-protoversion-" ("OpenSSH_9.2p1 Debian-2+deb12u3") and against the
 * whole line; a side without a banner matches no glob. */
bool kx_select_match(const struct kx_select *s, const struct kx_conn *c);

#endif
