#include <stdlib.h>

#include "kexray/events/offers.h"

struct kx_offers {
	uint32_t nsets;      /* a power of two */
	uint64_t written;
	uint64_t *id;        /* nsets * KX_OFFERS_WAYS; 0 is an empty way */
	uint8_t *next;       /* per set: the way the next new id replaces */
};

struct kx_offers *
kx_offers_new(uint32_t max)
{
	struct kx_offers *o;
	uint32_t sets = 1;

	while ((uint64_t)sets * 2 * KX_OFFERS_WAYS <= max)
		sets *= 2;
	if ((o = calloc(1, sizeof(*o))) == NULL)
		return NULL;
	o->nsets = sets;
	o->id = calloc((size_t)sets * KX_OFFERS_WAYS, sizeof(*o->id));
	o->next = calloc(sets, 1);
	if (o->id == NULL || o->next == NULL) {
		kx_offers_free(o);
		return NULL;
	}
	return o;
}

void
kx_offers_free(struct kx_offers *o)
{
	if (o == NULL)
		return;
	free(o->id);
	free(o->next);
	free(o);
}

/* The id's 64 bits, from its hex digits; never 0 (0 marks an empty way). */
static uint64_t
id_bits(const char *id)
{
	uint64_t v = 0;

	for (int i = 0; i < KX_KEXINIT_ID_LEN && id[i] != '\0'; i++) {
		char ch = id[i];

		v = v << 4 | (uint64_t)(ch >= 'a' ? ch - 'a' + 10 : ch - '0');
	}
	return v != 0 ? v : 1;
}

bool
kx_offers_first(struct kx_offers *o, const char *id)
{
	uint64_t v = id_bits(id);
	/* The id is a digest: its low bits are as good as any hash. */
	uint32_t set = (uint32_t)(v & (o->nsets - 1));
	uint64_t *ways = o->id + (size_t)set * KX_OFFERS_WAYS;

	for (uint32_t w = 0; w < KX_OFFERS_WAYS; w++)
		if (ways[w] == v)
			return false;
	ways[o->next[set]] = v;
	o->next[set] = (uint8_t)((o->next[set] + 1) % KX_OFFERS_WAYS);
	o->written++;
	return true;
}

bool
kx_offers_seen(const struct kx_offers *o, const char *id)
{
	uint64_t v = id_bits(id);
	const uint64_t *ways = o->id +
	    (size_t)(uint32_t)(v & (o->nsets - 1)) * KX_OFFERS_WAYS;

	for (uint32_t w = 0; w < KX_OFFERS_WAYS; w++)
		if (ways[w] == v)
			return true;
	return false;
}

uint64_t
kx_offers_written(const struct kx_offers *o)
{
	return o->written;
}
