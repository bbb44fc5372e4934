/* benchrun: time two or more commands side by side.
 *
 *   benchrun [-n RUNS] [-w WARMUP] [-t SECONDS] [--tsv] -- [LABEL:] CMD [ARG...] -- [LABEL:] CMD ...
 *
 * The commands run alternating (A B A B ...) so that drift of the machine
 * (cache state, frequency, other load) falls on all of them alike. Each run
 * is fork + execvp + wait4, no shell, stdin/stdout/stderr on /dev/null.
 * Wall time is CLOCK_MONOTONIC around fork..wait4; peak RSS and CPU time
 * come from the rusage wait4 returns, which covers the command and every
 * descendant it waited for (see README.md for what that includes). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { EXIT_USAGE = 1, EXIT_RUN = 2 };

struct sample {
	double wall_ms;
	double cpu_ms;     /* user + system, command and waited-for descendants */
	long rss_kib;      /* ru_maxrss: KiB on Linux */
	int status;        /* wait status */
};

struct command {
	const char *label;
	char **argv;       /* points into main's argv, NULL-terminated there */
	struct sample *samples;
};

/* The run in progress, for the -t alarm: the handler kills it itself, so
 * there is no window in which the alarm fires before wait4 blocks. */
static volatile sig_atomic_t running_pid, timed_out;

static void on_alarm(int sig)
{
	(void)sig;
	timed_out = 1;
	if (running_pid > 0)
		kill((pid_t)running_pid, SIGKILL);
}

static _Noreturn void usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static _Noreturn void usage(const char *fmt, ...)
{
	va_list ap;

	fputs("benchrun: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fputs("usage: benchrun [-n RUNS] [-w WARMUP] [-t SECONDS] [--tsv] "
	      "-- [LABEL:] CMD [ARG...] -- [LABEL:] CMD [ARG...] ...\n", stderr);
	exit(EXIT_USAGE);
}

static void help(void)
{
	puts("usage: benchrun [-n RUNS] [-w WARMUP] [-t SECONDS] [--tsv] "
	     "-- [LABEL:] CMD [ARG...] -- [LABEL:] CMD [ARG...] ...\n"
	     "\n"
	     "Runs the commands alternating (A B A B ...), WARMUP unmeasured runs\n"
	     "each first, then RUNS measured runs each. No shell: CMD is found in\n"
	     "PATH and executed with the ARGs as given. Each command starts after\n"
	     "'--'; a first word ending in ':' names it (default: the CMD's basename).\n"
	     "A literal '--' cannot be passed to a command.\n"
	     "\n"
	     "  -n RUNS     measured runs per command (default 30)\n"
	     "  -w WARMUP   warm-up runs per command (default 3)\n"
	     "  -t SECONDS  kill a run after this long and fail (default 60, 0: never)\n"
	     "  --tsv       tab-separated records instead of the table:\n"
	     "    cmd  LABEL RUNS EXITS WALL_MEDIAN_MS WALL_P10_MS WALL_P90_MS RSS_MEDIAN_KIB CPU_MEDIAN_MS\n"
	     "    ratio LABEL_A LABEL_B WALL_RATIO RSS_RATIO   (A is the first command)\n"
	     "\n"
	     "Exit: 0 done, 1 bad usage, 2 a command could not be executed, was\n"
	     "killed by a signal or timed out.");
}

/* Strict non-negative integer within [min, max]. */
static long parse_count(const char *s, long min, long max, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "benchrun: %s must be an integer from %ld to %ld, not '%s'\n",
		        what, min, max, s);
		exit(EXIT_USAGE);
	}
	return v;
}

static double ms_between(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) * 1e3 + (double)(b->tv_nsec - a->tv_nsec) / 1e6;
}

static double tv_ms(const struct timeval *tv)
{
	return (double)tv->tv_sec * 1e3 + (double)tv->tv_usec / 1e3;
}

static const char *basename_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* One run. On exec failure, timeout or a kill by a signal: message and
 * false; the child is always reaped. */
