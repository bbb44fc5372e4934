#include "cloudwatch_query.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"

static bool set_dim(struct cw_query *q, const char *name, const char *value)
{
	for (size_t i = 0; i < q->ndims; i++)
		if (strcmp(q->dims[i].name, name) == 0) {
			q->dims[i].value = value;
			return true;
		}
	if (q->ndims == CW_MAX_DIMS)
		return false;
	q->dims[q->ndims++] = (struct cw_dim){ name, value };
	return true;
}

const char *cw_query_dims(struct cw_query *q, const struct cw_preset *ps, const char *const *args, size_t nargs,
                          char *why, size_t size)
{
	size_t npreset = 0, used = 0;
	q->ndims = 0;
	/* a fixed "Name=Value" of the preset is split into the names storage */
	for (int d = 0; ps && d < CW_PRESET_DIMS && ps->dims[d]; d++) {
		const char *eq = strchr(ps->dims[d], '=');
		if (eq) {
			snprintf(q->names[used], sizeof q->names[used], "%.*s", (int)(eq - ps->dims[d]), ps->dims[d]);
			q->dims[q->ndims++] = (struct cw_dim){ q->names[used++], eq + 1 };
		} else {
			q->dims[q->ndims++] = (struct cw_dim){ ps->dims[d], NULL };
		}
		npreset++;
	}
	for (size_t i = 0; i < nargs; i++) {
		const char *a = args[i], *eq = strchr(a, '=');
		if (eq) {
			size_t n = (size_t)(eq - a);
			if (n == 0 || n > 255 || !eq[1] || strlen(eq + 1) > 1024 || used == CW_MAX_DIMS) {
				snprintf(why, size, "--dimension '%.100s': give NAME=VALUE (name up to 255, value up to 1024 characters)", a);
				return why;
			}
			memcpy(q->names[used], a, n);
			q->names[used][n] = '\0';
			if (!set_dim(q, q->names[used++], eq + 1)) {
				snprintf(why, size, "at most %d dimensions", CW_MAX_DIMS);
				return why;
			}
			continue;
		}
		size_t k = 0;
		while (k < npreset && q->dims[k].value)
			k++;
		if (k == npreset) {
			snprintf(why, size, "--dimension '%.100s': give NAME=VALUE (%s)", a,
			         ps ? "the preset's dimensions are all set" : "a bare value needs --preset");
			return why;
		}
		q->dims[k].value = a;
	}
	for (size_t i = 0; i < q->ndims; i++)
		if (!q->dims[i].value) {
			snprintf(why, size, "preset %s needs --dimension %s=VALUE", ps->name, q->dims[i].name);
			return why;
		}
	return NULL;
}

/* One MetricStat query, newest first so that the first page (no
 * NextToken follow-up) holds the datapoint we judge. No Unit in the
 * request: CloudWatch does not convert, a Unit other than the stored one
 * only returns nothing. */
char *cw_query_body(const struct cw_query *q)
{
	json_t *dims = json_array();
	for (size_t i = 0; i < q->ndims; i++) {
		json_t *d = json_pack("{s:s, s:s}", "Name", q->dims[i].name, "Value", q->dims[i].value);
		if (!d) {
			json_decref(dims);
			return NULL;
		}
		json_array_append_new(dims, d);
	}
	json_t *root = json_pack("{s:[{s:s, s:{s:{s:s, s:s, s:o}, s:I, s:s}, s:b}], s:I, s:I, s:s}",
	                         "MetricDataQueries",
	                         "Id", "m1",
	                         "MetricStat",
	                         "Metric", "Namespace", q->ns, "MetricName", q->metric, "Dimensions", dims,
	                         "Period", (json_int_t)q->period, "Stat", q->stat,
	                         "ReturnData", 1,
	                         "StartTime", (json_int_t)q->start, "EndTime", (json_int_t)q->end,
	                         "ScanBy", "TimestampDescending");
	char *s = root ? json_dumps(root, JSON_COMPACT) : NULL;
	json_decref(root);
	return s;
}

/* The timestamp of a datapoint: epoch seconds in the JSON protocol, an
 * ISO 8601 string from services that answer in the query style. */
static bool stamp(const json_t *t, double *out)
{
	if (json_is_number(t)) {
		*out = json_number_value(t);
		return true;
	}
	const char *s = json_string_value(t);
	struct tm tm = { 0 };
	if (!s || !strptime(s, "%Y-%m-%dT%H:%M:%S", &tm))
		return false;
	*out = (double)timegm(&tm);
	return true;
}

