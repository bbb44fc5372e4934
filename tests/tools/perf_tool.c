/* perf_tool LABEL VALUE UOM DECIMALS WARN CRIT MIN MAX: prints the perfdata
 * item check_perf() builds ("-" leaves a field out). */
#include <stdio.h>
#include <string.h>

#include "num.h"
#include "plugin.h"
#include "range.h"

int main(int argc, char **argv)
{
	if (argc != 9)
		return 2;
	struct check c;
	struct range w = { 0 }, cr = { 0 };
	struct perf p = { .label = argv[1], .uom = strcmp(argv[3], "-") ? argv[3] : NULL };
	long dec;
	if (!num_parse_double(argv[2], &p.value) || !num_parse_long(argv[4], -1, 9, &dec))
		return 2;
	p.decimals = (int)dec;
	if (strcmp(argv[5], "-")) {
		if (range_parse(argv[5], &w))
			return 2;
		p.warn = &w;
	}
	if (strcmp(argv[6], "-")) {
		if (range_parse(argv[6], &cr))
			return 2;
		p.crit = &cr;
	}
	if (strcmp(argv[7], "-"))
		p.has_min = num_parse_double(argv[7], &p.min);
	if (strcmp(argv[8], "-"))
		p.has_max = num_parse_double(argv[8], &p.max);
	check_init(&c, "PERF");
	check_summary(&c, "%s", "summary with | bar and\nnewline");
	check_perf(&c, &p);
	check_exit(&c);
}
