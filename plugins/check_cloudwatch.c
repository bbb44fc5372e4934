/* check_cloudwatch: the newest datapoint of one CloudWatch metric, from
 * GetMetricData over HTTPS signed with SigV4 (no SDK), judged with -w/-c.
 * lib/cloudwatch_presets names common metrics, lib/aws_creds finds the
 * credentials, lib/cloudwatch_query builds the request and reads the
 * answer, lib/cloudwatch_client signs, sends and retries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aws_creds.h"
#include "cloudwatch_client.h"
#include "cloudwatch_presets.h"
#include "cloudwatch_query.h"
#include "num.h"
#include "options.h"
#include "plugin.h"
#include "range.h"
#include "secret.h"
#include "timeout.h"

enum { OPT_REGION = 256, OPT_PROFILE, OPT_ENDPOINT, OPT_CAFILE, OPT_WINDOW, OPT_NODATA, OPT_UNIT, OPT_LIST };

struct config {
	const char *preset_name, *ns, *metric, *stat, *unit, *region, *profile, *endpoint, *ca_file;
	const char *dim_args[CW_MAX_DIMS];
	size_t ndim_args;
	long period, window;
	struct range warn, crit;
	enum state no_data;
	bool list;
};

static const struct option_spec options[] = {
	{ "preset", 'P', "NAME", "A named metric (rds-cpu, alb-5xx ...: see --list-presets) that sets the\n"
	  "namespace, metric, dimension names, statistic and unit; options given too win" },
	{ "namespace", 'N', "NAMESPACE", "Metric namespace, e.g. AWS/RDS" },
	{ "metric", 'm', "NAME", "Metric name, e.g. CPUUtilization" },
	{ "dimension", 'd', "NAME=VALUE", "A dimension of the metric (repeatable). With --preset, a bare VALUE\n"
	  "fills the preset's next dimension: -P rds-cpu -d mydb" },
	{ "statistic", 's', "STAT", "Average (default), Sum, Minimum, Maximum, SampleCount, or a\n"
	  "percentile pNN (p99, p99.9)" },
	{ "period", 'p', "SECONDS", "Length of one datapoint: 60 or a multiple of it, or 1, 5, 10, 30\n"
	  "for high-resolution metrics (default 300)" },
	{ "window", OPT_WINDOW, "SECONDS", "How far back to look for the newest datapoint (default three\n"
	  "periods: CloudWatch publishes some metrics minutes late)" },
	{ "warning", 'w', "RANGE", "WARNING when the newest value is outside RANGE" },
	{ "critical", 'c', "RANGE", "CRITICAL when the newest value is outside RANGE" },
	{ "unit", OPT_UNIT, "UNIT", "CloudWatch unit of the metric (Percent, Bytes, Seconds, Count ...),\n"
	  "for the perfdata unit; it is not sent (CloudWatch does not convert)" },
	{ "no-data", OPT_NODATA, "STATE", "State when the window holds no datapoint (default unknown)" },
	{ "region", OPT_REGION, "REGION", "AWS region (default: AWS_REGION, else AWS_DEFAULT_REGION)" },
	{ "profile", OPT_PROFILE, "NAME", "Take the credentials from profile NAME of the shared credentials\n"
	  "file only (default: the environment, then profile AWS_PROFILE or default,\n"
	  "then the EC2 instance role)" },
	{ "endpoint", OPT_ENDPOINT, "URL", "CloudWatch endpoint (default https://monitoring.REGION.amazonaws.com/)" },
	{ "ca-file", OPT_CAFILE, "FILE", "Trust the CA certificates in FILE (PEM) instead of the system's" },
	{ "list-presets", OPT_LIST, NULL, "Print the presets and exit" },
	{ NULL, 0, NULL, NULL },
};

static const struct program prog = {
	.name = "check_cloudwatch",
	.service = "CLOUDWATCH",
	.purpose = "Checks the newest datapoint of an Amazon CloudWatch metric, read with\n"
	           "GetMetricData over HTTPS (signed with AWS Signature Version 4).",
	.usage = "{-P PRESET | -N NAMESPACE -m METRIC} [-d NAME=VALUE]... [-s STAT] [-p SECONDS]\n"
	         "       [-w RANGE] [-c RANGE] [--region REGION] [--profile NAME] [--endpoint URL]",
	.options = options,
	.notes = "Credentials: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN; else\n"
	         "the shared credentials file (AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials,\n"
	         "mode 0600) with profile AWS_PROFILE or default; else the instance role through\n"
	         "IMDSv2. The IAM permission needed is cloudwatch:GetMetricData.\n"
	         "Perfdata: the metric name, in the unit of --unit or the preset.",
	.timeout = 10,
	.timeout_state = STATE_UNKNOWN,
};

static const char *on_option(void *cfg_, int key, const char *arg)
{
	struct config *cfg = cfg_;
	switch (key) {
	case 'P':
		if (!cw_preset_find(arg))
			return "no such preset (see --list-presets)";
		cfg->preset_name = arg;
		return NULL;
	case 'N': cfg->ns = arg; return *arg && strlen(arg) <= 255 ? NULL : "give 1 to 255 characters";
	case 'm': cfg->metric = arg; return *arg && strlen(arg) <= 255 ? NULL : "give 1 to 255 characters";
	case 'd':
		if (cfg->ndim_args == CW_MAX_DIMS)
			return "at most 30 dimensions";
		cfg->dim_args[cfg->ndim_args++] = arg;
		return *arg ? NULL : "give NAME=VALUE";
	case 's': cfg->stat = arg; return cw_stat_ok(arg) ? NULL : "not a CloudWatch statistic";
	case 'p': return opt_long(arg, 1, 86400 * 7, &cfg->period);
	case OPT_WINDOW: return opt_long(arg, 1, 86400 * 455, &cfg->window);
	case 'w': return range_parse(arg, &cfg->warn);
	case 'c': return range_parse(arg, &cfg->crit);
	case OPT_UNIT: cfg->unit = arg; return cw_unit_uom(arg) ? NULL : "not a CloudWatch unit";
	case OPT_NODATA: return opt_state(arg, &cfg->no_data);
	case OPT_REGION: cfg->region = arg; return NULL;
	case OPT_PROFILE: cfg->profile = arg; return *arg ? NULL : "give a profile name";
	case OPT_ENDPOINT: cfg->endpoint = arg; return NULL;
	/* before connecting: a FIFO, a device or a non-PEM file named now */
	case OPT_CAFILE: cfg->ca_file = arg; return file_check_pem(arg);
	case OPT_LIST: cfg->list = true; return NULL;
	}
	return "unhandled option";
}

