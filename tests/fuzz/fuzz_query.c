/*
 * libFuzzer target: any bytes as a reply (hostile DNS replies). The first byte is a control
 * byte (bit 0: the reply came over TCP); the rest is the message. The question asked is the
 * one the message carries (read with ldns), so any question is accepted and the fuzzer gets
 * past the question check to record formatting, TTLs, CNAME chains, referrals and SOAs.
 * Seeds: real replies of the lab's servers (tests/fuzz/make_seeds.sh).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The message's own question, else example.com. MX. */
static void question(const uint8_t *m, size_t n, char *qname, size_t size, uint16_t *qtype)
{
	ldns_pkt *pkt = NULL;

	snprintf(qname, size, "example.com.");
	*qtype = 15;
	if (ldns_wire2pkt(&pkt, m, n) == LDNS_STATUS_OK &&
	    ldns_rr_list_rr_count(ldns_pkt_question(pkt)) > 0) {
		const ldns_rr *q = ldns_rr_list_rr(ldns_pkt_question(pkt), 0);
		char *s = ldns_rdf2str(ldns_rr_owner(q));

		if (s != NULL && strlen(s) < size) {
			snprintf(qname, size, "%s", s);
		}
		free(s);
		*qtype = (uint16_t)ldns_rr_get_type(q);
	}
	ldns_pkt_free(pkt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pt_answer a, b;
	char qname[1100], buf[512], small[24], ty[24];
	uint16_t qtype, id;
	bool tcp;

	if (size < 1) {
		return 0;
	}
	tcp = data[0] & 1;
	data++;
	size--;
	id = size >= 2 ? (uint16_t)(data[0] << 8 | data[1]) : 0;
	question(data, size, qname, sizeof(qname), &qtype);
	if (pt_query_parse(&a, data, size, id, qname, qtype, tcp) != PT_OK) {
		return 0;
	}
	/* everything a view does with an answer */
	pt_answer_summary(buf, sizeof(buf), &a, " | ");
	pt_answer_summary(small, sizeof(small), &a, ", ");
	pt_rrtype_name(qtype, ty, sizeof(ty));
	pt_rcode_name(a.rcode, ty, sizeof(ty));
	/* every EDE option: at most PT_EDE_MAX kept, their texts inside the list's allocation */
	if (a.edes) {
		const char *lo = (const char *)a.edes, *hi = lo + a.edes->size;

		if (a.edes->count == 0 || a.edes->count > PT_EDE_MAX || !a.has_ede ||
		    a.ede != a.edes->item[0].code) {
			abort();
		}
		for (unsigned i = 0; i < a.edes->count; i++) {
			const char *t = a.edes->item[i].text;

			if (t && (t < lo || t + strlen(t) >= hi || !*t)) {
				abort();
			}
		}
	} else if (a.has_ede) {
		abort();
	}
	if (pt_answer_copy(&b, &a) == PT_OK) {
		if (!pt_answer_same(&a, &b) || (a.edes == NULL) != (b.edes == NULL) ||
		    (a.edes && (a.edes->size != b.edes->size || a.edes->count != b.edes->count ||
				a.edes->more != b.edes->more))) {
			abort();
		}
		for (unsigned i = 0; a.edes && i < a.edes->count; i++) {
			const char *x = a.edes->item[i].text, *y = b.edes->item[i].text;

			if (a.edes->item[i].code != b.edes->item[i].code || (x == NULL) != (y == NULL) ||
			    (x && (x == y || strcmp(x, y) != 0))) {
				abort();
			}
		}
		pt_answer_fini(&b);
	}
	for (size_t i = 0; i < a.count; i++) {
		char *norm = NULL;
		uint32_t v;

		/* what proptrack prints reads back (as --expect or a dashboard value would) */
		if (pt_rdata_normalise(&norm, qtype, a.rdata[i]) == PT_OK) {
			free(norm);
		}
		pt_soa_serial_from_rdata(a.rdata[i], &v);
	}
	pt_answer_fini(&a);
	return 0;
}
