/* check_log: count the lines appended to log files since the last run that
 * match runbook 002's keyword classes, fixed strings or PCRE2 regexes;
 * rotation and copytruncate are followed (lib/logscan.c), the position is
 * kept in the state directory (lib/state.c). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logscan.h"
#include "options.h"
#include "plugin.h"
#include "range.h"
#include "state.h"

enum { MAX_FILES = 32, MAX_SPECS = 64, MAX_THRESH = 2 * (LOGSCAN_MAX_PATTERNS + 1), LAST_CHARS = 200 };

struct spec { int kind; const char *text; };             /* kind: option key */
struct thresh { const char *label; struct range r; bool crit; };

struct config {
	const char *files[MAX_FILES];
	size_t nfiles;
	struct spec specs[MAX_SPECS];                         /* patterns in argv order */
	size_t nspecs;
	const char *excludes[MAX_SPECS];
	size_t nexcl;
	struct thresh th[MAX_THRESH];
	size_t nth;
	bool caseless, from_start;
	const char *state_name;
};

enum { OPT_CLASS = 256, OPT_EXCLUDE, OPT_FROM_START };

static const struct option_spec options[] = {
	{ "filename", 'F', "FILE", "A log file to watch (repeatable, up to 32)" },
	{ "regex", 'e', "REGEX", "Count lines matching this PCRE2 regex (repeatable)" },
	{ "query", 'q', "REGEX", "The same as --regex (monitoring-plugins' check_log name)" },
	{ "string", 's', "TEXT", "Count lines containing TEXT (repeatable)" },
	{ "class", OPT_CLASS, "LIST",
	  "Count lines with runbook 002's keywords, by class (comma-separated, or all):\n"
	  "errors, network, access, auth, cgi, portscan, dictionary, passwd;\n"
	  "always case-insensitive" },
	{ "ignore-case", 'i', NULL, "--regex, --string and --exclude ignore case" },
	{ "exclude", OPT_EXCLUDE, "REGEX", "Do not count lines matching this PCRE2 regex (repeatable)" },
	{ "warning", 'w', "[LABEL=]RANGE",
	  "WARNING when the number of matching lines is outside RANGE; with LABEL=,\n"
	  "the count of that class or pattern (repeatable)" },
	{ "critical", 'c', "[LABEL=]RANGE",
	  "CRITICAL likewise; with neither -w nor -c, any matching line is CRITICAL" },
	{ "from-start", OPT_FROM_START, NULL, "On the first run read the files from the start, not the end" },
	{ "oldlog", 'O', "NAME", "Name of the position record (default: from the files and patterns)" },
	{ NULL, 0, NULL, NULL },
};

static const struct program prog = {
	.name = "check_log",
	.service = "LOG",
	.purpose = "Counts the lines appended to log files since the last run that match keyword\n"
	           "classes (runbook 002), fixed strings or PCRE2 regexes. Rotation by rename and\n"
	           "copytruncate is followed, reading the rest of the old file. The long output\n"
	           "is the last matching lines, at most 1024 characters (runbook 004).",
	.usage = "-F FILE [-F FILE...] [--class LIST] [-e REGEX...] [-s TEXT...] [-i] [--exclude REGEX...]\n"
	         "       [-w [LABEL=]RANGE] [-c [LABEL=]RANGE] [--from-start] [-O NAME]",
	.options = options,
	.notes = "The position per file (inode, offset, a hash of the first 4 KiB) is kept in\n"
	         "the state directory ($MAMORI_STATE_DIR) and replaced atomically after the scan.\n"
	         "The first run starts at the end of each file unless --from-start.\n"
	         "Perfdata: matches (lines matching any pattern), one count per class or pattern\n"
	         "(a pattern of up to 32 printable characters is its own label, others are\n"
	         "stringN and regexN), lines (lines read).",
	.timeout = 30,
	.timeout_state = STATE_UNKNOWN,
};

static const char *add_thresh(struct config *cfg, const char *arg, bool crit)
{
	if (cfg->nth >= MAX_THRESH)
		return "too many thresholds";
	struct thresh *t = &cfg->th[cfg->nth];
	const char *eq = strrchr(arg, '=');
	t->label = NULL;
	t->crit = crit;
	if (eq) {
		if (eq == arg)
			return "empty label before '='";
		char *label = xstrdup(arg);
		label[eq - arg] = '\0';
		t->label = label;
		arg = eq + 1;
	}
	const char *err = range_parse(arg, &t->r);
	if (err) {
		free((char *)t->label);
		return err;
	}
	cfg->nth++;
	return NULL;
}