static void list_presets(void)
{
	size_t n;
	const struct cw_preset *p = cw_presets(&n);
	for (size_t i = 0; i < n; i++) {
		printf("%-26s %-18s %-29s %-11s %-12s ", p[i].name, p[i].ns, p[i].metric, p[i].stat, p[i].unit);
		for (int d = 0; d < CW_PRESET_DIMS && p[i].dims[d]; d++)
			printf("%s%s", d ? "," : "", p[i].dims[d]);
		printf("\n");
	}
	exit(STATE_OK);
}

static bool region_ok(const char *r)
{
	return r && *r && strlen(r) < 64 && strspn(r, "abcdefghijklmnopqrstuvwxyz0123456789-") == strlen(r);
}

/* The outcome of the call as the status line says it. */
static _Noreturn void failed(const struct cw_outcome *o, const char *url, const struct aws_creds *cr)
{
	const struct cw_error *e = &o->error;
	const char *colon = *e->message ? ": " : "";
	switch (o->rc) {
	case CW_THROTTLED:
		plugin_die(STATE_UNKNOWN, "throttled by CloudWatch (HTTP %ld %s%s%s)%s", o->http, e->type, colon,
		           e->message, o->attempts > 1 ? ", also on the retry" : "");
	case CW_SERVER_ERROR:
		plugin_die(STATE_UNKNOWN, "CloudWatch server error: HTTP %ld%s%s%s%s", o->http, *e->type ? " " : "", e->type,
		           colon, e->message);
	case CW_REFUSED:
		plugin_die(STATE_UNKNOWN, "CloudWatch refused the request: HTTP %ld %s%s%s (credentials: %s)", o->http,
		           *e->type ? e->type : "(no error type)", colon, e->message, cr->source);
	case CW_TIMEOUT:
		plugin_die(timeout_state(), "no answer from %s within %g seconds", url, timeout_seconds());
	case CW_TLS_VERIFY:
		plugin_die(STATE_UNKNOWN, "TLS: the certificate of %s is not trusted (%s); --ca-file FILE names the CA",
		           url, o->detail);
	case CW_BAD_ANSWER:
		plugin_die(STATE_UNKNOWN, "%s: %s", url, o->detail);
	case CW_BAD_REQUEST:
		plugin_die(STATE_UNKNOWN, "request to '%.200s': %s", url, o->detail);
	case CW_UNREACHABLE:
	case CW_OK:
		break;
	}
	plugin_die(STATE_UNKNOWN, "cannot reach %s: %s", url, o->detail);
}

