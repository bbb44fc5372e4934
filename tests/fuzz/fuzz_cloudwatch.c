/* CloudWatch's answers (a GetMetricData result or an error body, from the
 * network) and the SigV4 canonicalisation of any path, query and header
 * values: parsed or refused, never a crash; a signature is deterministic.
 * SOURCES: lib/cloudwatch_query.c lib/cloudwatch_presets.c lib/sigv4.c
 * LIBS: -ljansson -lcrypto */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cloudwatch_query.h"
#include "sigv4.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;
	struct cw_latest latest;
	memset(&latest, 0, sizeof latest);
	(void)cw_parse_latest(body, size, &latest);
	struct cw_error e;
	char *hdr = strndup(body, size < 200 ? size : 200);
	cw_parse_error(body, size, hdr, &e);
	(void)cw_error_throttled(&e, 400);
	(void)cw_stat_ok(hdr);

	/* the input split at NULs: path, query, a header value */
	char *parts[3] = { 0 };
	const char *p = body, *end = body + size;
	for (int i = 0; i < 3; i++) {
		const char *z = memchr(p, '\0', (size_t)(end - p));
		size_t n = z ? (size_t)(z - p) : (size_t)(end - p);
		parts[i] = strndup(p, n);
		p = z ? z + 1 : end;
	}
	struct sigv4_header h[] = { { "host", "monitoring.us-east-1.amazonaws.com" },
	                            { "x-amz-date", "20261123T000000Z" }, { "x-custom", parts[2] } };
	struct sigv4_request r = { "POST", parts[0], parts[1], h, 3, body, size };
	struct sigv4_key k = { "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "us-east-1", "monitoring" };
	struct sigv4_result a, b;
	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	const char *ea = sigv4_sign(&r, &k, "20261123T000000Z", &a);
	const char *eb = sigv4_sign(&r, &k, "20261123T000000Z", &b);
	if (!ea != !eb)
		abort();
	sigv4_result_free(&a);
	sigv4_result_free(&b);
	for (int i = 0; i < 3; i++)
		free(parts[i]);
	free(hdr);
	return 0;
}
