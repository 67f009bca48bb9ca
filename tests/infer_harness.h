/* Test harness for infer.c: the encrypted segments of each TCP connection
 * in a recorded capture (its own small decoder, independent of flow.c and
 * reasm.c), and the truth files record_sessions.sh writes beside them.
 * Included by test_infer.c and infer_run.c (one translation unit each). */
#ifndef KX_INFER_HARNESS_H
#define KX_INFER_HARNESS_H

#include <stdbool.h>
#include <stdint.h>

#include "kexray/analyze/infer.h"

#define H_CONNS_MAX 64
#define H_SEGS_MAX 8192

struct h_seg {
	uint8_t dir;            /* enum kx_infer_dir */
	uint32_t size;
	uint64_t ts_us;
};

struct h_dir {
	bool seq_set;
	uint32_t next;          /* next expected sequence number */
	int stage;              /* 0 banner, 1 cleartext packets, 2 encrypted */
	char line4[4];          /* the current line's first bytes */
	uint32_t line_len;
	uint8_t hdr[6];         /* packet_length and padding_length, type */
	uint32_t hdr_len;
	uint64_t skip;          /* rest of the current cleartext packet */
	uint32_t msg;
	bool fin;
};

struct h_conn {
	uint8_t caddr[16], saddr[16];
	uint16_t cport, sport;
	int family;
	struct h_dir d[2];      /* by enum kx_infer_dir */
	bool closed;
	int closer;             /* enum kx_infer_dir or -1 */
	bool gap;
	struct h_seg *segs;
	uint32_t nsegs;
	bool segs_capped;
};

struct h_capture {
	struct h_conn conn[H_CONNS_MAX];
	uint32_t nconn;
};

/* Reads PATH; 0 on success. Connections whose client port is 22 are not
 * expected (the server listens on 22). Free with h_capture_free. */
int h_capture_read(const char *path, struct h_capture *cap);
void h_capture_free(struct h_capture *cap);

/* Feeds one connection's segments to a fresh kx_infer and judges it. */
void h_infer_conn(const struct h_conn *c, const char *const names[6],
    struct kx_infer *st, struct kx_infer_result *res);

/* One connection of a truth file (pcaps/sessions/<name>.truth.json). */
struct h_truth {
	uint16_t client_port;
	int auth_success;       /* 1, 0, or -1: no login was attempted */
	uint32_t attempts;
	char names[6][64];      /* c2s cipher, mac, compression; s2c the same */
};

/* Reads up to max connections; returns how many, -1 on error. The file is
 * sessions_truth.py's own output, read by key, not a general JSON parser. */
int h_truth_read(const char *path, struct h_truth *t, int max);

#endif
