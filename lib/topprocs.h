/* Top-N process lists for the long output, the evidence the runbooks mail:
 * the head of `top` (by CPU) for check_load and check_cpu, the biggest
 * processes by resident memory and by swap for check_mem and check_swap.
 *
 * The table is read with procs_scan(), which opens /proc/PID/stat only.
 * The status file (the user, the exact VmRSS as ps shows it) is read for
 * the N winners after the scan, and for every process only when the swap
 * list needs VmSwap and some swap is in use: most hosts then pay one stat
 * read per process and nothing else.
 *
 * CPU is either measured over a sample (top_sample_start() and
 * top_sample_end() around check_cpu's sleep: utime + stime per pid at both
 * ends, as top does) or, without a sample (check_load, which must not
 * sleep), the lifetime average that ps prints as %CPU. */
#ifndef MAMORI_TOPPROCS_H
#define MAMORI_TOPPROCS_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "plugin.h"
#include "procs.h"

#define TOP_DEFAULT 5
/* Without -n the list comes with an alert only: an OK run of check_load or
 * check_mem then reads no process table (2-3 ms on a host with 600
 * processes), and the alert mail still shows the culprits. An explicit -n
 * lists on every run, as monitoring-plugins' check_load -n does. */
#define TOP_AUTO ((unsigned)-1)
static inline unsigned top_rows(unsigned procs, int state_is_ok)
{
	return procs != TOP_AUTO ? procs : state_is_ok ? 0 : TOP_DEFAULT;
}
#define TOP_MAX 100     /* a longer list is not evidence any more, and
                           monitoring engines cut long output at 8-64 kB */

enum {
	TOP_CPU = 1u << 0,
	TOP_RSS = 1u << 1,
	TOP_SWAP = 1u << 2,
};

struct top_row {
	pid_t pid;
	uid_t uid;
	bool has_uid;               /* false: it exited before its user was read */
	char comm[PROCS_COMM_MAX];  /* control characters shown as '?' */
	double pcpu;                /* percent of one CPU, as top and ps */
	unsigned long long rss_kb, swap_kb;
	double rank_;               /* private: the sort key */
};

struct top_list {
	unsigned len;
	struct top_row *rows;       /* best first, at most top.n */
};

struct top_snap;

struct top {
	unsigned n;                 /* rows per list; 0: nothing is read or printed */
	unsigned lists;             /* TOP_* */
	bool swap_unused;           /* set by the caller when SwapTotal - SwapFree
	                               is 0: no process can have any swapped out,
	                               so no status file needs reading */
	double sample;              /* seconds the CPU list covers; 0: lifetime */
	int err;                    /* errno when the table could not be read */
	const char *err_file;       /* ... or this file under proc_root(), or NULL */
	struct top_list cpu, rss, swap;
	/* private: the first end of a sample */
	struct top_snap *snap_;
	size_t nsnap_;
	double t0_;
	unsigned long long boot_ticks_;
};

void top_init(struct top *t, unsigned lists, unsigned n);
/* One pass over the process table; CPU is the lifetime average. */
void top_scan(struct top *t);
/* The two ends of a CPU sample. */
void top_sample_start(struct top *t);
void top_sample_end(struct top *t);
/* The lists asked for as long-output lines (nothing when n is 0). */
void top_long(struct check *c, const struct top *t);
void top_free(struct top *t);

/* The -n/--procs-to-show argument: 0..TOP_MAX. */
const char *top_opt(const char *arg, unsigned *n);

/* The option table entry, the same wording in every plugin. */
#define TOP_OPTION(key, what, dflt) \
	{ "procs-to-show", (key), "N", \
	  "Long output: the top N processes by " what "\n" dflt }
#define TOP_ALWAYS "(default 5, 0 for none)"
#define TOP_LAZY "(default: 5 when the state is not OK; a given N lists on every run; 0 for none)"

#endif