static const char *add_classes(struct config *cfg, const char *arg)
{
	char *list = xstrdup(arg), *save = NULL;
	const char *err = NULL;
	size_t words = 0;
	for (char *w = strtok_r(list, ",", &save); w && !err; w = strtok_r(NULL, ",", &save), words++) {
		bool all = strcmp(w, "all") == 0, found = false;
		for (size_t i = 0; logscan_class_name(i) && !err; i++) {
			if (!all && strcmp(logscan_class_name(i), w) != 0)
				continue;
			found = true;
			if (cfg->nspecs >= MAX_SPECS)
				err = "too many patterns";
			else
				cfg->specs[cfg->nspecs++] = (struct spec){ OPT_CLASS, logscan_class_name(i) };
		}
		if (!found)
			err = "no such class (errors, network, access, auth, cgi, portscan, dictionary, passwd, all)";
	}
	free(list);
	return err ? err : words ? NULL : "empty list";
}

static const char *on_option(void *cfg_, int key, const char *arg)
{
	struct config *cfg = cfg_;
	switch (key) {
	case 'F':
		if (cfg->nfiles >= MAX_FILES)
			return "at most 32 files";
		if (!*arg)
			return "empty file name";
		for (size_t i = 0; i < cfg->nfiles; i++)
			if (strcmp(cfg->files[i], arg) == 0)
				return "given twice";
		cfg->files[cfg->nfiles++] = arg;
		return NULL;
	case 'e': case 'q': case 's':
		if (cfg->nspecs >= MAX_SPECS)
			return "too many patterns";
		cfg->specs[cfg->nspecs++] = (struct spec){ key == 's' ? 's' : 'e', arg };
		return NULL;
	case OPT_CLASS: return add_classes(cfg, arg);
	case 'i': cfg->caseless = true; return NULL;
	case OPT_EXCLUDE:
		if (cfg->nexcl >= MAX_SPECS)
			return "too many excludes";
		cfg->excludes[cfg->nexcl++] = arg;
		return NULL;
	case 'w': return add_thresh(cfg, arg, false);
	case 'c': return add_thresh(cfg, arg, true);
	case OPT_FROM_START: cfg->from_start = true; return NULL;
	case 'O':
		if (!*arg)
			return "empty name";
		cfg->state_name = arg;
		return NULL;
	}
	return "unhandled option";
}

/* Reachable from file scope: plugin_die() exits from anywhere, and the
 * leak checker of the sanitizer build must still see these. */
static struct logscan *scanner;
static struct range *pat_warn, *pat_crit;

static const char *kind_name(int kind)
{
	return kind == OPT_CLASS ? "--class" : kind == 's' ? "--string" : "--regex";
}

/* The patterns into the scanner, in argv order (the perfdata order). */
static void build(const struct config *cfg)
{
	struct logscan *ls = scanner = logscan_new();
	for (size_t i = 0; i < cfg->nspecs; i++) {
		const struct spec *s = &cfg->specs[i];
		const char *err = s->kind == OPT_CLASS ? logscan_add_class(ls, s->text)
		                : s->kind == 's' ? logscan_add_string(ls, s->text, cfg->caseless)
		                : logscan_add_regex(ls, s->text, cfg->caseless);
		if (err)
			plugin_die(STATE_UNKNOWN, "%s '%.48s%s': %s", kind_name(s->kind), s->text,
			           strlen(s->text) > 48 ? "..." : "", err);
	}
	for (size_t i = 0; i < cfg->nexcl; i++) {
		const char *err = logscan_add_exclude(ls, cfg->excludes[i], cfg->caseless);
		if (err)
			plugin_die(STATE_UNKNOWN, "--exclude '%.48s%s': %s", cfg->excludes[i],
			           strlen(cfg->excludes[i]) > 48 ? "..." : "", err);
	}
	const char *err = logscan_compile(ls);
	if (err)
		plugin_die(STATE_UNKNOWN, "%s", err);
	for (size_t i = 0; i < logscan_npatterns(ls); i++)
		if (!strcmp(logscan_label(ls, i), "matches") || !strcmp(logscan_label(ls, i), "lines"))
			plugin_die(STATE_UNKNOWN, "pattern label '%s' is taken by the totals", logscan_label(ls, i));
}

