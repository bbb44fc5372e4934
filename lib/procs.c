#include "procs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "num.h"
#include "proc.h"

#define PF_KTHREAD 0x00200000UL  /* include/linux/sched.h */

/* A command line longer than this is cut: no filter needs more, and a
 * process must not be able to make the check allocate without bound. */
enum { ARGS_LIMIT = 4 << 20 };

struct procs_scanner {
	int procfd;
	long page_kb;
	struct buf args;    /* cmdline of the process being visited */
	struct buf status;  /* its status file */
};

/* "1234/stat" without printf: this runs once per process per file. */
static void pid_path(char *out, pid_t pid, const char *file)
{
	char digits[24];
	int n = 0;
	unsigned long v = (unsigned long)pid;
	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	char *p = out;
	while (n)
		*p++ = digits[--n];
	*p++ = '/';
	size_t len = strlen(file);
	memcpy(p, file, len + 1);
}

/* A decimal field with an optional '-', and the spaces after it; false
 * past the range of a long long (the kernel's fields are 64-bit at most). */
static bool field(const char **pp, const char *end, long long *out)
{
	const char *p = *pp;
	bool neg = false;
	if (p < end && *p == '-') {
		neg = true;
		p++;
	}
	if (p >= end || *p < '0' || *p > '9')
		return false;
	unsigned long long v = 0;
	while (p < end && *p >= '0' && *p <= '9') {
		unsigned d = (unsigned)(*p++ - '0');
		if (v > ((unsigned long long)LLONG_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	while (p < end && *p == ' ')
		p++;
	*out = neg ? -(long long)v : (long long)v;
	*pp = p;
	return true;
}

/* A pid field: a pid_t, or -1 where it may be none (tpgid without a terminal). */
static bool pid_field(long long v, bool may_be_none)
{
	return v >= (may_be_none ? -1 : 0) && v <= INT_MAX;
}

/* /proc/PID/stat: "pid (comm) state ppid ...". comm may hold spaces and
 * parentheses, so it ends at the last ')' of the line. A value that does
 * not fit what it is (a pid above INT_MAX, negative times, a state that is
 * not a letter) is not the kernel's: the line is refused, never wrapped
 * into a plausible number (fuzz_pid_stat checks it). */
bool procs_parse_stat(const char *s, size_t len, long page_kb, struct proc_info *p)
{
	const char *end = s + len;
	const char *open = memchr(s, '(', len);
	const char *close = memrchr(s, ')', len);
	if (!open || !close || close < open || end - close < 4 || close[1] != ' ' || close[3] != ' ')
		return false;
	/* R S D Z T t X x K W P I: a letter, so a NUL or a newline never
	 * reaches ps's STAT column */
	if (!((close[2] >= 'A' && close[2] <= 'Z') || (close[2] >= 'a' && close[2] <= 'z')))
		return false;
	size_t clen = (size_t)(close - open - 1);
	if (clen >= sizeof p->comm)
		clen = sizeof p->comm - 1;
	memcpy(p->comm, open + 1, clen);
	p->comm[clen] = '\0';

	const char *q = close + 2;
	p->state = *q;
	q += 2;
	/* fields 4..24 of proc(5) */
	long long f[25];
	for (int i = 4; i <= 24; i++)
		if (!field(&q, end, &f[i]))
			return false;
	if (!pid_field(f[4], false) || !pid_field(f[5], false) || !pid_field(f[6], false) || !pid_field(f[8], true) ||
	    f[9] < 0 || f[14] < 0 || f[15] < 0 || f[20] < 0 || f[22] < 0 || f[23] < 0)
		return false;
	p->ppid = (pid_t)f[4];
	p->pgrp = (pid_t)f[5];
	p->session = (pid_t)f[6];
	p->tpgid = (pid_t)f[8];
	p->kflags = (unsigned long)f[9];
	/* two values below 2^63 cannot wrap an unsigned long long */
	p->ticks = (unsigned long long)f[14] + (unsigned long long)f[15];
	p->nice = (long)f[19];
	p->threads = (long)f[20];
	p->starttime = (unsigned long long)f[22];
	p->vsz_kb = (unsigned long long)f[23] / 1024;
	unsigned long long pages = f[24] > 0 ? (unsigned long long)f[24] : 0;
	unsigned long long pk = page_kb > 0 ? (unsigned long long)page_kb : 4;
	p->rss_kb = pages > ULLONG_MAX / pk ? ULLONG_MAX : pages * pk;
	p->kthread = (p->kflags & PF_KTHREAD) != 0;
	return true;
}

static bool read_stat(struct procs_scanner *s, pid_t pid, struct proc_info *p)
{
	char path[40];
	char text[2048];  /* 52 numbers and a 15-byte name: well under this */
	pid_path(path, pid, "stat");
	int fd = openat(s->procfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return false;
	ssize_t n;
	do
		n = read(fd, text, sizeof text - 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n <= 0)
		return false;
	text[n] = '\0';
	return procs_parse_stat(text, (size_t)n, s->page_kb, p);
}

void procs_join_args(struct buf *b, const char *comm, char state)
{
	/* argv is NUL-separated; a process that rewrote its title may leave
	 * trailing NULs or spaces. ps shows both as single separators, and
	 * any other control character as '?': an argument is the process's
	 * to choose, and a newline in it must not start a line of the alert */
	for (size_t i = 0; i < b->len; i++) {
		unsigned char ch = (unsigned char)b->s[i];
		if (ch == '\0')
			b->s[i] = ' ';
		else if (ch < 0x20 || ch == 0x7f)
			b->s[i] = '?';
	}
	while (b->len && b->s[b->len - 1] == ' ')
		b->len--;
	if (b->s)
		b->s[b->len] = '\0';
	if (b->len == 0) {
		/* kernel threads and zombies have no command line: ps's form */
		buf_reset(b);
		buf_puts(b, "[");
		for (const char *c = comm; *c; c++)
			buf_putc(b, (unsigned char)*c < 0x20 || *c == 0x7f ? '?' : *c);
		buf_puts(b, state == 'Z' ? "] <defunct>" : "]");
	}
}

static bool load_args(struct procs_scanner *s, struct proc_info *p)
{
	char path[40];
	struct buf *b = &s->args;
	pid_path(path, p->pid, "cmdline");
	if (read_file_buf(s->procfd, path, b, ARGS_LIMIT, true) < 0)
		return false;
	procs_join_args(b, p->comm, p->state);
	p->args = b->s;
	p->args_len = b->len;
	return true;
}

bool procs_status_number(const char *text, size_t len, const char *key, int column,
                         unsigned long long *out)
{
	const char *hit = memmem(text, len, key, strlen(key));
	if (!hit)
		return false;
	const char *p = hit + strlen(key);
	const char *end = text + len;
	for (int c = 0;; c++) {
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p >= end || *p < '0' || *p > '9')
			return false;
		unsigned long long v = 0;
		while (p < end && *p >= '0' && *p <= '9') {
			unsigned d = (unsigned)(*p++ - '0');
			if (v > (ULLONG_MAX - d) / 10)
				return false;  /* not a number the kernel prints */
			v = v * 10 + d;
		}
		if (c == column) {
			*out = v;
			return true;
		}
	}
}

static bool load_status(struct procs_scanner *s, struct proc_info *p)
{
	char path[40];
	struct buf *b = &s->status;
	pid_path(path, p->pid, "status");
	if (read_file_buf(s->procfd, path, b, 1 << 20, true) < 0)
		return false;
	unsigned long long euid;
	/* "Uid:\treal\teffective\tsaved\tfs": ps's uid is the effective one */
	if (!procs_status_number(b->s, b->len, "\nUid:", 1, &euid) || euid > UINT32_MAX - 1)
		return false;
	p->uid = (uid_t)euid;
	/* absent for kernel threads and zombies: no memory, so none swapped */
	p->vmswap_kb = 0;
	p->vmlck_kb = 0;
	/* stat's rss comes from per-CPU counters that lag by up to a few
	 * hundred kB on big machines; status sums them, and ps shows that */
	unsigned long long rss;
	if (procs_status_number(b->s, b->len, "\nVmRSS:", 0, &rss))
		p->rss_kb = rss;
	procs_status_number(b->s, b->len, "\nVmSwap:", 0, &p->vmswap_kb);
	procs_status_number(b->s, b->len, "\nVmLck:", 0, &p->vmlck_kb);
	return true;
}

bool procs_load(struct proc_info *p, unsigned want)
{
	struct procs_scanner *s = p->scanner_;
	unsigned need = want & ~p->have;
	if (need & PROCS_STATUS) {
		if (!load_status(s, p))
			return false;
		p->have |= PROCS_STATUS;
	}
	if (need & PROCS_ARGS) {
		if (!load_args(s, p))
			return false;
		p->have |= PROCS_ARGS;
	}
	return true;
}

static pid_t dir_pid(const char *name)
{
	long v = 0;
	if (!*name)
		return -1;
	for (const char *c = name; *c; c++) {
		if (*c < '0' || *c > '9' || v > 100000000L)
			return -1;
		v = v * 10 + (*c - '0');
	}
	return (pid_t)v;
}

int procs_scan(unsigned want, procs_visit_fn visit, void *ctx)
{
	DIR *d = opendir(proc_root());
	if (!d)
		return -1;
	struct procs_scanner s = { .procfd = dirfd(d), .args = BUF_INIT, .status = BUF_INIT };
	long page = sysconf(_SC_PAGESIZE);
	s.page_kb = page > 0 ? page / 1024 : 4;

	int ret = 0;
	struct dirent *e;
	errno = 0;
	while ((e = readdir(d)) != NULL) {
		pid_t pid = dir_pid(e->d_name);
		if (pid <= 0)
			continue;
		struct proc_info p;
		memset(&p, 0, sizeof p);
		p.pid = pid;
		p.scanner_ = &s;
		if (!read_stat(&s, pid, &p))
			continue;
		if (want && !procs_load(&p, want))
			continue;
		ret = visit(&p, ctx);
		if (ret)
			break;
	}
	buf_free(&s.args);
	buf_free(&s.status);
	closedir(d);
	return ret;
}

void proc_stat_flags(const struct proc_info *p, char *out)
{
	int n = 0;
	out[n++] = p->state;
	if (p->nice < 0)
		out[n++] = '<';
	if (p->nice > 0)
		out[n++] = 'N';
	if ((p->have & PROCS_STATUS) && p->vmlck_kb > 0)
		out[n++] = 'L';
	if (p->session == p->pid)
		out[n++] = 's';
	if (p->threads > 1)
		out[n++] = 'l';
	if (p->pgrp == p->tpgid)
		out[n++] = '+';
	out[n] = '\0';
}

bool procs_parse_uptime(const char *text, double *out)
{
	/* no "inf", "nan" or exponent as strtod takes them: the seconds times
	 * the clock rate are converted to an integer count of ticks, and a
	 * double past 2^64 there is undefined behaviour (fuzz_loadavg checks
	 * it); 10^12 s is 30,000 years */
	double v;
	const char *end;
	if (!num_parse_double_prefix(text, &v, &end) || !(v >= 0 && v < 1e12) ||
	    (*end && *end != ' ' && *end != '\n'))
		return false;
	*out = v;
	return true;
}

bool procs_clock_read(struct procs_clock *clk)
{
	char text[128], path[4096];
	snprintf(path, sizeof path, "%s/uptime", proc_root());
	if (read_text_file(path, text, sizeof text) <= 0)
		return false;
	if (!procs_parse_uptime(text, &clk->uptime)) {
		errno = EINVAL;
		return false;
	}
	clk->hz = sysconf(_SC_CLK_TCK);
	if (clk->hz <= 0)
		clk->hz = 100;
	return true;
}

/* ps (procps-ng 4) counts the lifetime in clock ticks, from the uptime
 * in ticks; seconds and %CPU are truncated, not rounded. */
static double life_ticks(const struct proc_info *p, const struct procs_clock *clk)
{
	if (clk->hz <= 0 || !(clk->uptime > 0 && clk->uptime < 1e12))
		return 0;
	unsigned long long boot = (unsigned long long)(clk->uptime * (double)clk->hz);
	return boot > p->starttime ? (double)(boot - p->starttime) : 0;
}

unsigned long long proc_elapsed(const struct proc_info *p, const struct procs_clock *clk)
{
	double life = life_ticks(p, clk);
	return life > 0 ? (unsigned long long)(life / (double)clk->hz) : 0;
}

double proc_pcpu(const struct proc_info *p, const struct procs_clock *clk)
{
	double life = life_ticks(p, clk);
	if (life <= 0)
		return 0;
	double tenths = (double)p->ticks * 100.0 / life * 10.0;
	if (tenths > 1e15)  /* a recorded /proc can say anything */
		tenths = 1e15;
	return (double)(unsigned long long)tenths / 10.0;
}

/* The name monitoring-plugins compares: ps's comm column up to the first
 * space, without a path. */
static const char *mp_name(const char *comm, char *out, size_t size)
{
	size_t n = strcspn(comm, " ");
	snprintf(out, size, "%.*s", (int)n, comm);
	char *slash = strrchr(out, '/');
	return slash && slash[1] ? slash + 1 : out;
}

bool procs_name_is(const char *comm, const char *name)
{
	char tmp[PROCS_COMM_MAX];
	if (strlen(name) > 15 && strlen(comm) == 15 && strncmp(comm, name, 15) == 0)
		return true;
	return strcmp(comm, name) == 0 || strcmp(mp_name(comm, tmp, sizeof tmp), name) == 0;
}

static bool excluded(const char *list, const char *comm)
{
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, ",");
		char name[PROCS_COMM_MAX + 8];
		if (n < sizeof name) {
			memcpy(name, p, n);
			name[n] = '\0';
			if (procs_name_is(comm, name))
				return true;
		}
		p += n + (p[n] == ',');
	}
	return false;
}

static bool state_matches(const char *states, const struct proc_info *p)
{
	char flags[PROCS_STAT_FLAGS_MAX];
	proc_stat_flags(p, flags);
	return strpbrk(flags, states) != NULL;
}

bool procs_match(const struct procs_filter *f, struct proc_info *p)
{
	/* the L flag (locked pages) is in status, the others in stat */
	bool state_late = f->states && strchr(f->states, 'L');
	if ((f->exclude && excluded(f->exclude, p->comm)) ||
	    (f->no_kthreads && p->kthread) ||
	    (f->command && !procs_name_is(p->comm, f->command)) ||
	    (f->by_ppid && p->ppid != f->ppid) ||
	    (f->by_vsz && p->vsz_kb < f->vsz_kb) ||
	    (f->by_pcpu && (!f->clock || proc_pcpu(p, f->clock) < f->pcpu)) ||
	    (f->states && !state_late && !state_matches(f->states, p)))
		return false;
	/* the command line costs about half what status does, and -a is
	 * usually the narrower filter */
	if (f->args || f->args_re) {
		if (!procs_load(p, PROCS_ARGS) ||
		    (f->args && !strstr(p->args, f->args)) ||
		    (f->args_re && regexec(f->args_re, p->args, 0, NULL, 0) != 0))
			return false;
	}
	if (f->by_uid || f->by_rss || state_late) {
		if (!procs_load(p, PROCS_STATUS) ||
		    (f->by_uid && p->uid != f->uid) ||
		    (f->by_rss && p->rss_kb < f->rss_kb) ||
		    (state_late && !state_matches(f->states, p)))
			return false;
	}
	return procs_load(p, f->load);
}
