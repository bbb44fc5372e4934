/* check_file: Monit's file checks (runbook 003) as a plugin: checksum
 * against a given value or a recorded baseline, permission mode, owner,
 * group, size, age and existence of one or more files. Each mismatch says
 * what changed ("mode 0644 -> 0666"). A symlink is never followed unless
 * asked, so a file swapped for a link is seen, not silently read through.
 *
 * main(): options -> per file: fc_measure() (lib/filecheck.c) and the
 * baseline's differences -> judge -> print. */
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "buf.h"
#include "filecheck.h"
#include "options.h"
#include "plugin.h"
#include "range.h"
#include "timeout.h"

struct target {
	const char *path;
	char *expect;                   /* --checksum, lower-case hex, or NULL */
	const struct fc_algo *expect_algo;
};

struct config {
	struct target *files;
	size_t nfiles;
	const struct fc_algo *algo;     /* --algorithm; NULL: sha256 or the baseline's */
	bool baseline, update, absent, follow;
	bool has_mode, has_uid, has_gid;
	unsigned mode;
	uid_t uid;
	gid_t gid;
	struct range age_w, age_c, size_w, size_c;
	const char *age_w_arg, *age_c_arg, *size_w_arg, *size_c_arg;
	enum state missing, change;
};

enum { OPT_CHECKSUM = 256, OPT_ALGO, OPT_BASELINE, OPT_UPDATE, OPT_MODE, OPT_UID, OPT_GID,
       OPT_ABSENT, OPT_FOLLOW, OPT_MISSING, OPT_CHANGE };

static const struct option_spec options[] = {
	{ "file", 'f', "FILE", "File or directory to check (repeatable; every check applies to each)" },
	{ "checksum", OPT_CHECKSUM, "HEX",
	  "Expected digest of the -f FILE given just before it; its length picks the\n"
	  "algorithm: 32 hex digits md5, 40 sha1, 64 sha256, 128 sha512" },
	{ "baseline", OPT_BASELINE, NULL,
	  "Compare digest, type, mode and owner with those recorded by the first run\n"
	  "(in the state directory; the first run records them and says so)" },
	{ "update-baseline", OPT_UPDATE, NULL, "Accept the file as it is now: record a new baseline" },
	{ "algorithm", OPT_ALGO, "NAME", "Digest for --baseline: sha256 (default), sha512, sha1, md5" },
	{ "mode", OPT_MODE, "OCTAL", "Required permission bits, e.g. 0644 or 4755" },
	{ "uid", OPT_UID, "USER", "Required owner, a name or a number" },
	{ "gid", OPT_GID, "GROUP", "Required group, a name or a number" },
	{ "warning", 'w', "AGE", "WARNING when the age of the last modification is outside AGE\n"
	                         "(seconds, or with a unit s m h d w: \"1h\" means older than an hour)" },
	{ "critical", 'c', "AGE", "CRITICAL likewise" },
	{ "size-warning", 'W', "SIZE", "WARNING when the size is outside SIZE (bytes, or K M G T: \"100\"\n"
	                               "means smaller than 100 bytes, \"0:1G\" larger than 1 GiB)" },
	{ "size-critical", 'C', "SIZE", "CRITICAL likewise" },
	{ "absent", OPT_ABSENT, NULL, "Require the files NOT to exist (a symlink counts as existing)" },
	{ "follow", OPT_FOLLOW, NULL, "Check the target of a symlink instead of the link itself" },
	{ "missing", OPT_MISSING, "STATE", "State of a missing file (or, with --absent, a present one);\n"
	                                   "default critical" },
	{ "ignore-missing", 'i', NULL, "A missing file is OK (as check_file_age -i)" },
	{ "change-state", OPT_CHANGE, "STATE",
	  "State of a checksum, type, mode or owner mismatch; default critical" },
	{ NULL, 0, NULL, NULL },
};