/* -w/-c on the total, or on the class or pattern their LABEL= names. */
static void thresholds(const struct config *cfg, struct range *warn, struct range *crit)
{
	size_t np = logscan_npatterns(scanner);
	pat_warn = xcalloc(np, sizeof *pat_warn);
	pat_crit = xcalloc(np, sizeof *pat_crit);
	for (size_t t = 0; t < cfg->nth; t++) {
		const struct thresh *th = &cfg->th[t];
		struct range *r = th->crit ? crit : warn;
		if (th->label && strcmp(th->label, "matches") != 0) {
			size_t i = 0;
			while (i < np && strcmp(logscan_label(scanner, i), th->label) != 0)
				i++;
			if (i == np)
				plugin_die(STATE_UNKNOWN, "%s '%.48s': no class or pattern has that label",
				           th->crit ? "--critical" : "--warning", th->label);
			r = th->crit ? &pat_crit[i] : &pat_warn[i];
		}
		*r = th->r;
	}
	if (!cfg->nth)
		*crit = range_above(0);   /* as monitoring-plugins' check_log: any match */
}

/* Each -F path and pattern goes into the key: two services watching one
 * file for different words must not move each other's position. */
static void state_key(const struct config *cfg, char *out, size_t size)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < cfg->nfiles; i++)
		buf_printf(&b, "F%s%c", cfg->files[i], 0);
	for (size_t i = 0; i < cfg->nspecs; i++)
		buf_printf(&b, "%d:%s%c", cfg->specs[i].kind, cfg->specs[i].text, 0);
	for (size_t i = 0; i < cfg->nexcl; i++)
		buf_printf(&b, "X%s%c", cfg->excludes[i], 0);
	buf_puts(&b, cfg->caseless ? "i" : "");
	unsigned long long h = 14695981039346656037ull;
	for (size_t i = 0; i < b.len; i++)
		h = (h ^ (unsigned char)b.s[i]) * 1099511628211ull;
	buf_free(&b);
	const char *base = strrchr(cfg->files[0], '/');
	snprintf(out, size, "%.40s-%016llx", base ? base + 1 : cfg->files[0], h);
}

/* The saved positions into files[]. A state we cannot use is said once
 * (UNKNOWN) and started over as on a first run; the good state written
 * after this run makes the next one normal again. */
static void load_positions(struct check *c, struct state_file *sf, struct logfile *files, size_t n,
                           struct buf *notes)
{
	struct buf text = BUF_INIT;
	const char *err = state_read(sf, &text);
	if (err)
		plugin_die(STATE_UNKNOWN, "%s", err);
	size_t others = 0;
	err = logscan_state_parse(text.s, text.len, files, n, &others);
	bool known = false;
	for (size_t i = 0; i < n; i++)
		known |= files[i].pos.known;
	if (!err && others && !known)
		err = "it records other files";
	if (err) {
		check_raise(c, STATE_UNKNOWN);
		buf_printf(notes, "; state %s was unusable (%s), started over", sf->path, err);
		for (size_t i = 0; i < n; i++)
			files[i].pos = (struct logpos){ 0 };
	}
	buf_free(&text);
}

static void scan_files(struct check *c, const struct config *cfg, struct logfile *files, struct buf *notes)
{
	for (size_t i = 0; i < cfg->nfiles; i++) {
		struct logfile *f = &files[i];
		const char *err = logscan_file(scanner, f);
		if (err) {
			check_raise(c, STATE_UNKNOWN);
			buf_printf(notes, "; %s", err);
			continue;
		}
		if (f->first)
			buf_printf(notes, "; %s: first run, reading from %s", f->path, cfg->from_start ? "the start" : "the end");
		if (f->notes.len)
			buf_printf(notes, "; %s: %s", f->path, buf_cstr(&f->notes));
		if (f->incomplete)
			buf_printf(notes, "; %s: out of time with %llu bytes left, the next run goes on", f->path, f->left);
	}
}

static void save_positions(struct check *c, struct state_file *sf, const struct logfile *files, size_t n,
                           struct buf *notes)
{
	struct buf text = BUF_INIT;
	logscan_state_format(&text, files, n);
	const char *err = state_write(sf, text.s, text.len);
	if (err) {
		check_raise(c, STATE_UNKNOWN);
		buf_printf(notes, "; %s (the next run counts these lines again)", err);
	}
	buf_free(&text);
}

