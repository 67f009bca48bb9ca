/* Small helpers shared by the unit tests. */
#ifndef KX_TEST_H
#define KX_TEST_H

#include <stdint.h>
#include <string.h>

#include "kexray/ssh/ssh.h"

/* Points a name-list at a C string (no copy) and counts its names. */
static inline void
kxt_namelist(struct kx_namelist *nl, const char *s)
{
	nl->p = (const uint8_t *)s;
	nl->len = (uint32_t)strlen(s);
	nl->count = nl->len == 0 ? 0 : 1;
	for (const char *q = s; *q != '\0'; q++)
		if (*q == ',')
			nl->count++;
}

/* A KEXINIT whose ten lists are the given strings (kept by reference). */
static inline void
kxt_kexinit(struct kx_kexinit *k, const char *const lists[KX_PROP_MAX])
{
	memset(k, 0, sizeof(*k));
	for (int i = 0; i < KX_PROP_MAX; i++)
		kxt_namelist(&k->list[i], lists[i]);
}

/* Deterministic PRNG for seeded random tests (xorshift64*). */
static inline uint64_t
kxt_rand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

#endif
