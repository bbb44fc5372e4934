/* check_disk: free space and inodes of mounted filesystems.
 * Status line and perfdata as monitoring-plugins' check_disk 2.3.3:
 *   DISK OK - free space: / 81756MiB (83% inode=97%); | /=17017339904B;W;C;0;TOTAL */
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "du.h"
#include "mounts.h"
#include "num.h"
#include "options.h"
#include "plugin.h"
#include "range.h"
#include "secret.h"
#include "timeout.h"

enum {
	OPT_PARTITION = 256, OPT_EREG_PART, OPT_EREGI_PART, OPT_IGN_EREG_PART, OPT_IGN_EREGI_PART,
	OPT_ALL_PSEUDO, OPT_MOUNTINFO, OPT_DU,
};

/* A free-space threshold: a percent of the usable space and/or an amount. */
struct free_limit {
	double pct, amount, mult;  /* mult 0: the amount is in --units */
	bool has_pct, has_amount;
};

struct limits {
	struct free_limit w, c;
	double iw, ic;
	bool has_iw, has_ic;
};

/* -p, -r/-R and -A in command-line order: each takes the thresholds given
 * before it, as in monitoring-plugins (-C starts a new set). */
struct selector {
	enum { SEL_PATH, SEL_REGEX, SEL_ALL } kind;
	const char *arg;
	regex_t re;
	struct limits lim;
	bool own_limits;   /* false: the thresholds given last apply */
	bool override;     /* false: only mounts not selected yet (the implicit "all") */
};

struct strv {
	const char **v;
	size_t n;
};

struct config {
	struct limits cur;
	bool cur_set, selected;
	struct selector *sel;
	size_t nsel;
	regex_t *ignore;
	size_t nignore;
	struct strv xdev, xtype, ntype;
	double mult;
	const char *unit;
	const char *mountinfo;
	long du;          /* --du N: directories to list per filesystem in alert; 0 = off */
	bool exact, errors_only, ignore_missing, root_free, local, stat_remote, all_pseudo, by_device;
};

/* One filesystem to report. */
struct entry {
	const struct mount *m;
	struct limits lim;
	bool explicit_;   /* named with -p: no pseudo, duplicate or zero-size filter */
	bool skip;
	int err;          /* statvfs errno, 0 when measured */
	struct fs_usage u;
	double pct, ipct;
	enum state st;
};

