#include "topprocs.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "options.h"
#include "proc.h"

struct top_snap {
	pid_t pid;
	unsigned long long start, ticks;
};

void top_init(struct top *t, unsigned lists, unsigned n)
{
	memset(t, 0, sizeof *t);
	t->n = n;
	t->lists = n ? lists : 0;
	if (!n)
		return;
	if (lists & TOP_CPU)
		t->cpu.rows = xcalloc(n, sizeof *t->cpu.rows);
	if (lists & TOP_RSS)
		t->rss.rows = xcalloc(n, sizeof *t->rss.rows);
	if (lists & TOP_SWAP)
		t->swap.rows = xcalloc(n, sizeof *t->swap.rows);
}

void top_free(struct top *t)
{
	free(t->cpu.rows);
	free(t->rss.rows);
	free(t->swap.rows);
	free(t->snap_);
	memset(t, 0, sizeof *t);
}

const char *top_opt(const char *arg, unsigned *n)
{
	long v;
	const char *err = opt_long(arg, 0, TOP_MAX, &v);
	if (!err)
		*n = (unsigned)v;
	return err;
}

/* A place for a process of this rank, keeping the list sorted, or NULL when
 * it does not make the list. Equal ranks keep the earlier (lower pid) first.
 * Nothing of rank 0 is listed: no CPU time, no memory, no swap is no evidence. */
static struct top_row *offer(struct top_list *l, unsigned n, double rank)
{
	if (!(rank > 0) || (l->len == n && rank <= l->rows[n - 1].rank_))
		return NULL;
	unsigned i = l->len < n ? l->len++ : n - 1;
	while (i > 0 && l->rows[i - 1].rank_ < rank) {
		l->rows[i] = l->rows[i - 1];
		i--;
	}
	return &l->rows[i];
}