static bool run_once(const struct command *cmd, int devnull, unsigned timeout, struct sample *out)
{
	struct timespec t0, t1;
	struct rusage ru;
	int report[2], status, child_errno;
	ssize_t got;
	pid_t pid, w;

	/* The child reports an exec failure through this pipe; a successful
	 * exec closes it (O_CLOEXEC), so the read below returns 0. */
	if (pipe2(report, O_CLOEXEC) == -1) {
		perror("benchrun: pipe2");
		return false;
	}
	timed_out = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid == -1) {
		perror("benchrun: fork");
		close(report[0]);
		close(report[1]);
		return false;
	}
	if (pid == 0) {
		int e;

		if (dup2(devnull, 0) == -1 || dup2(devnull, 1) == -1 || dup2(devnull, 2) == -1) {
			e = errno;
		} else {
			execvp(cmd->argv[0], cmd->argv);
			e = errno;
		}
		if (write(report[1], &e, sizeof e) != (ssize_t)sizeof e) {
			/* nobody left to tell; the exit code 127 says it */
		}
		_exit(127);
	}
	running_pid = pid;
	if (timeout)
		alarm(timeout);
	close(report[1]);
	do
		got = read(report[0], &child_errno, sizeof child_errno);
	while (got == -1 && errno == EINTR);
	close(report[0]);
	do
		w = wait4(pid, &status, 0, &ru);
	while (w == -1 && errno == EINTR);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	running_pid = 0;
	alarm(0);
	if (w == -1) {
		perror("benchrun: wait4");
		return false;
	}

	if (got == (ssize_t)sizeof child_errno) {
		fprintf(stderr, "benchrun: %s: cannot execute '%s': %s\n",
		        cmd->label, cmd->argv[0], strerror(child_errno));
		return false;
	}
	/* The alarm may also have fired just after a normal exit: only a kill counts. */
	if (timed_out && WIFSIGNALED(status)) {
		fprintf(stderr, "benchrun: %s: killed after %u s (-t)\n", cmd->label, timeout);
		return false;
	}
	if (WIFSIGNALED(status)) {
		fprintf(stderr, "benchrun: %s: killed by signal %d (%s)\n",
		        cmd->label, WTERMSIG(status), strsignal(WTERMSIG(status)));
		return false;
	}
	out->wall_ms = ms_between(&t0, &t1);
	out->cpu_ms = tv_ms(&ru.ru_utime) + tv_ms(&ru.ru_stime);
	out->rss_kib = ru.ru_maxrss;
	out->status = status;
	return true;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Quantile q of sorted v[0..n-1], linear between closest ranks (R type 7),
 * so the median of an even count is the mean of the two middle values. */
static double quantile(const double *v, size_t n, double q)
{
	double pos = q * (double)(n - 1);
	size_t lo = (size_t)pos;

	if (lo + 1 >= n)
		return v[n - 1];
	return v[lo] + (pos - (double)lo) * (v[lo + 1] - v[lo]);
}

struct summary {
	double wall_med, wall_p10, wall_p90, rss_med, cpu_med;
};

static void summarise(const struct command *cmd, size_t runs, double *scratch, struct summary *s)
{
	size_t i;

	for (i = 0; i < runs; i++)
		scratch[i] = cmd->samples[i].wall_ms;
	qsort(scratch, runs, sizeof *scratch, cmp_double);
	s->wall_med = quantile(scratch, runs, 0.5);
	s->wall_p10 = quantile(scratch, runs, 0.1);
	s->wall_p90 = quantile(scratch, runs, 0.9);
	for (i = 0; i < runs; i++)
		scratch[i] = (double)cmd->samples[i].rss_kib;
	qsort(scratch, runs, sizeof *scratch, cmp_double);
	s->rss_med = quantile(scratch, runs, 0.5);
	for (i = 0; i < runs; i++)
		scratch[i] = cmd->samples[i].cpu_ms;
	qsort(scratch, runs, sizeof *scratch, cmp_double);
	s->cpu_med = quantile(scratch, runs, 0.5);
}