static const struct option_spec options[] = {
	{ "warning", 'w', "LIMIT",
	  "WARNING when free space is at or below LIMIT: PERCENT% of the usable space,\n"
	  "or an amount in --units (\"100\") or with a unit (\"500M\", \"2G\", \"1.5T\").\n"
	  "Give it twice, once as a percent and once as an amount, for both." },
	{ "critical", 'c', "LIMIT", "CRITICAL likewise" },
	{ "iwarning", 'W', "PERCENT%", "WARNING when free inodes are at or below PERCENT" },
	{ "icritical", 'K', "PERCENT%", "CRITICAL likewise" },
	{ "path", 'p', "PATH",
	  "Check the filesystem holding PATH: a mount point, a device (/dev/sda1) or any\n"
	  "file or directory on it (repeatable). Without -p, -r, -R or -A: every filesystem" },
	{ "partition", OPT_PARTITION, "PATH", "Same as --path" },
	{ "exact-match", 'E', NULL, "-p names a mount point or device exactly, not a path below one" },
	{ "ignore-missing", 'n', NULL, "Skip a -p path that does not exist, or a -r that matches nothing" },
	{ "ereg-path", 'r', "REGEX", "Check the filesystems whose mount point or device match REGEX\n"
	  "(POSIX extended, repeatable)" },
	{ "ereg-partition", OPT_EREG_PART, "REGEX", "Same as --ereg-path" },
	{ "eregi-path", 'R', "REGEX", "The same, ignoring case" },
	{ "eregi-partition", OPT_EREGI_PART, "REGEX", "Same as --eregi-path" },
	{ "all", 'A', NULL, "Select every filesystem explicitly (as -R '.*'), e.g. before -C" },
	{ "ignore-ereg-path", 'i', "REGEX", "Skip filesystems whose mount point or device match REGEX (repeatable)" },
	{ "ignore-ereg-partition", OPT_IGN_EREG_PART, "REGEX", "Same as --ignore-ereg-path" },
	{ "ignore-eregi-path", 'I', "REGEX", "The same, ignoring case" },
	{ "ignore-eregi-partition", OPT_IGN_EREGI_PART, "REGEX", "Same as --ignore-eregi-path" },
	{ "exclude_device", 'x', "PATH", "Skip the filesystem mounted at PATH or from device PATH (repeatable)" },
	{ "exclude-type", 'X', "TYPE", "Skip filesystems of type TYPE (repeatable)" },
	{ "include-type", 'N', "TYPE", "Check only filesystems of these types (repeatable)" },
	{ "local", 'l', NULL, "Skip network filesystems (nfs, cifs, smb3, sshfs, glusterfs, ceph ...)" },
	{ "stat-remote-fs", 'L', NULL, "Like -l, but still statvfs network filesystems: CRITICAL when one\n"
	  "does not answer (a stale NFS handle)" },
	{ "all-pseudo", OPT_ALL_PSEUDO, NULL, "Also check pseudo and image filesystems (proc, sysfs, devtmpfs,\n"
	  "cgroup, squashfs ...) and filesystems of size 0" },
	{ "clear", 'C', NULL, "Forget the thresholds given so far: the -p, -r, -R and -A that follow\n"
	  "use the -w, -c, -W and -K given after -C" },
	{ "errors-only", 'e', NULL, "List only the filesystems in WARNING or CRITICAL" },
	{ "freespace-ignore-reserved", 'f', NULL, "Count the blocks reserved for root as free\n"
	  "(f_bfree instead of f_bavail; likewise f_ffree for inodes)" },
	{ "units", 'u', "UNIT", "Unit of free space in the status line and of plain -w/-c amounts:\n"
	  "bytes, kB, MB (default), GB, TB, PB (powers of 1024; KiB, MiB ... are the same)" },
	{ "kilobytes", 'k', NULL, "Same as --units=kB" },
	{ "megabytes", 'm', NULL, "Same as --units=MB" },
	{ "mountpoint", 'M', NULL, "Name filesystems by device instead of mount point" },
	{ "iperfdata", 'P', NULL, "Accepted for compatibility: inode perfdata is always given" },
	{ "du", OPT_DU, "N", "For each filesystem in WARNING or CRITICAL, list the N (1 to 100) largest\n"
	  "directories directly under its mount point, as du -x counts them. Walking a\n"
	  "big filesystem is slow: the walk stops before -t runs out and says so" },
	{ "mountinfo", OPT_MOUNTINFO, "FILE", "Read the mount table from FILE instead of /proc/self/mountinfo\n"
	  "(for tests)" },
	{ NULL, 0, NULL, NULL },
};

static const struct program prog = {
	.name = "check_disk",
	.service = "DISK",
	.purpose = "Checks the free space and free inodes of mounted filesystems (statvfs).\n"
	           "Free space is what an unprivileged user can write (df's Avail); the percent\n"
	           "free is 100 - df's Use%, i.e. 100 - ceil(used * 100 / (used + avail)).",
	.usage = "[-w LIMIT] [-c LIMIT] [-W PCT%] [-K PCT%] [-p PATH]... [-r REGEX]... [-x PATH]...\n"
	         "       [-X TYPE]... [-N TYPE]... [-u UNIT] [-l] [-e] [-E] [-n] [-f] [-C] [--du N] [-t SECONDS]",
	.options = options,
	.notes = "Thresholds alert at or below the value; without any, the plugin only measures.\n"
	         "Perfdata per filesystem: MOUNT=USEDB;WARN;CRIT;0;SIZE, WARN and CRIT being the\n"
	         "used bytes at which the thresholds fire, then 'MOUNT (inodes)'=USED;W;C;0;TOTAL.\n"
	         "A hung NFS server can keep statvfs in an uninterruptible wait that no timeout\n"
	         "ends; -l keeps network filesystems out.",
	.timeout = 10,
	.timeout_state = STATE_CRITICAL,
};

static const struct { const char *name, *label; double mult; } units[] = {
	{ "bytes", "B", 1 }, { "b", "B", 1 },
	{ "kb", "kiB", 1024.0 }, { "kib", "kiB", 1024.0 }, { "k", "kiB", 1024.0 },
	{ "mb", "MiB", 1048576.0 }, { "mib", "MiB", 1048576.0 }, { "m", "MiB", 1048576.0 },
	{ "gb", "GiB", 1073741824.0 }, { "gib", "GiB", 1073741824.0 }, { "g", "GiB", 1073741824.0 },
	{ "tb", "TiB", 1099511627776.0 }, { "tib", "TiB", 1099511627776.0 }, { "t", "TiB", 1099511627776.0 },
	{ "pb", "PiB", 1125899906842624.0 }, { "pib", "PiB", 1125899906842624.0 },
	{ "p", "PiB", 1125899906842624.0 },
};

