/* GetMetricData in the AWS JSON 1.0 protocol: the request body for one
 * metric, the newest datapoint of the answer, the error an answer names.
 * The caller signs and sends (lib/sigv4, lib/cloudwatch_http). */
#ifndef MAMORI_CLOUDWATCH_QUERY_H
#define MAMORI_CLOUDWATCH_QUERY_H
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "cloudwatch_presets.h"

#define CW_TARGET "GraniteServiceVersion20100801.GetMetricData"
#define CW_CONTENT_TYPE "application/x-amz-json-1.0"
#define CW_SERVICE "monitoring"     /* the signing name */

enum { CW_MAX_DIMS = 30 };          /* GetMetricData's limit */

struct cw_dim {
	const char *name, *value;
};

struct cw_query {
	const char *ns, *metric, *stat;
	struct cw_dim dims[CW_MAX_DIMS];
	size_t ndims;
	long period;                    /* seconds */
	time_t start, end;
	char names[CW_MAX_DIMS][256];   /* storage for the names cw_query_dims() splits off */
};

/* The dimensions: the preset's names first (NULL: none), then each arg in
 * order: NAME=VALUE sets NAME, a bare VALUE fills the preset's next name
 * still without one. NULL, or a reason (in why) for the user. */
const char *cw_query_dims(struct cw_query *q, const struct cw_preset *ps, const char *const *args, size_t nargs,
                          char *why, size_t size);

struct cw_latest {
	size_t points;                  /* datapoints in the answer */
	double time, value;             /* the newest one, when points > 0 */
	char status[32];                /* StatusCode: Complete, PartialData ... */
};

/* The JSON body, to free; NULL when a string is not valid UTF-8. */
char *cw_query_body(const struct cw_query *q);
/* NULL, or why the answer is not a GetMetricData result. */
const char *cw_parse_latest(const char *body, size_t len, struct cw_latest *out);

/* The error an answer names: the JSON body's __type (without its
 * namespace# prefix) or the x-amzn-ErrorType / x-amzn-query-error
 * header, and its message. */
struct cw_error {
	char type[96];
	char message[256];
};
void cw_parse_error(const char *body, size_t len, const char *type_header, struct cw_error *out);
bool cw_error_throttled(const struct cw_error *e, long http_code);

/* Average Sum Minimum Maximum SampleCount, pNN[.N], tmNN, wmNN, tcNN, tsNN, IQM. */
bool cw_stat_ok(const char *s);
/* Perfdata UOM for a CloudWatch unit: Percent %, Bytes B, Kilobytes KB,
 * Megabytes MB, Gigabytes GB, Terabytes TB, Seconds s, Milliseconds ms,
 * Microseconds us; anything else (Count, None, rates) none. NULL when
 * the name is not a CloudWatch unit. */
const char *cw_unit_uom(const char *unit);

#endif