static void report(struct check *c, const struct config *cfg, const struct range *warn, const struct range *crit,
                   const struct buf *notes)
{
	const struct logscan *ls = scanner;
	size_t np = logscan_npatterns(ls);
	unsigned long long total = logscan_matched(ls);
	struct buf text = BUF_INIT;

	check_raise(c, range_judge((double)total, warn, crit));
	for (size_t i = 0; i < np; i++)
		check_raise(c, range_judge((double)logscan_count(ls, i), &pat_warn[i], &pat_crit[i]));
	if (logscan_regex_errors(ls))
		check_raise(c, STATE_UNKNOWN);   /* those lines may have matched: the count is not sure */

	check_summary(c, "%llu matching line%s", total, total == 1 ? "" : "s");
	const char *sep = " (";
	for (size_t i = 0; i < np; i++)
		if (logscan_count(ls, i)) {
			check_summary(c, "%s%s %llu", sep, logscan_label(ls, i), logscan_count(ls, i));
			sep = ", ";
		}
	if (*sep == ',')
		check_summary(c, ")");
	if (cfg->nfiles == 1)
		check_summary(c, " in %llu new lines of %s", logscan_lines(ls), cfg->files[0]);
	else
		check_summary(c, " in %llu new lines of %zu files", logscan_lines(ls), cfg->nfiles);
	if (logscan_regex_errors(ls))
		check_summary(c, "; a regex gave up on %llu lines (PCRE2 match limit)", logscan_regex_errors(ls));
	check_summary(c, "%s", notes->s ? notes->s : "");
	logscan_last(ls, &text, LAST_CHARS);
	if (text.len)
		check_summary(c, "; last: %s", text.s);

	check_perf(c, &(struct perf){ .label = "matches", .value = (double)total, .decimals = 0,
	                              .warn = warn, .crit = crit, .has_min = true });
	for (size_t i = 0; i < np; i++)
		check_perf(c, &(struct perf){ .label = logscan_label(ls, i), .value = (double)logscan_count(ls, i),
		                              .decimals = 0, .warn = &pat_warn[i], .crit = &pat_crit[i], .has_min = true });
	check_perf(c, &(struct perf){ .label = "lines", .value = (double)logscan_lines(ls), .decimals = 0,
	                              .has_min = true });

	/* the long output is runbook 004's log summary, nothing else */
	buf_reset(&text);
	logscan_summary(ls, &text, LOGSCAN_SUMMARY_CHARS);
	if (text.len)
		check_long(c, "%s", text.s);
	buf_free(&text);
}

int main(int argc, char **argv)
{
	static struct config cfg;
	static struct logfile files[MAX_FILES];
	struct range warn = { 0 }, crit = { 0 };
	struct buf notes = BUF_INIT;
	struct state_file sf;
	struct check c;
	char key[80];

	program_parse(&prog, argc, argv, on_option, &cfg);
	check_init(&c, prog.service);
	if (!cfg.nfiles)
		plugin_die(STATE_UNKNOWN, "no log file: give -F FILE");
	if (!cfg.nspecs)
		plugin_die(STATE_UNKNOWN, "no pattern: give --class, -e REGEX or -s TEXT");
	build(&cfg);
	thresholds(&cfg, &warn, &crit);
	for (size_t i = 0; i < cfg.nfiles; i++) {
		const char *slash = strrchr(cfg.files[i], '/');
		files[i] = (struct logfile){ .path = cfg.files[i], .from_start = cfg.from_start,
		                             .tag = cfg.nfiles > 1 ? (slash ? slash + 1 : cfg.files[i]) : NULL };
	}

	/* locked from reading the positions to writing them: a concurrent run
	 * waits, so no line is counted by both */
	state_key(&cfg, key, sizeof key);
	const char *err = state_open(&sf, NULL, "check_log", cfg.state_name ? cfg.state_name : key);
	if (err)
		plugin_die(STATE_UNKNOWN, "%s", err);
	load_positions(&c, &sf, files, cfg.nfiles, &notes);
	scan_files(&c, &cfg, files, &notes);
	save_positions(&c, &sf, files, cfg.nfiles, &notes);
	state_close(&sf);

	report(&c, &cfg, &warn, &crit, &notes);
	if (plugin_verbose)
		for (size_t i = 0; i < cfg.nfiles; i++)
			if (files[i].pos.known)
				check_long(&c, "%s: offset %llu, inode %llu", files[i].path, files[i].pos.offset,
				           files[i].pos.ino);

	for (size_t i = 0; i < cfg.nfiles; i++)
		buf_free(&files[i].notes);
	for (size_t t = 0; t < cfg.nth; t++)
		free((char *)cfg.th[t].label);
	buf_free(&notes);
	free(pat_warn);
	free(pat_crit);
	logscan_free(scanner);
	check_exit(&c);
}