static int unit_find(const char *s)
{
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (strcasecmp(s, units[i].name) == 0)
			return (int)i;
	return -1;
}

/* "20%", "100" (in --units), "500M"; a leading '@' as monitoring-plugins writes it.
 * program_parse names the option and the argument in front of the reason. */
static const char *parse_free(const char *arg, struct free_limit *fl)
{
	const char *s = arg[0] == '@' ? arg + 1 : arg;
	const char *end;
	double v;
	int u = -1;
	if (!num_parse_double_prefix(s, &v, &end) ||
	    (*end && strcmp(end, "%") != 0 && (u = unit_find(end)) < 0))
		return "not a free-space threshold: give PERCENT%, an amount in --units, "
		       "or an amount with a unit (20%, 100, 500M, 2G)";
	if (v < 0)
		return "a free-space threshold cannot be negative";
	if (*end == '%' && v > 100)
		return "a percent threshold cannot be above 100%";
	if (*end == '%') {
		fl->pct = v;
		fl->has_pct = true;
	} else {
		fl->amount = v;
		fl->mult = u < 0 ? 0 : units[u].mult;
		fl->has_amount = true;
	}
	return NULL;
}

static const char *parse_ipct(const char *arg, double *out, bool *has)
{
	const char *s = arg[0] == '@' ? arg + 1 : arg;
	const char *end;
	double v;
	if (!num_parse_double_prefix(s, &v, &end) || (*end && strcmp(end, "%") != 0) || v < 0 || v > 100)
		return "not a percent of free inodes from 0% to 100%";
	*out = v;
	*has = true;
	return NULL;
}

static void strv_push(struct strv *s, const char *v)
{
	s->v = xrealloc(s->v, (s->n + 1) * sizeof *s->v);
	s->v[s->n++] = v;
}

static bool strv_has(const struct strv *s, const char *v)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], v) == 0)
			return true;
	return false;
}

/* The reason regcomp gives is what the user needs: "Unmatched ( or \\(". */
static const char *compile(regex_t *re, const char *arg, bool icase)
{
	int rc = regcomp(re, arg, REG_EXTENDED | REG_NOSUB | (icase ? REG_ICASE : 0));
	if (rc == 0)
		return NULL;
	static char msg[240];
	char why[200];
	regerror(rc, re, why, sizeof why);
	snprintf(msg, sizeof msg, "bad regular expression: %s", why);
	return msg;
}

static struct selector *add_selector(struct config *cfg, int kind, const char *arg)
{
	cfg->sel = xrealloc(cfg->sel, (cfg->nsel + 1) * sizeof *cfg->sel);
	struct selector *s = &cfg->sel[cfg->nsel++];
	*s = (struct selector){ .kind = kind, .arg = arg, .lim = cfg->cur, .own_limits = cfg->cur_set,
	                        .override = true };
	return s;
}

static const char *on_option(void *cfg_, int key, const char *arg)
{
	struct config *cfg = cfg_;
	const char *err = NULL;
	switch (key) {
	case 'w': err = parse_free(arg, &cfg->cur.w); break;
	case 'c': err = parse_free(arg, &cfg->cur.c); break;
	case 'W': err = parse_ipct(arg, &cfg->cur.iw, &cfg->cur.has_iw); break;
	case 'K': err = parse_ipct(arg, &cfg->cur.ic, &cfg->cur.has_ic); break;
	case 'p': case OPT_PARTITION:
		add_selector(cfg, SEL_PATH, arg);
		cfg->selected = true;
		return NULL;
	case 'r': case OPT_EREG_PART: case 'R': case OPT_EREGI_PART:
		cfg->selected = true;
		return compile(&add_selector(cfg, SEL_REGEX, arg)->re, arg, key == 'R' || key == OPT_EREGI_PART);
	case 'A':
		add_selector(cfg, SEL_ALL, NULL);
		cfg->selected = true;
		return NULL;
	case 'i': case OPT_IGN_EREG_PART: case 'I': case OPT_IGN_EREGI_PART:
		cfg->ignore = xrealloc(cfg->ignore, (cfg->nignore + 1) * sizeof *cfg->ignore);
		return compile(&cfg->ignore[cfg->nignore++], arg, key == 'I' || key == OPT_IGN_EREGI_PART);
	case 'C':
		/* As monitoring-plugins: thresholds before a -C that no path took
		 * apply to every filesystem, and the paths after it may override. */
		if (!cfg->selected && cfg->cur_set)
			add_selector(cfg, SEL_ALL, NULL)->override = false;
		memset(&cfg->cur, 0, sizeof cfg->cur);
		cfg->selected = cfg->cur_set = false;
		return NULL;
	case 'x': strv_push(&cfg->xdev, arg); return NULL;
	case 'X': strv_push(&cfg->xtype, arg); return NULL;
	case 'N': strv_push(&cfg->ntype, arg); return NULL;
	case 'u': {
		int u = unit_find(arg);
		if (u < 0)
			return "not a unit: use bytes, kB, MB, GB, TB or PB";
		cfg->mult = units[u].mult;
		cfg->unit = units[u].label;
		return NULL;
	}
	case 'k': cfg->mult = 1024.0; cfg->unit = "kiB"; return NULL;
	case 'm': cfg->mult = 1048576.0; cfg->unit = "MiB"; return NULL;
	case 'E': cfg->exact = true; return NULL;
	case 'e': cfg->errors_only = true; return NULL;
	case 'n': cfg->ignore_missing = true; return NULL;
	case 'f': cfg->root_free = true; return NULL;
	case 'l': cfg->local = true; return NULL;
	case 'L': cfg->local = cfg->stat_remote = true; return NULL;
	case 'M': cfg->by_device = true; return NULL;
	case 'P': return NULL;
	case OPT_ALL_PSEUDO: cfg->all_pseudo = true; return NULL;
	case OPT_MOUNTINFO: cfg->mountinfo = arg; return NULL;
	case OPT_DU: return opt_long(arg, 1, 100, &cfg->du);
	default: return "unhandled option";
	}
	if (!err)
		cfg->cur_set = true;
	return err;
}

