/* brief_hold.h: a chained hash of held lines, keyed by the connection's
 * creation number (kx_conn.seq_no, unique within a run). */
#include <stdlib.h>
#include <string.h>

#include "kexray/report/brief_hold.h"

#define HOLD_BUCKETS 4096u   /* a power of two */

struct held {
	struct held *next;
	uint64_t id;
	size_t len;
	char line[];
};

struct kx_brief_hold {
	struct held *bucket[HOLD_BUCKETS];
	size_t n;
};

static size_t
slot(uint64_t id)
{
	/* seq_no counts up: its low bits spread well enough. */
	return (size_t)(id * 0x9E3779B97F4A7C15ull >> 52) & (HOLD_BUCKETS - 1);
}

struct kx_brief_hold *
kx_brief_hold_new(void)
{
	return calloc(1, sizeof(struct kx_brief_hold));
}

void
kx_brief_hold_free(struct kx_brief_hold *h)
{
	if (h == NULL)
		return;
	for (size_t i = 0; i < HOLD_BUCKETS; i++) {
		struct held *e = h->bucket[i], *next;

		for (; e != NULL; e = next) {
			next = e->next;
			free(e);
		}
	}
	free(h);
}

bool
kx_brief_hold_put(struct kx_brief_hold *h, uint64_t id, const char *line,
    size_t len)
{
	struct held *e;
	size_t s = slot(id);

	if (h == NULL || h->n >= KX_BRIEF_HOLD_MAX ||
	    len > SIZE_MAX - sizeof(*e) - 1 ||
	    (e = malloc(sizeof(*e) + len + 1)) == NULL)
		return false;
	e->id = id;
	e->len = len;
	memcpy(e->line, line, len);
	e->line[len] = '\0';
	e->next = h->bucket[s];
	h->bucket[s] = e;
	h->n++;
	return true;
}

bool
kx_brief_hold_write(struct kx_brief_hold *h, uint64_t id, FILE *out)
{
	struct held **pp, *e;

	if (h == NULL)
		return false;
	for (pp = &h->bucket[slot(id)]; (e = *pp) != NULL; pp = &e->next) {
		if (e->id != id)
			continue;
		*pp = e->next;
		h->n--;
		fwrite(e->line, 1, e->len, out);
		free(e);
		return true;
	}
	return false;
}
