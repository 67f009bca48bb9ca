/* infer_run PCAP [TRUTH.json]: one JSON line per TCP connection of a
 * recorded session: its encrypted segments in order (for the Zeek baseline
 * in infer_score.py) and, when the truth file gives the negotiated names,
 * kexray's inference (infer.c) from those segments. */
#include <stdio.h>

#include "infer_harness.c"

static void
tri(const char *key, enum kx_infer_tri v)
{
	printf(",\"%s\":%s", key, v == KX_INFER_YES ? "true" : v == KX_INFER_NO ? "false" : "null");
}

int
main(int argc, char **argv)
{
	static struct h_capture cap;
	struct h_truth truth[H_CONNS_MAX];
	int nt = 0;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: infer_run PCAP [TRUTH.json]\n");
		return 2;
	}
	if (h_capture_read(argv[1], &cap) != 0)
		return 1;
	if (argc == 3 && (nt = h_truth_read(argv[2], truth, H_CONNS_MAX)) < 0) {
		fprintf(stderr, "%s: unreadable\n", argv[2]);
		return 1;
	}
	for (uint32_t i = 0; i < cap.nconn; i++) {
		const struct h_conn *c = &cap.conn[i];
		const char *names[6] = { NULL, NULL, NULL, NULL, NULL, NULL };

		for (int k = 0; k < nt; k++)
			if (truth[k].client_port == c->cport)
				for (int j = 0; j < 6; j++)
					names[j] = truth[k].names[j];
		printf("{\"client_port\":%u,\"closed\":%s,\"closer\":%s,\"gap\":%s,\"segs\":[",
		    c->cport, c->closed ? "true" : "false",
		    c->closer == KX_INFER_C2S ? "\"client\"" :
		    c->closer == KX_INFER_S2C ? "\"server\"" : "null",
		    c->gap ? "true" : "false");
		for (uint32_t s = 0; s < c->nsegs; s++)
			printf("%s[\"%c\",%u]", s ? "," : "", c->segs[s].dir == KX_INFER_C2S ? 'c' : 's',
			    c->segs[s].size);
		printf("]");
		if (names[0] != NULL) {
			struct kx_infer st;
			struct kx_infer_result r;

			h_infer_conn(c, names, &st, &r);
			tri("auth_success", r.auth_success);
			printf(",\"auth_attempts\":%u,\"attempts_exact\":%s,\"why\":\"%s\","
			    "\"view_c2s\":\"%s\",\"view_s2c\":\"%s\",\"failure_size\":%u,"
			    "\"none_probe\":%s,\"one_packet_s2c\":%u,\"segments_s2c\":%u,"
			    "\"inconsistent_s2c\":%u,\"inconsistent_c2s\":%u,"
			    "\"one_packet_c2s\":%u,\"segments_c2s\":%u,"
			    "\"packets_min_s2c\":%llu,\"packets_max_s2c\":%llu,"
			    "\"kind\":\"%s\",\"typed_c2s\":%u,\"typed_s2c\":%u,"
			    "\"replies\":\"%s\",\"key_accepted\":%s,\"challenge\":%s",
			    r.auth_attempts, r.attempts_exact ? "true" : "false",
			    kx_infer_why_names[r.why],
			    kx_infer_view_names[st.side[KX_INFER_C2S].view],
			    kx_infer_view_names[st.side[KX_INFER_S2C].view], r.failure_size,
			    r.none_probe ? "true" : "false", st.side[KX_INFER_S2C].one_packet,
			    st.side[KX_INFER_S2C].segments, st.side[KX_INFER_S2C].inconsistent,
			    st.side[KX_INFER_C2S].inconsistent,
			    st.side[KX_INFER_C2S].one_packet, st.side[KX_INFER_C2S].segments,
			    (unsigned long long)st.side[KX_INFER_S2C].packets_min,
			    (unsigned long long)st.side[KX_INFER_S2C].packets_max,
			    kx_infer_kind_names[kx_infer_kind(&st)],
			    st.after.typed[KX_INFER_C2S], st.after.typed[KX_INFER_S2C],
			    r.replies, r.key_accepted ? "true" : "false",
			    r.challenge ? "true" : "false");
		}
		printf("}\n");
	}
	h_capture_free(&cap);
	return 0;
}
