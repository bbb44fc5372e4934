/* The process table, read straight from /proc instead of forking ps.
 *
 * procs_scan() visits every process (thread-group leader, as `ps ax`) once.
 * Only /proc/PID/stat is read for all of them; the command line and the
 * status file cost a kernel walk of the process's memory map or a page of
 * text each, so they are read only when asked for, either for every process
 * (the `want` flags of procs_scan) or for one process from inside the visit
 * (procs_load), after the cheap filters have thrown most processes out.
 * A process that exits while it is being read is skipped silently.
 * The table is proc_root() (MAMORI_PROC_ROOT lets tests feed a recorded one). */
#ifndef MAMORI_PROCS_H
#define MAMORI_PROCS_H
#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum {
	PROCS_ARGS = 1u << 0,    /* /proc/PID/cmdline -> args */
	PROCS_STATUS = 1u << 1,  /* /proc/PID/status -> uid, exact rss_kb, vmswap_kb, vmlck_kb */
};

#define PROCS_COMM_MAX 64  /* the kernel's comm is 15 bytes; room for escapes */
#define PROCS_STAT_FLAGS_MAX 8

struct procs_scanner;

struct proc_info {
	pid_t pid, ppid, pgrp, session, tpgid;
	char state;                    /* R S D Z T t X I ... */
	char comm[PROCS_COMM_MAX];     /* between the first '(' and the last ')' */
	unsigned long kflags;          /* PF_* of the task */
	long nice;
	long threads;
	unsigned long long ticks;      /* utime + stime, clock ticks */
	unsigned long long starttime;  /* clock ticks after boot */
	unsigned long long vsz_kb;
	unsigned long long rss_kb;     /* stat's estimate; the exact VmRSS (as ps)
	                                  once PROCS_STATUS is loaded */
	bool kthread;                  /* PF_KTHREAD: a kernel thread */

	/* Valid when `have` has PROCS_STATUS. */
	uid_t uid;                     /* effective, as ps's uid and -u */
	unsigned long long vmswap_kb, vmlck_kb;

	/* Valid when `have` has PROCS_ARGS: argv joined by spaces as ps's
	 * args; "[comm]" for an empty command line (kernel threads), with
	 * " <defunct>" for a zombie. Points into the scanner: valid during
	 * the visit only, copy what you keep. */
	const char *args;
	size_t args_len;

	unsigned have;
	struct procs_scanner *scanner_;  /* private: for procs_load() */
};

/* Called once per process; a non-zero return stops the scan and becomes
 * procs_scan()'s return value. */
typedef int (*procs_visit_fn)(struct proc_info *p, void *ctx);

/* 0 after the whole table, the visitor's non-zero value if it stopped,
 * -1 with errno if /proc cannot be read at all. */
int procs_scan(unsigned want, procs_visit_fn visit, void *ctx);

/* Parse the text of /proc/PID/stat into the stat fields of *p (exposed
 * for tests); page_kb converts its resident pages to kB. */
bool procs_parse_stat(const char *text, size_t len, long page_kb, struct proc_info *p);

struct buf;
/* A raw /proc/PID/cmdline in b made into ps's args column, in place: NULs
 * as spaces, other control characters as '?', no trailing blanks, and
 * "[comm]" (" <defunct>" for a zombie) when nothing is left. One line. */
void procs_join_args(struct buf *b, const char *comm, char state);

/* Column `column` (0, 1 ...) of the numbers after key ("\nUid:") in a
 * status file of len bytes; false when absent or not a 64-bit number. */
bool procs_status_number(const char *text, size_t len, const char *key, int column,
                         unsigned long long *out);

/* Read more parts of the process being visited. false: it has gone (or the
 * part cannot be read); the caller skips it like a vanished process. */
bool procs_load(struct proc_info *p, unsigned want);

/* ps's STAT column: state, then < N L s l + as they apply. L needs
 * PROCS_STATUS and is left out without it. out holds PROCS_STAT_FLAGS_MAX. */
void proc_stat_flags(const struct proc_info *p, char *out);

/* Time base for the elapsed time and %CPU of processes. */
struct procs_clock {
	double uptime;  /* /proc/uptime, seconds since boot */
	long hz;        /* sysconf(_SC_CLK_TCK) */
};
bool procs_clock_read(struct procs_clock *clk);
/* The first number of /proc/uptime: plain decimal, 0 <= v < 10^12. */
bool procs_parse_uptime(const char *text, double *out);

/* Whole seconds since the process started, as ps's etimes. */
unsigned long long proc_elapsed(const struct proc_info *p, const struct procs_clock *clk);
/* %CPU as ps computes it: CPU time over the lifetime, in tenths truncated
 * the way ps truncates them, so our 0.3 is ps's 0.3. */
double proc_pcpu(const struct proc_info *p, const struct procs_clock *clk);

/* Which processes count, with monitoring-plugins' check_procs filters:
 * every filter that is set must match. */
struct procs_filter {
	const char *command;        /* procs_name_is(comm, command) */
	const char *args;           /* a substring of args */
	const regex_t *args_re;     /* a POSIX regex that matches args */
	const char *states;         /* any of these ps STAT flags */
	const char *exclude;        /* comma-separated names left out */
	bool no_kthreads;
	bool by_ppid, by_uid, by_rss, by_vsz, by_pcpu;
	pid_t ppid;
	uid_t uid;                  /* effective */
	unsigned long long rss_kb, vsz_kb;   /* at least */
	double pcpu;                /* at least; needs clock */
	const struct procs_clock *clock;
	unsigned load;              /* PROCS_* parts every match gets loaded */
};

/* Whether p passes, testing the cheap stat fields first and reading its
 * command line, then its status file, only when a filter needs them (or
 * f->load asks, for matches). A process that vanished does not pass. */
bool procs_match(const struct procs_filter *f, struct proc_info *p);

/* ps -C's test (a name over 15 bytes matches its first 15, as the kernel
 * keeps them), or monitoring-plugins': the last path element of the name's
 * first word, so "/usr/sbin/spamd" and "spamd child" (a Perl daemon that set
 * $0) are spamd. */
bool procs_name_is(const char *comm, const char *name);

#endif