static const struct program prog = {
	.name = "check_file",
	.service = "FILE",
	.purpose = "Checks files as Monit's \"check file\" does: checksum (against a value or a\n"
	           "recorded baseline), permission mode, owner, group, size, age and existence.\n"
	           "Each mismatch names what changed. Symlinks are not followed unless --follow.",
	.usage = "-f FILE [-f FILE ...] [--checksum HEX | --baseline [--update-baseline]]\n"
	         "       [--mode OCTAL] [--uid USER] [--gid GROUP] [-w AGE] [-c AGE] [-W SIZE] [-C SIZE]\n"
	         "       [--absent] [--follow] [--missing STATE] [--change-state STATE]",
	.options = options,
	.notes = "AGE and SIZE are Nagios ranges whose numbers may carry units. A bare number is\n"
	         "a limit as in check_file_age: AGE N alerts when older than N, SIZE N when\n"
	         "smaller than N bytes; write a range (\"0:1h\", \"~:10M\", \"@0:0\") for anything else.\n"
	         "Reading for a digest stops at -t with the -t state. A directory, device, FIFO\n"
	         "or socket gets the mode, owner, size and age checks, never a read.\n"
	         "Perfdata: age (s) and size (B); with several files age_FILE and size_FILE.",
	.timeout = 30,
	.timeout_state = STATE_UNKNOWN,
};

/* ---- options ---------------------------------------------------------- */

/* --mode, --uid, --gid: one value for every -f; a second one would be a
 * per-file intent we do not have. */
static const char *set_once(struct config *cfg, int key, const char *arg)
{
	bool *seen = key == OPT_MODE ? &cfg->has_mode : key == OPT_UID ? &cfg->has_uid : &cfg->has_gid;
	unsigned id;
	const char *err;
	if (*seen)
		return "applies to every -f FILE; give it once";
	*seen = true;
	if (key == OPT_MODE)
		return fc_parse_mode(arg, &cfg->mode);
	if ((err = fc_parse_id(arg, key == OPT_UID, &id)))
		return err;
	if (key == OPT_UID)
		cfg->uid = (uid_t)id;
	else
		cfg->gid = (gid_t)id;
	return NULL;
}

static const char *on_option(void *cfg_, int key, const char *arg)
{
	struct config *cfg = cfg_;
	struct target *last = cfg->nfiles ? &cfg->files[cfg->nfiles - 1] : NULL;
	switch (key) {
	case 'f':
		if (!*arg)
			return "empty file name";
		cfg->files = xrealloc(cfg->files, (cfg->nfiles + 1) * sizeof *cfg->files);
		cfg->files[cfg->nfiles++] = (struct target){ .path = arg };
		return NULL;
	case OPT_CHECKSUM:
		if (!last)
			return "give it after the -f FILE it belongs to";
		if (last->expect)
			return "one checksum per -f FILE";
		return fc_parse_checksum(arg, &last->expect, &last->expect_algo);
	case OPT_ALGO:
		cfg->algo = fc_algo_named(arg);
		return cfg->algo ? NULL : "not sha256, sha512, sha1 or md5";
	case OPT_BASELINE: cfg->baseline = true; return NULL;
	case OPT_UPDATE: cfg->baseline = cfg->update = true; return NULL;
	case OPT_ABSENT: cfg->absent = true; return NULL;
	case OPT_FOLLOW: cfg->follow = true; return NULL;
	case OPT_MISSING: return opt_state(arg, &cfg->missing);
	case 'i': cfg->missing = STATE_OK; return NULL;
	case OPT_CHANGE: return opt_state(arg, &cfg->change);
	case OPT_MODE: case OPT_UID: case OPT_GID: return set_once(cfg, key, arg);
	case 'w': cfg->age_w_arg = arg; return fc_parse_age_range(arg, &cfg->age_w);
	case 'c': cfg->age_c_arg = arg; return fc_parse_age_range(arg, &cfg->age_c);
	case 'W': cfg->size_w_arg = arg; return fc_parse_size_range(arg, &cfg->size_w);
	case 'C': cfg->size_c_arg = arg; return fc_parse_size_range(arg, &cfg->size_c);
	}
	return "unhandled option";
}