/* ---- selection ------------------------------------------------------- */

struct pick {
	struct entry *e;
	size_t n;
	long *slot;          /* mount index -> entry index, or -1 */
	const char **why;    /* mount index -> why it is not checked (-vv) */
};

static void put(struct pick *pk, const struct mount_list *l, size_t i, const struct limits *lim,
                bool explicit_, bool override)
{
	if (pk->slot[i] >= 0) {
		struct entry *e = &pk->e[pk->slot[i]];
		if (override)
			e->lim = *lim;
		e->explicit_ |= explicit_;
		return;
	}
	pk->slot[i] = (long)pk->n;
	pk->e[pk->n++] = (struct entry){ .m = &l->v[i], .lim = *lim, .explicit_ = explicit_ };
}

static bool mount_matches(const regex_t *re, const struct mount *m)
{
	return regexec(re, m->dir, 0, NULL, 0) == 0 || regexec(re, m->source, 0, NULL, 0) == 0;
}

static size_t visible_twin(const struct mount_list *l, size_t i)
{
	for (size_t j = l->n; j-- > i + 1; )
		if (!l->v[j].shadowed && strcmp(l->v[j].dir, l->v[i].dir) == 0)
			return j;
	return (size_t)-1;
}

static void select_mounts(const struct config *cfg, const struct mount_list *l, struct pick *pk)
{
	for (size_t k = 0; k < cfg->nsel; k++) {
		const struct selector *s = &cfg->sel[k];
		const struct limits *lim = s->own_limits ? &s->lim : &cfg->cur;
		if (s->kind == SEL_PATH) {
			long i = mounts_find(l, s->arg, cfg->exact);
			if (i >= 0)
				put(pk, l, (size_t)i, lim, true, true);
			else if (cfg->ignore_missing)
				continue;
			else if (errno == ENODEV)
				plugin_die(STATE_UNKNOWN, "%s: block device is not mounted", s->arg);
			else if (errno == ENOENT)
				plugin_die(STATE_UNKNOWN, "%s: %s", s->arg, cfg->exact ?
				           "not a mount point or device (-E)" : "no such path");
			else
				plugin_die(STATE_UNKNOWN, "%s: %s", s->arg, strerror(errno));
			continue;
		}
		bool matched = false;
		for (size_t k2 = 0; k2 < l->n; k2++) {
			/* A mount point mounted again is listed where it first appeared,
			 * as monitoring-plugins does, with the numbers of the visible mount. */
			size_t i = l->v[k2].shadowed ? visible_twin(l, k2) : k2;
			if (i == (size_t)-1)
				continue;
			const struct mount *m = &l->v[i];
			if (!cfg->all_pseudo && fs_type_is_pseudo(m->type))
				continue;
			if (s->kind == SEL_REGEX && !mount_matches(&s->re, m))
				continue;
			put(pk, l, i, lim, false, s->override);
			matched = true;
		}
		if (!matched && s->kind == SEL_REGEX && !cfg->ignore_missing)
			plugin_die(STATE_UNKNOWN, "regular expression '%s' matches no filesystem", s->arg);
	}
}