static void put(struct top_row *r, const struct proc_info *p, double rank)
{
	r->pid = p->pid;
	r->rank_ = rank;
	r->rss_kb = p->rss_kb;
	r->has_uid = (p->have & PROCS_STATUS) != 0;
	r->uid = r->has_uid ? p->uid : 0;
	r->swap_kb = r->has_uid ? p->vmswap_kb : 0;
	r->pcpu = 0;
	/* a name is whatever the process set (prctl, argv[0]): a newline in it
	 * must not start a line of its own in the alert */
	size_t i;
	for (i = 0; p->comm[i] && i < sizeof r->comm - 1; i++) {
		unsigned char ch = (unsigned char)p->comm[i];
		r->comm[i] = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
	}
	r->comm[i] = '\0';
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- one pass: lifetime CPU, RSS, swap ---- */

struct scan_ctx {
	struct top *t;
	struct procs_clock clk;
	unsigned long long boot;   /* now, in clock ticks after boot */
	bool status_all;           /* VmSwap of every process is needed */
};

static int visit_scan(struct proc_info *p, void *ctx_)
{
	struct scan_ctx *x = ctx_;
	struct top *t = x->t;
	struct top_row *r;
	if (t->lists & TOP_CPU) {
		/* rank by the exact ratio; show ps's truncated %CPU */
		unsigned long long life = x->boot > p->starttime ? x->boot - p->starttime : 1;
		double rank = (double)p->ticks / (double)life;
		if ((r = offer(&t->cpu, t->n, rank))) {
			put(r, p, rank);
			r->pcpu = proc_pcpu(p, &x->clk);
		}
	}
	/* Only status has VmSwap, and it costs more than stat. Kernel threads
	 * and zombies have no memory, and a process can have no more swapped
	 * out than its whole address space (VmSize, exact in stat): once the
	 * list is full, one smaller than its last row cannot enter. */
	bool swap = x->status_all && !p->kthread && p->state != 'Z' &&
	            !(t->swap.len == t->n && (double)p->vsz_kb <= t->swap.rows[t->n - 1].rank_);
	if (swap && !procs_load(p, PROCS_STATUS))
		return 0;   /* it exited */
	if ((t->lists & TOP_RSS) && (r = offer(&t->rss, t->n, (double)p->rss_kb)))
		put(r, p, (double)p->rss_kb);
	if (swap && (r = offer(&t->swap, t->n, (double)p->vmswap_kb)))
		put(r, p, (double)p->vmswap_kb);
	return 0;
}

/* The user and the exact RSS of a winner, from its status file. procs_load()
 * can only read the process being visited; reading status for every process
 * that enters a list on the way would cost several times the N reads here.
 * A process that exited since keeps its row, without a user. */
static void finish_rows(struct top_list *l, struct buf *b)
{
	for (unsigned i = 0; i < l->len; i++) {
		struct top_row *r = &l->rows[i];
		if (r->has_uid)
			continue;
		char path[4096];
		unsigned long long uid, rss;
		snprintf(path, sizeof path, "%s/%d/status", proc_root(), (int)r->pid);
		if (read_file_buf(AT_FDCWD, path, b, 1 << 20, true) < 0)
			continue;
		if (!procs_status_number(b->s, b->len, "\nUid:", 1, &uid) || uid > UINT32_MAX - 1)
			continue;
		r->uid = (uid_t)uid;
		r->has_uid = true;
		/* stat's RSS lags the per-CPU counters; ps shows this one */
		if (procs_status_number(b->s, b->len, "\nVmRSS:", 0, &rss))
			r->rss_kb = rss;
	}
}

static int by_rss(const void *a, const void *b)
{
	const struct top_row *x = a, *y = b;
	if (x->rss_kb != y->rss_kb)
		return x->rss_kb < y->rss_kb ? 1 : -1;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

static void finish(struct top *t)
{
	struct buf b = BUF_INIT;
	finish_rows(&t->cpu, &b);
	finish_rows(&t->rss, &b);
	buf_free(&b);
	/* the exact figures may swap two neighbours ranked by stat's */
	if (t->rss.len > 1)
		qsort(t->rss.rows, t->rss.len, sizeof *t->rss.rows, by_rss);
}

void top_scan(struct top *t)
{
	if (!t->lists)
		return;
	struct scan_ctx x = { .t = t, .status_all = (t->lists & TOP_SWAP) && !t->swap_unused };
	if (t->lists & TOP_CPU) {
		errno = 0;
		if (!procs_clock_read(&x.clk)) {
			t->err = errno ? errno : EINVAL;
			t->err_file = "uptime";
			return;
		}
		x.boot = (unsigned long long)(x.clk.uptime * (double)x.clk.hz);
	}
	if (procs_scan(0, visit_scan, &x) < 0) {
		t->err = errno;
		return;
	}
	finish(t);
}

/* ---- CPU over a sample ---- */

static int visit_snap(struct proc_info *p, void *ctx)
{
	struct top *t = ctx;
	/* room for 64 at first, doubled whenever a power of two is full */
	if (t->nsnap_ >= 64 && (t->nsnap_ & (t->nsnap_ - 1)) == 0)
		t->snap_ = xrealloc(t->snap_, t->nsnap_ * 2 * sizeof *t->snap_);
	t->snap_[t->nsnap_++] = (struct top_snap){ p->pid, p->starttime, p->ticks };
	return 0;
}

static int by_pid(const void *a, const void *b)
{
	const struct top_snap *x = a, *y = b;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

void top_sample_start(struct top *t)
{
	struct procs_clock clk;
	if (!(t->lists & TOP_CPU))
		return;
	errno = 0;
	if (!procs_clock_read(&clk)) {
		t->err = errno ? errno : EINVAL;
		t->err_file = "uptime";
		return;
	}
	t->boot_ticks_ = (unsigned long long)(clk.uptime * (double)clk.hz);
	t->snap_ = xmalloc(64 * sizeof *t->snap_);
	t->nsnap_ = 0;
	double a = now();
	if (procs_scan(0, visit_snap, t) < 0) {
		t->err = errno;
		return;
	}
	/* each process was read somewhere inside the scan: its middle is the
	 * best single time for all of them */
	t->t0_ = (a + now()) / 2;
	/* /proc lists pids in order, but nothing promises it */
	qsort(t->snap_, t->nsnap_, sizeof *t->snap_, by_pid);
}

static int visit_delta(struct proc_info *p, void *ctx)
{
	struct top *t = ctx;
	struct top_snap key = { .pid = p->pid };
	const struct top_snap *s = bsearch(&key, t->snap_, t->nsnap_, sizeof *s, by_pid);
	unsigned long long d;
	if (s && s->start == p->starttime)
		d = p->ticks >= s->ticks ? p->ticks - s->ticks : 0;
	else if (p->starttime + 1 >= t->boot_ticks_)
		d = p->ticks;   /* started during the sample: all its time is in it */
	else
		return 0;       /* missed by the first scan: no base to diff against */
	struct top_row *r = offer(&t->cpu, t->n, (double)d);
	if (r)
		put(r, p, (double)d);
	return 0;
}

void top_sample_end(struct top *t)
{
	if (!(t->lists & TOP_CPU) || t->err)
		return;
	double a = now();
	if (procs_scan(0, visit_delta, t) < 0) {
		t->err = errno;
		return;
	}
	double t1 = (a + now()) / 2;
	t->sample = t1 - t->t0_;
	long hz = sysconf(_SC_CLK_TCK);
	if (hz <= 0)
		hz = 100;
	for (unsigned i = 0; i < t->cpu.len; i++)
		t->cpu.rows[i].pcpu = t->sample > 0 ? 100.0 * t->cpu.rows[i].rank_ / (double)hz / t->sample : 0;
	finish(t);
}

/* ---- printing ---- */

static const char *user_name(const struct top_row *r, char *out, size_t size)
{
	static struct { uid_t uid; char name[33]; } cache[8];
	static unsigned n;
	if (!r->has_uid)
		return "?";
	for (unsigned i = 0; i < n; i++)
		if (cache[i].uid == r->uid)
			return cache[i].name;
	/* musl reads only /etc/passwd: an LDAP user is shown by number there */
	struct passwd *pw = getpwuid(r->uid);
	if (pw && strlen(pw->pw_name) < size)
		snprintf(out, size, "%s", pw->pw_name);
	else
		snprintf(out, size, "%u", (unsigned)r->uid);
	if (n < sizeof cache / sizeof cache[0]) {
		cache[n].uid = r->uid;
		snprintf(cache[n].name, sizeof cache[n].name, "%s", out);
		n++;
	}
	return out;
}

static void cpu_long(struct check *c, const struct top *t)
{
	char user[33];
	if (t->sample > 0)
		check_long(c, "Top %u processes by CPU over the %.2fs sample (%%CPU of one CPU, as top):",
		           t->n, t->sample);
	else
		check_long(c, "Top %u processes by CPU (%%CPU averaged over each process's lifetime, as ps):",
		           t->n);
	if (!t->cpu.len) {
		check_long(c, "  none used CPU time%s", t->sample > 0 ? " during the sample" : "");
		return;
	}
	check_long(c, "%8s %-8s %6s %s", "PID", "USER", "%CPU", "COMMAND");
	for (unsigned i = 0; i < t->cpu.len; i++) {
		const struct top_row *r = &t->cpu.rows[i];
		check_long(c, "%8d %-8s %6.1f %s", (int)r->pid, user_name(r, user, sizeof user), r->pcpu,
		           r->comm);
	}
}

static void mem_long(struct check *c, const struct top *t, const struct top_list *l, bool swap)
{
	char user[33], size[32];
	check_long(c, "Top %u processes by %s:", t->n, swap ? "swap use (VmSwap)" : "resident memory (RSS)");
	if (!l->len) {
		check_long(c, "  none%s", swap && t->swap_unused ? ": no swap is in use" : "");
		return;
	}
	check_long(c, "%8s %-8s %10s %s", "PID", "USER", swap ? "SWAP" : "RSS", "COMMAND");
	for (unsigned i = 0; i < l->len; i++) {
		const struct top_row *r = &l->rows[i];
		human_bytes((double)(swap ? r->swap_kb : r->rss_kb) * 1024, size, sizeof size);
		check_long(c, "%8d %-8s %10s %s", (int)r->pid, user_name(r, user, sizeof user), size, r->comm);
	}
}

void top_long(struct check *c, const struct top *t)
{
	if (!t->lists)
		return;
	if (t->err) {
		check_long(c, "Top processes: cannot read %s%s%s: %s", proc_root(), t->err_file ? "/" : "",
		           t->err_file ? t->err_file : "", strerror(t->err));
		return;
	}
	if (t->lists & TOP_CPU)
		cpu_long(c, t);
	if (t->lists & TOP_RSS)
		mem_long(c, t, &t->rss, false);
	if (t->lists & TOP_SWAP)
		mem_long(c, t, &t->swap, true);
}