static void validate(const struct config *cfg)
{
	if (!cfg->nfiles)
		plugin_die(STATE_UNKNOWN, "give the file to check with -f FILE (see check_file --help)");
	bool any_expect = false;
	for (size_t i = 0; i < cfg->nfiles; i++) {
		const struct target *t = &cfg->files[i];
		any_expect |= t->expect != NULL;
		if (t->expect && cfg->algo && cfg->algo != t->expect_algo)
			plugin_die(STATE_UNKNOWN, "--checksum of -f %.100s has %u hex digits, not right for --algorithm %s",
			           t->path, 2 * t->expect_algo->len, cfg->algo->name);
	}
	if (any_expect && cfg->baseline)
		plugin_die(STATE_UNKNOWN, "--checksum and --baseline exclude each other: compare with one");
	if (cfg->absent && (any_expect || cfg->baseline || cfg->has_mode || cfg->has_uid || cfg->has_gid ||
	                    cfg->age_w.set || cfg->age_c.set || cfg->size_w.set || cfg->size_c.set))
		plugin_die(STATE_UNKNOWN, "--absent takes no other check: an absent file has no content");
}

/* ---- words ------------------------------------------------------------ */

struct report {
	enum state state;
	struct buf bad;     /* what is wrong: the summary */
	struct buf notes;   /* what was done or found right */
	struct buf desc;    /* what the path is now */
	const struct fc_algo *algo;             /* of digest, for the long output; NULL: none */
	char digest[2 * FC_DIGEST_MAX + 1];
};

enum { NOTE = -1 };  /* for add(): not a problem */

