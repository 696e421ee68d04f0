#include "mtasts_fetch.h"

#include <stdio.h>
#include <string.h>

enum pt_status pt_mtasts_fetch(const char *domain, const char *address, const char *ca_file,
			       unsigned timeout_ms, size_t max_body, struct pt_http_response *resp)
{
	char host[300], url[360], pin[440];
	struct pt_http_request req = { 0 };
	size_t n;

	snprintf(host, sizeof(host), "mta-sts.%s", domain);
	n = strlen(host);
	if (n > 0 && host[n - 1] == '.') {
		host[n - 1] = '\0';
	}
	snprintf(url, sizeof(url), "https://%s/.well-known/mta-sts.txt", host);
	snprintf(pin, sizeof(pin), "%s:443:%s", host, address);
	req.url = url;
	req.resolve = pin;
	req.ca_file = ca_file;
	req.timeout_ms = timeout_ms;
	req.max_body = max_body;
	return pt_http_fetch(&req, resp);
}