const char *cw_parse_latest(const char *body, size_t len, struct cw_latest *out)
{
	*out = (struct cw_latest){ 0 };
	json_error_t je;
	json_t *root = json_loadb(body, len, 0, &je);
	const char *err = NULL;
	json_t *results = json_object_get(root, "MetricDataResults");
	json_t *r = json_array_get(results, 0);
	json_t *ts = json_object_get(r, "Timestamps"), *vs = json_object_get(r, "Values");
	if (!root)
		err = "the answer is not JSON";
	else if (!json_is_array(results))
		err = "the answer has no MetricDataResults";
	else if (json_array_size(results) == 0)
		err = NULL;  /* nothing matched: no datapoints */
	else if (!json_is_array(ts) || !json_is_array(vs) || json_array_size(ts) != json_array_size(vs))
		err = "the result's Timestamps and Values do not pair up";
	const char *status = json_string_value(json_object_get(r, "StatusCode"));
	snprintf(out->status, sizeof out->status, "%s", status ? status : "");
	if (!err && r && status && (strcmp(status, "Forbidden") == 0 || strcmp(status, "InternalError") == 0)) {
		/* the query failed inside a 200 answer; its Messages say why */
		static char why[300];
		const char *msg = json_string_value(json_object_get(json_array_get(json_object_get(r, "Messages"), 0), "Value"));
		snprintf(why, sizeof why, "the result's StatusCode is %.32s%s%.200s", status, msg ? ": " : "", msg ? msg : "");
		for (char *p = why; *p; p++)
			if (*p == '\n' || *p == '\r' || *p == '|')
				*p = ' ';
		err = why;
	}
	if (!err && r) {
		for (size_t i = 0; i < json_array_size(ts) && !err; i++) {
			double t;
			json_t *v = json_array_get(vs, i);
			if (!stamp(json_array_get(ts, i), &t) || !json_is_number(v)) {
				err = "a datapoint is not a timestamp and a number";
				break;
			}
			/* newest first is asked for, but judged by the time itself */
			if (out->points == 0 || t > out->time) {
				out->time = t;
				out->value = json_number_value(v);
			}
			out->points++;
		}
	}
	json_decref(root);
	return err;
}

static void copy_type(char *dst, size_t size, const char *s)
{
	/* "com.amazonaws.cloudwatch#ThrottlingException" or
	 * "Throttling:http://internal..." or "Throttling;Sender" */
	const char *hash = strrchr(s, '#');
	if (hash)
		s = hash + 1;
	size_t n = strcspn(s, ":;");
	snprintf(dst, size, "%.*s", (int)n, s);
}

void cw_parse_error(const char *body, size_t len, const char *type_header, struct cw_error *out)
{
	*out = (struct cw_error){ "", "" };
	json_error_t je;
	json_t *root = body && len ? json_loadb(body, len, 0, &je) : NULL;
	const char *type = json_string_value(json_object_get(root, "__type"));
	if (!type)
		type = json_string_value(json_object_get(root, "code"));
	const char *msg = json_string_value(json_object_get(root, "message"));
	if (!msg)
		msg = json_string_value(json_object_get(root, "Message"));
	if (type)
		copy_type(out->type, sizeof out->type, type);
	else if (type_header)
		copy_type(out->type, sizeof out->type, type_header);
	if (msg) {
		snprintf(out->message, sizeof out->message, "%s", msg);
		for (char *p = out->message; *p; p++)
			if (*p == '\r' || *p == '\n' || *p == '|')
				*p = ' ';
	}
	json_decref(root);
}

bool cw_error_throttled(const struct cw_error *e, long http_code)
{
	static const char *const names[] = { "Throttling", "ThrottlingException", "ThrottledException",
	                                     "RequestLimitExceeded", "TooManyRequestsException", "RequestThrottled" };
	if (http_code == 429)
		return true;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(e->type, names[i]) == 0)
			return true;
	return false;
}

static bool number_tail(const char *s, double lo, double hi)
{
	char *end;
	if (!*s || strspn(s, "0123456789.") != strlen(s))
		return false;
	double v = strtod(s, &end);
	return *end == '\0' && v > lo && v < hi;
}

bool cw_stat_ok(const char *s)
{
	static const char *const plain[] = { "Average", "Sum", "Minimum", "Maximum", "SampleCount", "IQM" };
	for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++)
		if (strcmp(s, plain[i]) == 0)
			return true;
	if (s[0] == 'p')
		return number_tail(s + 1, 0, 100);
	if (strlen(s) > 2 && strchr("twp", s[0]) && strchr("mcs", s[1]) && !(s[0] == 'w' && s[1] != 'm'))
		return number_tail(s + 2, 0, 100);
	return false;
}

const char *cw_unit_uom(const char *unit)
{
	static const struct { const char *unit, *uom; } map[] = {
		{ "Percent", "%" }, { "Bytes", "B" }, { "Kilobytes", "KB" }, { "Megabytes", "MB" },
		{ "Gigabytes", "GB" }, { "Terabytes", "TB" }, { "Seconds", "s" }, { "Milliseconds", "ms" },
		{ "Microseconds", "us" }, { "Count", "" }, { "None", "" },
		{ "Bits", "" }, { "Kilobits", "" }, { "Megabits", "" }, { "Gigabits", "" }, { "Terabits", "" },
		{ "Bytes/Second", "" }, { "Kilobytes/Second", "" }, { "Megabytes/Second", "" },
		{ "Gigabytes/Second", "" }, { "Terabytes/Second", "" }, { "Bits/Second", "" },
		{ "Kilobits/Second", "" }, { "Megabits/Second", "" }, { "Gigabits/Second", "" },
		{ "Terabits/Second", "" }, { "Count/Second", "" },
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcasecmp(unit, map[i].unit) == 0)
			return map[i].uom;
	return NULL;
}