/* Adds to what is wrong, raising the state to s, or with NOTE to what is right. */
static void add(struct report *r, int s, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void add(struct report *r, int s, const char *fmt, ...)
{
	struct buf *b = s == NOTE ? &r->notes : &r->bad;
	va_list ap;
	if (b->len)
		buf_puts(b, ", ");
	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
	if (s != NOTE)
		r->state = state_worst(r->state, (enum state)s);
}

/* A path as the output shows it: no control characters, at most 120 bytes. */
static const char *shown(const char *path)
{
	static char out[4][128];
	static unsigned slot;
	char *o = out[slot++ % 4];
	size_t n = 0;
	for (const char *p = path; *p && n < 120; p++)
		o[n++] = (unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p;
	bool cut = path[n] != '\0';
	while (cut && n > 0 && ((unsigned char)path[n] & 0xC0) == 0x80)
		n--;  /* not in the middle of a UTF-8 character */
	snprintf(o + n, 128 - n, "%s", cut ? "..." : "");
	return o;
}

/* A user's (or a group's) name, or the number when it has none. */
static const char *id_name(bool user, unsigned long long id, char *out, size_t n)
{
	struct passwd *pw = user ? getpwuid((uid_t)id) : NULL;
	struct group *gr = user ? NULL : getgrgid((gid_t)id);
	if (pw || gr)
		snprintf(out, n, "%s", pw ? pw->pw_name : gr->gr_name);
	else
		snprintf(out, n, "%llu", id);
	return out;
}

static void human_age(double s, char *out, size_t n)
{
	double a = s < 0 ? -s : s;
	const char *when = s < 0 ? "in the future" : "ago";
	if (a < 120)
		snprintf(out, n, "%.0f s %s", a, when);
	else if (a < 7200)
		snprintf(out, n, "%.0f min %s", a / 60, when);
	else if (a < 172800)
		snprintf(out, n, "%.0f h %s", a / 3600, when);
	else
		snprintf(out, n, "%.0f d %s", a / 86400, when);
}

static void describe(const struct fc_facts *f, bool follow, double age, struct report *r)
{
	char u[64], g[64], sz[32], ago[64];
	bool link_only = f->is_link && !follow;
	if (link_only)
		buf_printf(&r->desc, "symlink to %s (not followed)", shown(f->target));
	else
		buf_printf(&r->desc, "%s", fc_type_name(f->type));
	if (f->is_link && follow)
		buf_printf(&r->desc, " (via symlink to %s)", shown(f->target));
	if (f->st.st_size < 1048576)
		snprintf(sz, sizeof sz, "%lld B", (long long)f->st.st_size);
	else
		human_bytes((double)f->st.st_size, sz, sizeof sz);
	human_age(age, ago, sizeof ago);
	buf_printf(&r->desc, ", %s", sz);
	if (!link_only)  /* a link's own mode is always 0777 */
		buf_printf(&r->desc, ", mode %04o", (unsigned)(f->st.st_mode & 07777));
	buf_printf(&r->desc, ", %s:%s, modified %s", id_name(true, f->st.st_uid, u, sizeof u),
	           id_name(false, f->st.st_gid, g, sizeof g), ago);
}

/* ---- judging ---------------------------------------------------------- */

/* Each difference of f from want, in words. a: the digest's algorithm. */
static size_t say_diffs(struct report *r, int s, const struct fc_record *want, const struct fc_facts *f,
                        unsigned fields, const struct fc_algo *a)
{
	struct fc_diff diffs[FC_NFIELDS];
	size_t n = fc_compare(want, f, fields, diffs);
	for (size_t i = 0; i < n; i++) {
		const struct fc_diff *d = &diffs[i];
		bool user = d->field == FC_OWNER;
		char x[64], y[64];
		switch (d->field) {
		case FC_TYPE:
			add(r, s, "type %s -> %s", fc_type_name((char)d->was), fc_type_name((char)d->now));
			break;
		case FC_TARGET:
			add(r, s, "symlink target %s -> %s", shown(d->was_text), shown(d->now_text));
			break;
		case FC_MODE:
			add(r, s, "mode %04o -> %04o", (unsigned)d->was, (unsigned)d->now);
			break;
		case FC_OWNER:
		case FC_GROUP:
			add(r, s, "%s %s -> %s", user ? "owner" : "group", id_name(user, d->was, x, sizeof x),
			    id_name(user, d->now, y, sizeof y));
			break;
		case FC_CONTENT:
			if (d->was != d->now)
				add(r, s, "%s changed (was %.12s..., now %.12s...; size %llu -> %llu B)", a->name,
				    d->was_text, d->now_text, d->was, d->now);
			else
				add(r, s, "%s changed (was %.12s..., now %.12s...)", a->name, d->was_text, d->now_text);
			break;
		case FC_NFIELDS:
			break;
		}
	}
	return n;
}

/* The fields --mode, --uid and --gid set: judged against them, not the baseline. */
static unsigned explicit_fields(const struct config *cfg)
{
	return (cfg->has_mode ? 1u << FC_MODE : 0) | (cfg->has_uid ? 1u << FC_OWNER : 0) |
	       (cfg->has_gid ? 1u << FC_GROUP : 0);
}

static void judge_explicit(const struct config *cfg, const struct target *t, const struct fc_facts *f,
                           const struct fc_algo *a, struct report *r)
{
	struct fc_record want = { .mode = cfg->mode, .uid = cfg->uid, .gid = cfg->gid };
	unsigned fields = explicit_fields(cfg);
	bool link_only = f->is_link && !cfg->follow;
	/* a symlink's own mode is always 0777: asking for a mode or content of a
	 * path that is now a link means something was swapped */
	if (link_only && (cfg->has_mode || t->expect)) {
		add(r, cfg->change, "is a symlink to %s (not followed; --follow checks the target)", shown(f->target));
		fields &= ~(1u << FC_MODE);
	}
	say_diffs(r, cfg->change, &want, f, fields, a);
	if (!t->expect || link_only)
		return;
	if (f->type != 'f')
		add(r, cfg->change, "is a %s, not a file with a checksum", fc_type_name(f->type));
	else if (f->algo && strcmp(f->digest, t->expect) != 0)
		add(r, cfg->change, "%s differs (expected %.12s..., now %.12s...)", a->name, t->expect, f->digest);
	else if (f->algo)
		add(r, NOTE, "%s matches", a->name);
}

/* A difference from the baseline is a problem, or what --update-baseline accepted. */
static void judge_baseline(const struct config *cfg, const struct fc_record *b, const struct fc_facts *f,
                           const struct fc_algo *a, struct report *r)
{
	size_t n = say_diffs(r, cfg->update ? NOTE : (int)cfg->change, b, f, FC_ALL & ~explicit_fields(cfg), a);
	if (b->type != f->type)
		return;
	if (!n && !cfg->update)
		add(r, NOTE, "%s as in the baseline", f->type == 'f' ? a->name : "type, mode and owner");
	if (plugin_verbose) {
		char when[64];
		time_t rec = (time_t)b->recorded;
		strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S %z", localtime(&rec));
		add(r, NOTE, "baseline of %s", when);
	}
}

/* Lock and read the baseline of one path. 1: b holds it; 0: none yet (or
 * an unusable one that --update-baseline replaces); -1: a problem was
 * reported. May set *a to the baseline's algorithm. */
static int baseline_load(const struct config *cfg, const char *path, struct fc_baseline *b,
                         const struct fc_algo **a, struct report *r)
{
	switch (fc_baseline_open(b, path)) {
	case FC_BASE_NONE:
		return 0;
	case FC_BASE_FOUND:
		break;
	case FC_BASE_CORRUPT:
		if (!cfg->update)
			add(r, STATE_UNKNOWN, "baseline %s is corrupt (--update-baseline records a new one)",
			    shown(b->sf.path));
		return cfg->update ? 0 : -1;
	case FC_BASE_FOREIGN:
		if (!cfg->update)
			add(r, STATE_UNKNOWN, "baseline %s belongs to %s (--update-baseline records a new one)",
			    shown(b->sf.path), shown(b->rec.path));
		return cfg->update ? 0 : -1;
	default:
		add(r, STATE_UNKNOWN, "baseline: %s", b->detail);
		return -1;
	}
	if (!*a && b->rec.algo) {
		*a = b->rec.algo;
	} else if (*a && b->rec.algo && *a != b->rec.algo && !cfg->update) {
		add(r, STATE_UNKNOWN, "baseline holds %s, not %s (--update-baseline records a new one)",
		    b->rec.algo->name, (*a)->name);
		return -1;
	}
	return 1;
}

static void check_absent(const struct config *cfg, const struct target *t, struct report *r)
{
	struct fc_facts f;
	enum fc_rc rc = fc_measure(t->path, false, NULL, &f);
	if (rc == FC_OK)
		add(r, cfg->missing, "exists (should be absent): %s", fc_type_name(f.type));
	else if (rc == FC_MISSING)
		add(r, NOTE, "absent, as required");
	else
		add(r, STATE_UNKNOWN, "cannot stat: %s", f.detail);
	fc_facts_free(&f);
}

static void check_one(const struct config *cfg, const struct target *t, struct check *c, struct report *r,
                      double now)
{
	struct fc_baseline b = { .sf.lockfd = -1 };
	struct fc_facts f;
	const struct fc_algo *a = t->expect_algo ? t->expect_algo : cfg->algo;
	int have = cfg->baseline ? baseline_load(cfg, t->path, &b, &a, r) : 0;
	if (!a)
		a = fc_algo_default();
	switch (fc_measure(t->path, cfg->follow, t->expect || (cfg->baseline && have >= 0) ? a : NULL, &f)) {
	case FC_MISSING:
		if (f.is_link)
			add(r, cfg->missing, "missing (dangling symlink to %s)", shown(f.target));
		else
			add(r, cfg->missing, "missing");
		goto out;
	case FC_STAT_FAIL:
		add(r, STATE_UNKNOWN, "cannot stat: %s", f.detail);
		goto out;
	case FC_TIMEOUT: {
		char d[32], s[32];
		human_bytes(f.bytes_read, d, sizeof d);
		human_bytes((double)f.st.st_size, s, sizeof s);
		plugin_die(timeout_state(), "%s: %s not finished within the %g s timeout (%s of %s read)",
		           shown(t->path), a->name, timeout_seconds(), d, s);
	}
	case FC_READ_FAIL:
		add(r, STATE_UNKNOWN, "cannot read: %s", f.detail);
		break;
	default:
		break;
	}
	/* whole seconds, as check_file_age and the summary show them */
	double age = (double)(long long)(now - ((double)f.st.st_mtim.tv_sec + (double)f.st.st_mtim.tv_nsec / 1e9));
	describe(&f, cfg->follow, age, r);
	if (f.algo) {
		r->algo = f.algo;
		memcpy(r->digest, f.digest, sizeof r->digest);
	}
	judge_explicit(cfg, t, &f, a, r);
	if (have > 0)
		judge_baseline(cfg, &b.rec, &f, a, r);
	if (have >= 0 && cfg->baseline && (f.type != 'f' || f.algo) && (have == 0 || cfg->update)) {
		const char *err = fc_baseline_write(&b, &f);
		if (err)
			add(r, STATE_UNKNOWN, "baseline: %s", err);
		else if (f.algo)
			add(r, NOTE, "baseline %s (%s %.12s...)", have ? "updated" : "recorded", a->name, f.digest);
		else
			add(r, NOTE, "baseline %s (%s)", have ? "updated" : "recorded", fc_type_name(f.type));
	}

	char ago[64];
	human_age(age, ago, sizeof ago);
	enum state s = range_judge(age, &cfg->age_w, &cfg->age_c);
	if (s != STATE_OK)
		add(r, s, "modified %s (%s %s)", ago, s == STATE_CRITICAL ? "-c" : "-w",
		    s == STATE_CRITICAL ? cfg->age_c_arg : cfg->age_w_arg);
	s = range_judge((double)f.st.st_size, &cfg->size_w, &cfg->size_c);
	if (s != STATE_OK)
		add(r, s, "size %lld B (%s %s)", (long long)f.st.st_size, s == STATE_CRITICAL ? "-C" : "-W",
		    s == STATE_CRITICAL ? cfg->size_c_arg : cfg->size_w_arg);

	struct buf label = BUF_INIT;
	const char *names[2] = { "age", "size" };
	double values[2] = { age, (double)f.st.st_size };
	const struct range *w[2] = { &cfg->age_w, &cfg->size_w }, *cr[2] = { &cfg->age_c, &cfg->size_c };
	for (int i = 0; i < 2; i++) {
		buf_reset(&label);
		buf_printf(&label, cfg->nfiles > 1 ? "%s_%s" : "%s", names[i], shown(t->path));
		check_perf(c, &(struct perf){ .label = buf_cstr(&label), .value = values[i], .uom = i ? "B" : "s",
		                               .decimals = 0, .warn = w[i], .crit = cr[i], .has_min = i == 1 });
	}
	buf_free(&label);
out:
	fc_baseline_close(&b);
	fc_facts_free(&f);
}

/* ---- printing --------------------------------------------------------- */

/* The summary names what is wrong; when nothing is, what was seen. */
static void print(const struct config *cfg, struct report *rep, struct check *c)
{
	size_t nbad = 0;
	for (size_t i = 0; i < cfg->nfiles; i++)
		if (rep[i].bad.len)
			check_summary(c, "%s%s: %s", nbad++ ? "; " : "", shown(cfg->files[i].path), rep[i].bad.s);
	if (!nbad && cfg->nfiles == 1)
		check_summary(c, "%s: %s%s%s", shown(cfg->files[0].path), buf_cstr(&rep[0].desc),
		              rep[0].desc.len && rep[0].notes.len ? ", " : "", buf_cstr(&rep[0].notes));
	else if (!nbad)
		check_summary(c, "%zu files as required", cfg->nfiles);
	for (size_t i = 0; i < cfg->nfiles && (cfg->nfiles > 1 || plugin_verbose); i++) {
		struct report *r = &rep[i];
		struct buf line = BUF_INIT;
		if (r->bad.len)
			buf_printf(&line, "%s: %s", state_name(r->state), r->bad.s);
		if (r->desc.len)
			buf_printf(&line, "%s%s", line.len ? "; " : "", r->desc.s);
		if (r->algo)
			buf_printf(&line, ", %s %s", r->algo->name, r->digest);
		if (r->notes.len)
			buf_printf(&line, "%s%s", line.len ? "; " : "", r->notes.s);
		check_long(c, "%s: %s", shown(cfg->files[i].path), buf_cstr(&line));
		buf_free(&line);
	}
}

int main(int argc, char **argv)
{
	struct config cfg = { .missing = STATE_CRITICAL, .change = STATE_CRITICAL };
	struct check c;
	struct timespec now;

	program_parse(&prog, argc, argv, on_option, &cfg);
	validate(&cfg);
	check_init(&c, prog.service);
	clock_gettime(CLOCK_REALTIME, &now);

	struct report *rep = xcalloc(cfg.nfiles, sizeof *rep);
	for (size_t i = 0; i < cfg.nfiles; i++) {
		if (cfg.absent)
			check_absent(&cfg, &cfg.files[i], &rep[i]);
		else
			check_one(&cfg, &cfg.files[i], &c, &rep[i], (double)now.tv_sec + (double)now.tv_nsec / 1e9);
		check_raise(&c, rep[i].state);
	}
	print(&cfg, rep, &c);

	for (size_t i = 0; i < cfg.nfiles; i++) {
		buf_free(&rep[i].bad);
		buf_free(&rep[i].notes);
		buf_free(&rep[i].desc);
		free(cfg.files[i].expect);
	}
	free(rep);
	free(cfg.files);
	fc_measure_end();
	check_exit(&c);
}