static const char *filtered(const struct config *cfg, const struct mount *m)
{
	if (strv_has(&cfg->xdev, m->dir) || strv_has(&cfg->xdev, m->source))
		return "excluded by -x";
	if (strv_has(&cfg->xtype, m->type))
		return "type excluded by -X";
	if (cfg->ntype.n && !strv_has(&cfg->ntype, m->type))
		return "type not given with -N";
	for (size_t k = 0; k < cfg->nignore; k++)
		if (mount_matches(&cfg->ignore[k], m))
			return "ignored by -i/-I";
	return NULL;
}

static int cmp_dev(const void *a, const void *b)
{
	const struct entry *x = *(const struct entry *const *)a, *y = *(const struct entry *const *)b;
	if (x->m->major != y->m->major)
		return x->m->major < y->m->major ? -1 : 1;
	if (x->m->minor != y->m->minor)
		return x->m->minor < y->m->minor ? -1 : 1;
	return x < y ? -1 : x > y;
}

/* One entry per device unless -p named more: bind mounts show the same numbers. */
static void drop_duplicates(struct pick *pk, const struct mount_list *l)
{
	struct entry **v = xmalloc((pk->n + 1) * sizeof *v);
	size_t n = 0;
	for (size_t i = 0; i < pk->n; i++)
		if (!pk->e[i].skip)
			v[n++] = &pk->e[i];
	qsort(v, n, sizeof *v, cmp_dev);
	for (size_t a = 0, b; a < n; a = b) {
		struct entry *keep = NULL;
		bool named = false;
		for (b = a; b < n && v[b]->m->major == v[a]->m->major && v[b]->m->minor == v[a]->m->minor; b++) {
			named |= v[b]->explicit_;
			if (!v[b]->explicit_ && (!keep || mount_preferred(v[b]->m, keep->m)))
				keep = v[b];
		}
		for (size_t i = a; i < b; i++)
			if (!v[i]->explicit_ && (named || v[i] != keep)) {
				v[i]->skip = true;
				pk->why[v[i]->m - l->v] = "another mount of the same device is shown";
			}
	}
	free(v);
}

/* ---- measuring and judging ------------------------------------------- */

static void measure(const struct config *cfg, struct pick *pk, const struct mount_list *l)
{
	for (size_t i = 0; i < pk->n; i++) {
		struct entry *e = &pk->e[i];
		const char **why = &pk->why[e->m - l->v];
		if (!e->skip && (*why = filtered(cfg, e->m)))
			e->skip = true;
	}
	drop_duplicates(pk, l);
	for (size_t i = 0; i < pk->n; i++) {
		struct entry *e = &pk->e[i];
		const char **why = &pk->why[e->m - l->v];
		if (e->skip)
			continue;
		bool remote = cfg->local && mount_is_remote(e->m);
		if (remote && !cfg->stat_remote) {
			e->skip = true;
			*why = "network filesystem (-l)";
			continue;
		}
		if (fs_usage_read(e->m->dir, cfg->root_free, &e->u) < 0) {
			e->err = errno;
			/* As df: what we may not look into is not ours to report. */
			if (!e->explicit_ && (errno == EACCES || errno == ENOENT)) {
				e->skip = true;
				*why = "statvfs failed";
			}
			continue;
		}
		if (remote) {
			e->skip = true;
			*why = "network filesystem (-L): it answered";
		} else if (!e->explicit_ && !cfg->all_pseudo && e->u.total == 0) {
			e->skip = true;
			*why = "size 0";
		}
		e->pct = fs_free_percent(&e->u);
		e->ipct = fs_inode_free_percent(&e->u);
	}
}

static double amount_bytes(const struct free_limit *fl, double mult)
{
	return fl->amount * (fl->mult > 0 ? fl->mult : mult);
}

static bool free_alerts(const struct free_limit *fl, const struct entry *e, double mult)
{
	return (fl->has_pct && e->pct <= fl->pct) ||
	       (fl->has_amount && (double)e->u.avail <= amount_bytes(fl, mult));
}

static bool space_alerts(const struct entry *e, double mult)
{
	return free_alerts(&e->lim.c, e, mult) || free_alerts(&e->lim.w, e, mult);
}

static enum state judge(const struct entry *e, double mult)
{
	if (e->err)
		return STATE_CRITICAL;
	const struct limits *L = &e->lim;
	bool inodes = e->ipct >= 0;
	if (free_alerts(&L->c, e, mult) || (inodes && L->has_ic && e->ipct <= L->ic))
		return STATE_CRITICAL;
	if (free_alerts(&L->w, e, mult) || (inodes && L->has_iw && e->ipct <= L->iw))
		return STATE_WARNING;
	return STATE_OK;
}

