/* /proc/stat (check_cpu): two readings, NUL between them. A reading
 * parses with at least the four fields every kernel has; the usage over
 * the two is every share in 0..100, the shares add up to at most 100, and
 * busy is what idle and iowait leave.
 * SOURCES: (the core only) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proc.h"

static int in_pct(double v)
{
	return v >= 0 && v <= 100 + 1e-9;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 2);
	memcpy(text, data, size);
	text[size] = text[size + 1] = '\0';
	const char *second = text + strlen(text) + 1;
	if (second > text + size)
		second = text + size;
	struct cpustat a, b;
	struct cpu_usage u;
	int ra = parse_cpustat(text, &a), rb = parse_cpustat(second, &b);
	if (ra == 0 && (a.ncpu < 0 || strncmp(text, "cpu ", 4) != 0))
		abort();
	if (ra == 0 && rb == 0 && cpu_usage(&a, &b, &u)) {
		if (!in_pct(u.user) || !in_pct(u.system) || !in_pct(u.iowait) || !in_pct(u.steal) ||
		    !in_pct(u.idle) || !in_pct(u.busy))
			abort();
		if (u.user + u.system + u.iowait + u.steal + u.idle > 100 + 1e-6)
			abort();
		double busy = 100 - u.idle - u.iowait;
		if (u.busy != (busy < 0 ? 0 : busy))
			abort();
	}
	/* a reading against itself: no time passed */
	if (ra == 0 && cpu_usage(&a, &a, &u))
		abort();
	free(text);
	return 0;
}
