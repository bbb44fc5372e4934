/* range_tool RANGE VALUE...: prints "alert" or "ok" per value, or
 * "error: reason" and exit 3 for a malformed range; "format: X" first. */
#include <stdio.h>

#include "num.h"
#include "range.h"

int main(int argc, char **argv)
{
	struct range r;
	if (argc < 2)
		return 2;
	const char *err = range_parse(argv[1], &r);
	if (err) {
		printf("error: %s\n", err);
		return 3;
	}
	char f[160];
	range_format(&r, f, sizeof f);
	printf("format: %s\n", f);
	for (int i = 2; i < argc; i++) {
		double v;
		if (!num_parse_double(argv[i], &v)) {
			printf("bad value\n");
			continue;
		}
		printf("%s\n", range_alerts(&r, v) ? "alert" : "ok");
	}
	return 0;
}