/* The used bytes at which a free-space threshold fires, for perfdata. */
static struct range used_range(const struct free_limit *fl, double base, double mult)
{
	if (!fl->has_pct && !fl->has_amount)
		return (struct range){ .set = false };
	double t = base;
	if (fl->has_amount && base - amount_bytes(fl, mult) < t)
		t = base - amount_bytes(fl, mult);
	if (fl->has_pct && base * (1 - fl->pct / 100) < t)
		t = base * (1 - fl->pct / 100);
	return range_above(t > 0 ? (double)(unsigned long long)t : 0);
}

static struct range inode_range(bool has, double pct, double base)
{
	if (!has)
		return (struct range){ .set = false };
	return range_above((double)(unsigned long long)(base * (1 - pct / 100)));
}

/* ---- output ---------------------------------------------------------- */

/* df -h's form: powers of 1024, rounded up, one decimal below 10. */
static void df_human(unsigned long long v, char *out, size_t size)
{
	static const char suffix[] = "KMGTPE";
	if (v < 1024) {
		snprintf(out, size, "%llu", v);
		return;
	}
	double x = (double)v;
	int u = -1;
	while (x >= 1024 && u < 5) {
		x /= 1024;
		u++;
	}
	if (x < 10) {
		double t = (double)(unsigned long long)(x * 10);
		x = (t < x * 10 ? t + 1 : t) / 10;
	} else {
		double t = (double)(unsigned long long)x;
		x = t < x ? t + 1 : t;
	}
	if (x >= 1024 && u < 5) {
		x = 1;
		u++;
	}
	if (x < 10)
		snprintf(out, size, "%.1f%c", x, suffix[u]);
	else
		snprintf(out, size, "%.0f%c", x, suffix[u]);
}

struct row {
	char size[16], used[16], avail[16], pct[8], ipct[8];
};

static void print_table(struct check *c, const struct pick *pk)
{
	struct row *rows = xcalloc(pk->n, sizeof *rows);
	int w[7] = { 10, 4, 4, 4, 5, 4, 5 };  /* the header's widths */
	for (size_t i = 0; i < pk->n; i++) {
		const struct entry *e = &pk->e[i];
		struct row *r = &rows[i];
		if (e->skip)
			continue;
		if (e->err) {
			strcpy(r->size, "-"), strcpy(r->used, "-"), strcpy(r->avail, "-");
			strcpy(r->pct, "-"), strcpy(r->ipct, "-");
		} else {
			df_human(e->u.total, r->size, sizeof r->size);
			df_human(e->u.used, r->used, sizeof r->used);
			df_human(e->u.avail, r->avail, sizeof r->avail);
			snprintf(r->pct, sizeof r->pct, "%.0f%%", 100 - e->pct);
			if (e->ipct >= 0)
				snprintf(r->ipct, sizeof r->ipct, "%.0f%%", 100 - e->ipct);
			else
				strcpy(r->ipct, "-");
		}
		const char *cols[7] = { e->m->source, e->m->type, r->size, r->used, r->avail, r->pct, r->ipct };
		for (int k = 0; k < 7; k++)
			if ((int)strlen(cols[k]) > w[k])
				w[k] = (int)strlen(cols[k]);
	}
	check_long(c, "%-*s %-*s %*s %*s %*s %*s %*s %s", w[0], "Filesystem", w[1], "Type", w[2], "Size",
	           w[3], "Used", w[4], "Avail", w[5], "Use%", w[6], "IUse%", "Mounted on");
	for (size_t i = 0; i < pk->n; i++) {
		const struct entry *e = &pk->e[i];
		const struct row *r = &rows[i];
		if (!e->skip)
			check_long(c, "%-*s %-*s %*s %*s %*s %*s %*s %s", w[0], e->m->source, w[1], e->m->type,
			           w[2], r->size, w[3], r->used, w[4], r->avail, w[5], r->pct, w[6], r->ipct,
			           e->m->dir);
	}
	free(rows);
}

/* --du: the largest directories of one filesystem in alert, by size, or
 * by inodes when only the inode thresholds fire. */