/* The distinct exit codes in order of first appearance, "0" or "0,2". */
static void exit_codes(const struct command *cmd, size_t runs, char *out, size_t size)
{
	bool seen[256] = { false };
	size_t i, len = 0;

	out[0] = '\0';
	for (i = 0; i < runs; i++) {
		int code = WEXITSTATUS(cmd->samples[i].status);
		int n;

		if (seen[code])
			continue;
		seen[code] = true;
		n = snprintf(out + len, size - len, "%s%d", len ? "," : "", code);
		if (n < 0 || (size_t)n >= size - len)
			break;
		len += (size_t)n;
	}
}

static double ratio(double a, double b)
{
	return b > 0 ? a / b : 0;
}

static void print_table(const struct command *cmds, size_t ncmds, const struct summary *sums,
                        size_t runs, size_t warmup)
{
	int width = 8;
	size_t i;
	char codes[64];

	for (i = 0; i < ncmds; i++) {
		int l = (int)strlen(cmds[i].label);
		if (l > width)
			width = l;
	}
	printf("%zu runs each after %zu warm-up runs each, alternating\n", runs, warmup);
	for (i = 0; i < ncmds; i++) {
		char **a;

		printf("%-*s :", width, cmds[i].label);
		for (a = cmds[i].argv; *a; a++)
			printf(" %s", *a);
		putchar('\n');
	}
	printf("\n%-*s  %9s %9s %9s  %10s  %9s  %s\n", width, "", "wall ms", "p10", "p90",
	       "peak KiB", "cpu ms", "exit");
	for (i = 0; i < ncmds; i++) {
		exit_codes(&cmds[i], runs, codes, sizeof codes);
		printf("%-*s  %9.3f %9.3f %9.3f  %10.0f  %9.3f  %s\n", width, cmds[i].label,
		       sums[i].wall_med, sums[i].wall_p10, sums[i].wall_p90, sums[i].rss_med,
		       sums[i].cpu_med, codes);
	}
	if (ncmds > 1)
		putchar('\n');
	for (i = 1; i < ncmds; i++)
		printf("%s/%s: wall %.2f, peak RSS %.2f (medians)\n", cmds[0].label, cmds[i].label,
		       ratio(sums[0].wall_med, sums[i].wall_med), ratio(sums[0].rss_med, sums[i].rss_med));
}

static void print_tsv(const struct command *cmds, size_t ncmds, const struct summary *sums, size_t runs)
{
	size_t i;
	char codes[64];

	for (i = 0; i < ncmds; i++) {
		exit_codes(&cmds[i], runs, codes, sizeof codes);
		printf("cmd\t%s\t%zu\t%s\t%.3f\t%.3f\t%.3f\t%.0f\t%.3f\n", cmds[i].label, runs, codes,
		       sums[i].wall_med, sums[i].wall_p10, sums[i].wall_p90, sums[i].rss_med,
		       sums[i].cpu_med);
	}
	for (i = 1; i < ncmds; i++)
		printf("ratio\t%s\t%s\t%.3f\t%.3f\n", cmds[0].label, cmds[i].label,
		       ratio(sums[0].wall_med, sums[i].wall_med), ratio(sums[0].rss_med, sums[i].rss_med));
}

/* Split argv[first..argc) at "--" into commands; fills cmds (sized for the
 * worst case by the caller) and returns how many. The "--" words are
 * replaced by NULL so that each command's argv ends in place. */
static size_t split_commands(int argc, char **argv, int first, struct command *cmds)
{
	size_t n = 0;
	int i = first;

	while (i < argc) {
		struct command *c;
		size_t len;

		if (strcmp(argv[i], "--") != 0)
			usage("expected '--' before a command, got '%s'", argv[i]);
		argv[i++] = NULL;
		c = &cmds[n];
		c->label = NULL;
		len = i < argc ? strlen(argv[i]) : 0;
		if (len > 1 && argv[i][len - 1] == ':') {
			argv[i][len - 1] = '\0';
			c->label = argv[i++];
		}
		if (i >= argc || strcmp(argv[i], "--") == 0)
			usage("command %s is empty", c->label ? c->label : "after '--'");
		c->argv = &argv[i];
		if (!c->label)
			c->label = basename_of(argv[i]);
		while (i < argc && strcmp(argv[i], "--") != 0)
			i++;
		n++;
	}
	return n;
}

