/* first_kex_packet_follows (RFC 4253 7): a side may send its first
 * key-exchange packet right after its KEXINIT, guessing the method. The
 * guess is wrong when the first key-exchange algorithm or the first host
 * key algorithm of the two KEXINITs differ; the peer must then ignore
 * that packet, and the guesser sends the right one. What kexguess reads:
 * which side guessed, whether it guessed wrong, how many key-exchange
 * messages (codes 30 to 49) each side sent before its NEWKEYS, and so
 * whether the peer answered the packet it had to ignore. Pure: the two
 * KEXINITs and the two sides' message logs in, facts out. */
#ifndef KEXRAY_KEXGUESS_H
#define KEXRAY_KEXGUESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kexray/ssh/ssh.h"

struct kx_kexguess {
	bool guessed[2];     /* per side (kx_side): first_kex_packet_follows set */
	bool wrong[2];       /* that side's guess is wrong (RFC 4253 7) */
	bool strict;         /* both sides offer strict KEX (OpenSSH PROTOCOL) */
	uint8_t kex_msgs[2]; /* key-exchange method messages sent before NEWKEYS */
	/* A side's wrongly guessed packet was answered: the peer sent as
	 * many key-exchange messages as the guesser, the ignored one
	 * included (a method where each of the guesser's messages gets one
	 * reply). */
	bool answered[2];
	/* A side sent two or more key-exchange init messages of the same
	 * code before NEWKEYS without a wrong guess to explain it. */
	bool repeated[2];
};

/* client, server: the two KEXINITs (NULL: not seen, nothing guessed);
 * cs, ss: the sides' parser states (their message logs). */
void kx_kexguess_judge(const struct kx_kexinit *client,
    const struct kx_kexinit *server, const struct kx_ssh_side *cs,
    const struct kx_ssh_side *ss, struct kx_kexguess *out);

/* The message part alone, for a connection whose KEXINITs are gone:
 * kex_msgs, answered and repeated from the logs, guessed and wrong as
 * *g holds them. */
void kx_kexguess_count(const struct kx_ssh_side *cs,
    const struct kx_ssh_side *ss, struct kx_kexguess *g);

/* True when any side guessed. */
bool kx_kexguess_any(const struct kx_kexguess *g);

#endif