static void list_du(struct check *c, const struct entry *e, long n, double deadline, bool by_inodes)
{
	const char *dir = e->m->dir;
	struct du_result r;
	char size[16];
	if (du_walk(dir, deadline, &r) < 0) {
		check_long(c, "du -x %s: %s", dir, strerror(errno));
		return;
	}
	du_sort(&r, by_inodes);
	df_human(r.bytes, size, sizeof size);
	check_long(c, "du -x %s: %s in %llu files; largest directories by %s:", dir, size, r.files,
	           by_inodes ? "inodes" : "size");
	size_t shown = r.ndirs < (size_t)n ? r.ndirs : (size_t)n;
	const char *slash = strcmp(dir, "/") == 0 ? "" : "/";
	int wb = 5, wi = 6;   /* "Bytes", "Inodes" */
	for (size_t i = 0; i < shown; i++) {
		int lb = snprintf(NULL, 0, "%llu", r.dirs[i].bytes), li = snprintf(NULL, 0, "%llu", r.dirs[i].inodes);
		wb = lb > wb ? lb : wb;
		wi = li > wi ? li : wi;
	}
	if (shown)
		check_long(c, "%5s %*s %*s %s", "Size", wb, "Bytes", wi, "Inodes", "Directory");
	else
		check_long(c, "no directory under %s", dir);
	for (size_t i = 0; i < shown; i++) {
		df_human(r.dirs[i].bytes, size, sizeof size);
		if (r.dirs[i].partial)
			strcat(size, "+");
		/* any local user names directories: a line break in one would
		 * start a line of its own in the long output */
		text_one_line(r.dirs[i].name, '?');
		check_long(c, "%5s %*llu %*llu %s%s%s", size, wb, r.dirs[i].bytes, wi, r.dirs[i].inodes, dir, slash,
		           r.dirs[i].name);
	}
	if (r.partial)
		check_long(c, "partial: stopped at the deadline after %llu files (+: not walked to the end)", r.files);
	if (r.errors)
		check_long(c, "%llu entries could not be read (%s)", r.errors, strerror(r.first_error));
	if (plugin_verbose >= 1)
		check_long(c, "du -x %s: %zu directories, %.3f s", dir, r.ndirs, r.seconds);
	du_result_free(&r);
}

/* The walks share what -t leaves, less a margin to print the answer in
 * (a tenth of -t, 0.1 to 1 s): each filesystem gets an equal part of the
 * time still left when its turn comes. */
static void list_all_du(struct check *c, const struct config *cfg, const struct pick *pk)
{
	size_t left = 0;
	for (size_t i = 0; i < pk->n; i++)
		left += !pk->e[i].skip && !pk->e[i].err && pk->e[i].st != STATE_OK;
	double margin = timeout_seconds() / 10;
	margin = margin < 0.1 ? 0.1 : margin > 1 ? 1 : margin;
	double end = monotonic_now() + timeout_remaining() - margin;
	for (size_t i = 0; i < pk->n; i++) {
		const struct entry *e = &pk->e[i];
		if (e->skip || e->err || e->st == STATE_OK)
			continue;
		double now = monotonic_now();
		list_du(c, e, cfg->du, now + (end - now) / (double)left--, !space_alerts(e, cfg->mult));
	}
}

