/* Named CloudWatch metrics (--preset rds-cpu): namespace, metric name,
 * dimension names, the statistic and unit that make sense for a check.
 * The rows are in lib/cloudwatch_presets.c, one table. */
#ifndef MAMORI_CLOUDWATCH_PRESETS_H
#define MAMORI_CLOUDWATCH_PRESETS_H
#include <stddef.h>

enum { CW_PRESET_DIMS = 3 };

struct cw_preset {
	const char *name;           /* "rds-cpu" */
	const char *service;        /* "RDS", for the listing */
	const char *ns;             /* "AWS/RDS" */
	const char *metric;         /* "CPUUtilization" */
	/* dimension names the user gives values for; "Name=Value" is fixed */
	const char *dims[CW_PRESET_DIMS];
	const char *stat;           /* "Average" */
	const char *unit;           /* CloudWatch's unit: "Percent", "Bytes", ... */
	const char *what;           /* one line for the listing */
};

const struct cw_preset *cw_preset_find(const char *name);
/* The whole table, for --list-presets. */
const struct cw_preset *cw_presets(size_t *n);

#endif
