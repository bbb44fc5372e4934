/* /proc/loadavg (check_load) and /proc/uptime (the clock of check_procs
 * and the top lists), the same text fed to both. Three loads finite, not
 * negative and below 10^15; "running/total" both counts or both -1, never
 * a negative or saturated number; what we print back parses to the same.
 * An uptime read converts to clock ticks without overflow (UBSan's
 * float-cast-overflow), and a process's elapsed time and %CPU from it are
 * finite and not negative.
 * SOURCES: lib/procs.c */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proc.h"
#include "procs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	struct loadavg la, back;
	if (parse_loadavg(text, &la) == 0) {
		for (int i = 0; i < 3; i++)
			if (!(la.load[i] >= 0 && la.load[i] < 1e15))
				abort();
		if ((la.running < 0 || la.total < 0) && !(la.running == -1 && la.total == -1))
			abort();
		char out[256];
		snprintf(out, sizeof out, "%.2f %.2f %.2f %ld/%ld 4242\n", la.load[0], la.load[1], la.load[2],
		         la.running, la.total);
		if (la.running < 0)
			snprintf(out, sizeof out, "%.2f %.2f %.2f\n", la.load[0], la.load[1], la.load[2]);
		if (parse_loadavg(out, &back) != 0 || back.running != la.running || back.total != la.total)
			abort();
		for (int i = 0; i < 3; i++)
			if (fabs(back.load[i] - la.load[i]) > 0.0051 + la.load[i] * 1e-15)
				abort();
	}
	struct procs_clock clk = { .hz = 1000 };
	if (procs_parse_uptime(text, &clk.uptime)) {
		if (!(clk.uptime >= 0 && clk.uptime < 1e12))
			abort();
		volatile unsigned long long ticks = (unsigned long long)(clk.uptime * (double)clk.hz);
		(void)ticks;
		struct proc_info p = { .starttime = size > 8 ? data[0] * 100000ULL : 0,
		                       .ticks = size > 8 ? (unsigned long long)data[1] << (data[2] & 63) : 0 };
		double pc = proc_pcpu(&p, &clk);
		unsigned long long el = proc_elapsed(&p, &clk);
		if (!(pc >= 0 && pc <= 1e14) || el > 1e12)
			abort();
	}
	free(text);
	return 0;
}