static void report(struct check *c, const struct config *cfg, const struct pick *pk,
                   const struct mount_list *l)
{
	size_t checked = 0, listed = 0;
	for (size_t i = 0; i < pk->n; i++) {
		struct entry *e = &pk->e[i];
		if (e->skip)
			continue;
		checked++;
		e->st = judge(e, cfg->mult);
		check_raise(c, e->st);
		const char *name = cfg->by_device ? e->m->source : e->m->dir;
		if (!cfg->errors_only || e->st != STATE_OK) {
			check_summary(c, "%s %s", listed++ ? "" : "free space:", name);
			if (e->err)
				check_summary(c, " is not accessible: %s;", strerror(e->err));
			else if (e->ipct < 0)
				check_summary(c, " %llu%s (%.0f%% inode=-);",
				              (unsigned long long)((double)e->u.avail / cfg->mult), cfg->unit, e->pct);
			else
				check_summary(c, " %llu%s (%.0f%% inode=%.0f%%);",
				              (unsigned long long)((double)e->u.avail / cfg->mult), cfg->unit, e->pct,
				              e->ipct);
		}
		if (e->err)
			continue;
		double base = (double)e->u.used + (double)e->u.avail;
		struct range w = used_range(&e->lim.w, base, cfg->mult), cr = used_range(&e->lim.c, base, cfg->mult);
		check_perf(c, &(struct perf){ .label = name, .value = (double)e->u.used, .uom = "B", .decimals = 0,
		                              .warn = &w, .crit = &cr, .has_min = true, .has_max = true,
		                              .max = (double)e->u.total });
		if (e->u.files) {
			char label[4200];
			double ibase = (double)e->u.iused + (double)e->u.iavail;
			struct range iw = inode_range(e->lim.has_iw, e->lim.iw, ibase);
			struct range ic = inode_range(e->lim.has_ic, e->lim.ic, ibase);
			snprintf(label, sizeof label, "%s (inodes)", name);
			check_perf(c, &(struct perf){ .label = label, .value = (double)e->u.iused, .decimals = 0,
			                              .warn = &iw, .crit = &ic, .has_min = true, .has_max = true,
			                              .max = (double)e->u.files });
		}
	}
	if (checked == 0) {
		if (!cfg->ignore_missing)
			check_raise(c, STATE_UNKNOWN);
		check_summary(c, "no filesystem selected");
	} else if (listed == 0) {
		check_summary(c, "no filesystem in alert (%zu checked)", checked);
	}
	if (checked)
		print_table(c, pk);
	if (cfg->du)
		list_all_du(c, cfg, pk);
	if (plugin_verbose >= 1)
		for (size_t i = 0; i < pk->n; i++) {
			const struct entry *e = &pk->e[i];
			if (e->skip || e->err)
				continue;
			check_long(c, "%s: %s: %llu of %llu usable bytes free (%.0f%%), %llu of %llu inodes free (%.0f%%)",
			           e->m->dir, state_name(e->st), e->u.avail, e->u.used + e->u.avail, e->pct,
			           e->u.iavail, e->u.iused + e->u.iavail, e->ipct < 0 ? 100 : e->ipct);
		}
	if (plugin_verbose >= 2) {
		check_long(c, "mountinfo: %zu mounts, %zu malformed lines skipped", l->n, l->bad);
		for (size_t i = 0; i < l->n; i++) {
			const struct mount *m = &l->v[i];
			const char *why = pk->why[i];
			if (!why)
				why = pk->slot[i] >= 0 ? (pk->e[pk->slot[i]].skip ? "skipped" : "checked")
				    : m->shadowed ? "hidden by a later mount"
				    : fs_type_is_pseudo(m->type) && !cfg->all_pseudo ? "pseudo filesystem"
				    : "not selected";
			check_long(c, "mount %lu: [%s] type [%s] source [%s] dev %u:%u root [%s]: %s",
			           m->id, m->dir, m->type, m->source, m->major, m->minor, m->root, why);
		}
	}
}

static void config_free(struct config *cfg)
{
	for (size_t i = 0; i < cfg->nsel; i++)
		if (cfg->sel[i].kind == SEL_REGEX)
			regfree(&cfg->sel[i].re);
	for (size_t i = 0; i < cfg->nignore; i++)
		regfree(&cfg->ignore[i]);
	free(cfg->sel);
	free(cfg->ignore);
	free(cfg->xdev.v);
	free(cfg->xtype.v);
	free(cfg->ntype.v);
}

int main(int argc, char **argv)
{
	struct config cfg = { .mult = 1048576.0, .unit = "MiB", .mountinfo = "/proc/self/mountinfo" };
	struct mount_list l;
	struct check c;

	program_parse(&prog, argc, argv, on_option, &cfg);
	if (!cfg.selected)  /* no -p/-r/-A since the last -C: every filesystem */
		add_selector(&cfg, SEL_ALL, NULL)->override = false;
	check_init(&c, prog.service);
	/* lib/secret: a FIFO or a device given as --mountinfo is refused at
	 * once, never waited on; far above any real table (100,000 mounts) */
	struct buf text = BUF_INIT;
	const char *bad = file_read_all(cfg.mountinfo, 64 << 20, &text);
	if (bad) {
		buf_free(&text);
		plugin_die(STATE_UNKNOWN, "cannot read %s", bad);
	}
	mounts_parse(text.len ? text.s : "", text.len, &l);
	buf_free(&text);
	/* there is always a root mount: an empty or garbage file is not a
	 * mount table, whatever the selection */
	if (l.n == 0) {
		mounts_free(&l);
		plugin_die(STATE_UNKNOWN, "%s: no mount entries", cfg.mountinfo);
	}
	mounts_mark_shadowed(&l);

	struct pick pk = { .e = xcalloc(l.n + 1, sizeof *pk.e), .slot = xmalloc((l.n + 1) * sizeof *pk.slot),
	                   .why = xcalloc(l.n + 1, sizeof *pk.why) };
	for (size_t i = 0; i < l.n; i++)
		pk.slot[i] = -1;
	select_mounts(&cfg, &l, &pk);
	measure(&cfg, &pk, &l);
	report(&c, &cfg, &pk, &l);

	free(pk.e);
	free(pk.slot);
	free(pk.why);
	mounts_free(&l);
	config_free(&cfg);
	check_exit(&c);
}