int main(int argc, char **argv)
{
	long runs = 30, warmup = 3, timeout = 60;
	bool tsv = false, ok = true;
	struct command *cmds;
	struct summary *sums;
	double *scratch;
	struct sigaction sa;
	size_t ncmds, i, r;
	int devnull, a;

	for (a = 1; a < argc && strcmp(argv[a], "--") != 0; a++) {
		const char *opt = argv[a];

		if (strcmp(opt, "--tsv") == 0) {
			tsv = true;
		} else if (strcmp(opt, "-h") == 0 || strcmp(opt, "--help") == 0) {
			help();
			return 0;
		} else if (strcmp(opt, "-n") == 0 || strcmp(opt, "-w") == 0 || strcmp(opt, "-t") == 0) {
			if (a + 1 >= argc)
				usage("option %s needs a value", opt);
			if (opt[1] == 'n')
				runs = parse_count(argv[++a], 1, 1000000, "-n RUNS");
			else if (opt[1] == 'w')
				warmup = parse_count(argv[++a], 0, 1000000, "-w WARMUP");
			else
				timeout = parse_count(argv[++a], 0, 86400, "-t SECONDS");
		} else {
			usage("unknown option '%s'", opt);
		}
	}
	if (a >= argc)
		usage("no command given");

	/* At most one command per two remaining words ("--" and CMD). */
	cmds = calloc((size_t)(argc - a) / 2 + 1, sizeof *cmds);
	if (!cmds) {
		perror("benchrun");
		return EXIT_RUN;
	}
	ncmds = split_commands(argc, argv, a, cmds);
	sums = calloc(ncmds, sizeof *sums);
	scratch = calloc((size_t)runs, sizeof *scratch);
	for (i = 0; i < ncmds && sums && scratch; i++) {
		cmds[i].samples = calloc((size_t)runs, sizeof *cmds[i].samples);
		if (!cmds[i].samples)
			break;
	}
	if (!sums || !scratch || i < ncmds) {
		perror("benchrun");
		ok = false;
		goto out;
	}

	/* Above 2, so that dup2 onto 0, 1 and 2 always makes a copy that
	 * survives exec even when we were started with one of them closed. */
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull != -1 && devnull < 3) {
		int high = fcntl(devnull, F_DUPFD_CLOEXEC, 3);
		close(devnull);
		devnull = high;
	}
	if (devnull == -1) {
		perror("benchrun: /dev/null");
		ok = false;
		goto out;
	}
	/* No SA_RESTART: the alarm must interrupt wait4 so that the run is killed. */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	/* The children inherit our stdio buffers' memory, not their contents
	 * (they _exit or exec), but flush so that nothing is printed twice. */
	fflush(stdout);

	for (r = 0; ok && r < (size_t)(warmup + runs); r++) {
		for (i = 0; ok && i < ncmds; i++) {
			struct sample s;

			ok = run_once(&cmds[i], devnull, (unsigned)timeout, &s);
			if (ok && r >= (size_t)warmup)
				cmds[i].samples[r - (size_t)warmup] = s;
		}
	}
	close(devnull);
	if (ok) {
		for (i = 0; i < ncmds; i++)
			summarise(&cmds[i], (size_t)runs, scratch, &sums[i]);
		if (tsv)
			print_tsv(cmds, ncmds, sums, (size_t)runs);
		else
			print_table(cmds, ncmds, sums, (size_t)runs, (size_t)warmup);
	}
out:
	for (i = 0; i < ncmds; i++)
		free(cmds[i].samples);
	free(cmds);
	free(sums);
	free(scratch);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("benchrun: stdout");
		return EXIT_RUN;
	}
	return ok ? 0 : EXIT_RUN;
}
