/*
 * libFuzzer target: a TCP byte stream as the engine reads it (RFC 1035 §4.2.2: each message
 * behind a 2-byte length; a zero length is skipped as malformed, a stream cut inside a message
 * ends it), every message through pt_query_parse() with tcp set, so TC=1 is malformed and
 * 64 KB messages are read whole. The question is the first message's (ldns), else
 * example.com. MX. Seeds: the lab's replies over one TCP connection.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char qname[1100] = "example.com.";
	uint16_t qtype = 15;
	bool first = true;
	size_t at = 0;

	while (size - at >= 2) {
		size_t len = (size_t)data[at] << 8 | data[at + 1];
		struct pt_answer a;

		at += 2;
		if (len == 0) {
			continue;
		}
		if (len > size - at) {
			break;
		}
		if (first) {
			ldns_pkt *pkt = NULL;

			if (ldns_wire2pkt(&pkt, data + at, len) == LDNS_STATUS_OK &&
			    ldns_rr_list_rr_count(ldns_pkt_question(pkt)) > 0) {
				const ldns_rr *q = ldns_rr_list_rr(ldns_pkt_question(pkt), 0);
				char *s = ldns_rdf2str(ldns_rr_owner(q));

				if (s != NULL && strlen(s) < sizeof(qname)) {
					snprintf(qname, sizeof(qname), "%s", s);
				}
				free(s);
				qtype = (uint16_t)ldns_rr_get_type(q);
			}
			ldns_pkt_free(pkt);
			first = false;
		}
		if (pt_query_parse(&a, data + at, len,
				   len >= 2 ? (uint16_t)(data[at] << 8 | data[at + 1]) : 0, qname, qtype,
				   true) == PT_OK) {
			if (a.flags & PT_FLAG_TC) {
				abort(); /* TC over TCP must never be taken */
			}
			pt_answer_fini(&a);
		}
		at += len;
	}
	return 0;
}
