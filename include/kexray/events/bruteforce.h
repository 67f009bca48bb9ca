/* bruteforce: many connections from one source to one server that end
 * before a session (phase auth or earlier), or many failed logins (as the
 * encrypted sizes count them, over one connection or many), within a window, counted per
 * source and server in a bounded table and reported once per pair, as
 * Zeek's SSH::Password_Guessing notice does (defaults from Zeek's
 * policy/protocols/ssh/detect-bruteforcing.zeek: password_guesses_limit 30,
 * guessing_timeout 30 min). Judges; formats nothing. */
#ifndef KEXRAY_BRUTEFORCE_H
#define KEXRAY_BRUTEFORCE_H

#include <stdbool.h>
#include <stdint.h>

#include "kexray/analyze/close.h"
#include "kexray/stream/flow.h"

#define KX_BRUTE_DEFAULT_COUNT 30
#define KX_BRUTE_DEFAULT_MINUTES 30
/* --bruteforce N/MINUTES bounds: a window longer than a day is no longer
 * "a burst", and a count above a million is never reached by one source. */
#define KX_BRUTE_COUNT_MAX 1000000u
#define KX_BRUTE_MINUTES_MAX 1440u

/* What a report says: the pair, how many connections in the window (when
 * the threshold was crossed), and in which phases they ended. */
struct kx_brute_hit {
	uint8_t ip_version;
	uint8_t src[16], dst[16];
	uint16_t dport;            /* server port of the connection that crossed */
	uint32_t count;
	/* failed logins in those connections and in sessions after them,
	 * as their encrypted sizes counted them (infer_conn.h) */
	uint32_t attempts;
	bool by_attempts;          /* crossed by attempts, not connections */
	uint32_t threshold;
	uint32_t window_min;
	uint64_t first_ts, last_ts;
	uint32_t phases[KX_PHASE_MAX];
};

struct kx_brute;

/* threshold connections within minutes; NULL on no memory. */
struct kx_brute *kx_brute_new(uint32_t threshold, uint32_t minutes);
void kx_brute_free(struct kx_brute *b);

/* The failed logins kx_brute_note counts for c (its encrypted sizes,
 * infer_conn.h): read from what c points to, so taken before c is gone. */
uint32_t kx_brute_failed(const struct kx_conn *c);
/* Whether kx_brute_note would count c (ended this way, in phase ph, with
 * fails from kx_brute_failed). */
bool kx_brute_counts(const struct kx_brute *b, const struct kx_conn *c,
    enum kx_phase ph, uint32_t fails);
/* Counts c, which ended in phase ph, when it ended before a session (FIN,
 * RST or timeout in phase tcp to auth), and its failed logins (also those
 * before a session). Returns true, and fills *hit, the one time its
 * source and server cross the threshold in connections or in attempts. */
bool kx_brute_note(struct kx_brute *b, const struct kx_conn *c,
    enum kx_phase ph, struct kx_brute_hit *hit);
/* The same with fails given (kx_brute_failed, taken earlier): only c's own
 * fields are read (a copy whose pointers are NULL will do). */
bool kx_brute_note_failed(struct kx_brute *b, const struct kx_conn *c,
    enum kx_phase ph, uint32_t fails, struct kx_brute_hit *hit);

/* Pairs dropped from the full table (KX_BRUTE_PAIRS_MAX) to make room. */
uint64_t kx_brute_evicted(const struct kx_brute *b);

/* "30/30" -> 30 connections in 30 minutes. false on anything else. */
bool kx_brute_parse(const char *arg, uint32_t *count, uint32_t *minutes);

#endif
