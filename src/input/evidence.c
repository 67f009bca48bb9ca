/* The -w writer (evidence.h): the frames a connection kept (stream/
 * evidence.h) written to a pcap for Wireshark. */
#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kexray/input/evidence.h"

struct kx_evidence_writer {
	pcap_t *dead;
	pcap_dumper_t *d;
	int dlt;
	int fd;
};

int
kx_evidence_create(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY,
	    0666);

	if (fd < 0)
		fprintf(stderr, "kexray: -w %s: %s\n", path, strerror(errno));
	return fd;
}

struct kx_evidence_writer *
kx_evidence_open_fd(int fd, const char *path, int dlt)
{
	struct kx_evidence_writer *w = calloc(1, sizeof(*w));
	FILE *f = NULL;

	if (w == NULL || (f = fdopen(fd, "wb")) == NULL) {
		fprintf(stderr, "kexray: -w %s: %s\n", path, strerror(errno));
		free(w);
		close(fd);
		return NULL;
	}
	w->dlt = dlt;
	w->fd = fd;
	w->dead = pcap_open_dead_with_tstamp_precision(dlt, 262144,
	    PCAP_TSTAMP_PRECISION_MICRO);
	if (w->dead == NULL || (w->d = pcap_dump_fopen(w->dead, f)) == NULL) {
		fprintf(stderr, "kexray: -w %s: %s\n", path,
		    w->dead != NULL ? pcap_geterr(w->dead) : "cannot open");
		if (w->dead != NULL)
			pcap_close(w->dead);
		fclose(f);
		free(w);
		return NULL;
	}
	return w;
}

struct kx_evidence_writer *
kx_evidence_open(const char *path, int dlt)
{
	int fd = kx_evidence_create(path);

	return fd < 0 ? NULL : kx_evidence_open_fd(fd, path, dlt);
}

int
kx_evidence_fd(const struct kx_evidence_writer *w)
{
	return w != NULL ? w->fd : -1;
}

uint32_t
kx_evidence_write(struct kx_evidence_writer *w, const struct kx_evidence *ev)
{
	const struct kx_evidence_frame *f;
	uint32_t n = 0;

	if (ev == NULL)
		return 0;
	for (f = ev->head; f != NULL; f = f->next) {
		struct pcap_pkthdr h;

		if (f->dlt != w->dlt)
			continue;   /* another input's link type */
		h.ts.tv_sec = (time_t)(f->ts_us / 1000000u);
		h.ts.tv_usec = (suseconds_t)(f->ts_us % 1000000u);
		h.caplen = f->caplen;
		h.len = f->wirelen;
		pcap_dump((u_char *)w->d, &h, f->data);
		n++;
	}
	return n;
}

int
kx_evidence_close(struct kx_evidence_writer *w)
{
	int r = 0;

	if (w == NULL)
		return 0;
	if (pcap_dump_flush(w->d) != 0)
		r = -1;
	pcap_dump_close(w->d);
	pcap_close(w->dead);
	free(w);
	return r;
}
