/* The frames of one connection, kept for -w (evidence.h). */
#include <stdlib.h>
#include <string.h>

#include "kexray/stream/evidence.h"

void
kx_evidence_add(struct kx_evidence **evp, int dlt, const uint8_t *frame,
    uint32_t caplen, uint32_t wirelen, uint64_t ts_us)
{
	struct kx_evidence *ev = *evp;
	struct kx_evidence_frame *f;

	if (ev == NULL) {
		if ((ev = calloc(1, sizeof(*ev))) == NULL)
			return;
		*evp = ev;
	}
	if (ev->truncated)
		return;
	if (ev->frames >= KX_EVIDENCE_FRAMES_MAX ||
	    caplen > KX_EVIDENCE_BYTES_MAX - ev->bytes ||
	    (f = malloc(sizeof(*f) + caplen)) == NULL) {
		ev->truncated = true;
		return;
	}
	f->next = NULL;
	f->ts_us = ts_us;
	f->caplen = caplen;
	f->wirelen = wirelen;
	f->dlt = dlt;
	memcpy(f->data, frame, caplen);
	if (ev->tail != NULL)
		ev->tail->next = f;
	else
		ev->head = f;
	ev->tail = f;
	ev->frames++;
	ev->bytes += caplen;
}

void
kx_evidence_free(struct kx_evidence *ev)
{
	struct kx_evidence_frame *f, *next;

	if (ev == NULL)
		return;
	for (f = ev->head; f != NULL; f = next) {
		next = f->next;
		free(f);
	}
	free(ev);
}