/* The preset's values where no option gave one, then the defaults. */
static void settle(struct config *cfg, const struct cw_preset *ps)
{
	if (ps) {
		cfg->ns = cfg->ns ? cfg->ns : ps->ns;
		cfg->metric = cfg->metric ? cfg->metric : ps->metric;
		cfg->stat = cfg->stat ? cfg->stat : ps->stat;
		cfg->unit = cfg->unit ? cfg->unit : ps->unit;
	}
	if (!cfg->ns || !cfg->metric)
		plugin_die(STATE_UNKNOWN, "give --preset, or --namespace and --metric");
	cfg->stat = cfg->stat ? cfg->stat : "Average";
	cfg->period = cfg->period ? cfg->period : 300;
	long p = cfg->period;
	if (p >= 60 ? p % 60 != 0 : !(p == 1 || p == 5 || p == 10 || p == 30))
		plugin_die(STATE_UNKNOWN, "--period %ld: give 1, 5, 10, 30 or a multiple of 60", p);
	cfg->window = cfg->window ? cfg->window : 3 * p;
	if (cfg->window < p)
		plugin_die(STATE_UNKNOWN, "--window %ld is shorter than one period (%ld)", cfg->window, p);
	cfg->region = cfg->region ? cfg->region : secret_from_env("AWS_REGION");
	cfg->region = cfg->region ? cfg->region : secret_from_env("AWS_DEFAULT_REGION");
	if (!cfg->region)
		plugin_die(STATE_UNKNOWN, "no region: give --region or set AWS_REGION");
	if (!region_ok(cfg->region))
		plugin_die(STATE_UNKNOWN, "region '%.64s': not a region name", cfg->region);
}

/* The status line: the newest value against -w/-c, or no data. */
static void report(struct check *c, const struct config *cfg, const struct cw_query *q, const struct cw_latest *l)
{
	struct buf dims = BUF_INIT;
	for (size_t i = 0; i < q->ndims; i++)
		buf_printf(&dims, "%s%s=%s", i ? ", " : "", q->dims[i].name, q->dims[i].value);
	if (l->points == 0) {
		check_raise(c, cfg->no_data);
		check_summary(c, "no datapoints for %s %s (%s) %s in the last %ld seconds", q->ns, q->metric,
		              buf_cstr(&dims), q->stat, cfg->window);
	} else {
		const char *uom = cfg->unit ? cw_unit_uom(cfg->unit) : "";
		char when[32], val[64];
		time_t t = (time_t)l->time;
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
		num_format(l->value, -1, val, sizeof val);
		check_raise(c, range_judge(l->value, &cfg->warn, &cfg->crit));
		check_summary(c, "%s %s%s (%s, %s over %lds at %s)", q->metric, val, uom, buf_cstr(&dims), q->stat,
		              q->period, when);
		check_perf(c, &(struct perf){ .label = q->metric, .value = l->value, .uom = uom, .decimals = -1,
		                              .warn = &cfg->warn, .crit = &cfg->crit });
		if (strcmp(l->status, "PartialData") == 0)
			check_long(c, "CloudWatch marked the result PartialData");
	}
	buf_free(&dims);
}

int main(int argc, char **argv)
{
	struct config cfg = { .no_data = STATE_UNKNOWN };
	program_parse(&prog, argc, argv, on_option, &cfg);
	if (cfg.list)
		list_presets();
	const struct cw_preset *ps = cfg.preset_name ? cw_preset_find(cfg.preset_name) : NULL;
	settle(&cfg, ps);
	char url[512];
	if (cfg.endpoint)
		snprintf(url, sizeof url, "%s", cfg.endpoint);
	else
		snprintf(url, sizeof url, "https://monitoring.%s.amazonaws.com%s/", cfg.region,
		         strncmp(cfg.region, "cn-", 3) == 0 ? ".cn" : "");

	static struct cw_query q;   /* large: the dimension names live in it */
	char why[256];
	q = (struct cw_query){ .ns = cfg.ns, .metric = cfg.metric, .stat = cfg.stat, .period = cfg.period };
	if (cw_query_dims(&q, ps, cfg.dim_args, cfg.ndim_args, why, sizeof why))
		plugin_die(STATE_UNKNOWN, "%s", why);
	q.end = time(NULL);
	q.start = q.end - cfg.window;
	char *body = cw_query_body(&q);
	if (!body)
		plugin_die(STATE_UNKNOWN, "the namespace, metric, statistic or a dimension is not valid UTF-8");

	/* the metadata service gets half of -t at most, and never more than 5 s */
	struct aws_creds cr;
	double imds_time = timeout_remaining() / 2;
	const char *err = aws_creds_load(&cr, cfg.profile, imds_time < 5 ? imds_time : 5);
	if (err)
		plugin_die(STATE_UNKNOWN, "%s", err);

	struct cw_outcome o;
	cw_get_metric_data(&(struct cw_call){ url, cfg.region, cfg.ca_file, &cr, body }, &o);
	free(body);
	if (o.rc != CW_OK)
		failed(&o, url, &cr);

	struct check c;
	check_init(&c, prog.service);
	report(&c, &cfg, &q, &o.latest);
	if (plugin_verbose) {
		check_long(&c, "namespace %s, %zu datapoints in the window of %ld seconds", q.ns, o.latest.points, cfg.window);
		check_long(&c, "endpoint %s, region %s, credentials from %s", url, cfg.region, cr.source);
	}
	aws_creds_free(&cr);
	check_exit(&c);
}
