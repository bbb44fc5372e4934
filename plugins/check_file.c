/* check_file: Monit's file checks (runbook 003) as a plugin: checksum
 * against a given value or a recorded baseline, permission mode, owner,
 * group, size, age and existence of one or more files. Each mismatch says
 * what changed ("mode 0644 -> 0666"). A symlink is never followed unless
 * asked, so a file swapped for a link is seen, not silently read through. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "num.h"
#include "options.h"
#include "plugin.h"
#include "range.h"
#include "size.h"
#include "state.h"
#include "timeout.h"

/* ---- configuration ---------------------------------------------------- */

struct algo {
	const char *name;
	const EVP_MD *(*md)(void);
	unsigned len;  /* digest bytes; the hex length tells a --checksum's algorithm */
};

static const struct algo algos[] = {
	{ "sha256", EVP_sha256, 32 },  /* the default */
	{ "sha512", EVP_sha512, 64 },
	{ "sha1", EVP_sha1, 20 },
	{ "md5", EVP_md5, 16 },
};

struct target {
	const char *path;
	char *expect;                   /* --checksum, lower-case hex, or NULL */
	const struct algo *expect_algo;
};

struct config {
	struct target *files;
	size_t nfiles;
	const struct algo *algo;        /* --algorithm; NULL: sha256 or the baseline's */
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

static const struct algo *algo_named(const char *name)
{
	for (size_t i = 0; i < sizeof algos / sizeof algos[0]; i++)
		if (strcmp(algos[i].name, name) == 0)
			return &algos[i];
	return NULL;
}

static const char *parse_checksum(struct config *cfg, const char *arg)
{
	if (!cfg->nfiles)
		return "give it after the -f FILE it belongs to";
	struct target *t = &cfg->files[cfg->nfiles - 1];
	if (t->expect)
		return "one checksum per -f FILE";
	size_t n = strlen(arg);
	for (size_t i = 0; i < sizeof algos / sizeof algos[0]; i++)
		if (n == 2 * algos[i].len)
			t->expect_algo = &algos[i];
	if (!t->expect_algo)
		return "not 32, 40, 64 or 128 hex digits (md5, sha1, sha256, sha512)";
	t->expect = xstrdup(arg);
	for (char *p = t->expect; *p; p++) {
		if (*p >= 'A' && *p <= 'F')
			*p = (char)(*p - 'A' + 'a');
		else if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return "not a hex digest";
	}
	return NULL;
}

static const char *parse_mode(const char *arg, unsigned *out)
{
	size_t n = strlen(arg);
	if (n == 0 || n > 5 || strspn(arg, "01234567") != n)
		return "not an octal mode from 0 to 7777";
	unsigned long v = strtoul(arg, NULL, 8);
	if (v > 07777)
		return "not an octal mode from 0 to 7777";
	*out = (unsigned)v;
	return NULL;
}

/* A number is an id (as in `chown 0`); anything else must be a known name. */
static const char *parse_id(const char *arg, bool user, unsigned *out)
{
	unsigned long long n;
	if (num_parse_ull(arg, &n)) {
		if (n >= 4294967295ULL)
			return "id out of range";
		*out = (unsigned)n;
		return NULL;
	}
	if (user) {
		struct passwd *pw = *arg ? getpwnam(arg) : NULL;
		if (!pw)
			return "no such user";
		*out = pw->pw_uid;
	} else {
		struct group *gr = *arg ? getgrnam(arg) : NULL;
		if (!gr)
			return "no such group";
		*out = gr->gr_gid;
	}
	return NULL;
}

static bool parse_seconds(const char *s, double *out)
{
	static const struct { char unit; double mult; } units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 }, { 'w', 604800 },
	};
	const char *end;
	double v;
	if (!num_parse_double_prefix(s, &v, &end) || v < 0)
		return false;
	if (*end == '\0') {
		*out = v;
		return true;
	}
	for (size_t i = 0; end[1] == '\0' && i < sizeof units / sizeof units[0]; i++)
		if (*end == units[i].unit) {
			*out = v * units[i].mult;
			return true;
		}
	return false;
}

static bool parse_bytes(const char *s, double *out)
{
	return size_parse(s, 1, out, NULL);
}

/* A range whose numbers may carry units: each number becomes plain, then
 * range_parse judges the whole. A bare number is a limit the way
 * check_file_age reads it: an upper one for ages, a lower one for sizes. */
static const char *unit_range(const char *arg, bool (*value)(const char *, double *), bool bare_upper,
                              struct range *r)
{
	static const char bad[] = "not a range of numbers with optional units";
	struct buf b = BUF_INIT;
	const char *p = arg, *err = NULL;
	bool bare = !strpbrk(arg, "@~:");
	if (*p == '@')
		buf_putc(&b, *p++);
	for (;;) {
		size_t len = strcspn(p, ":");
		char tok[64], num[400];
		double v;
		if (len == 1 && *p == '~') {
			buf_putc(&b, '~');
		} else if (len) {
			if (len >= sizeof tok)
				goto fail;
			memcpy(tok, p, len);
			tok[len] = '\0';
			if (!value(tok, &v) || v > 1e18)
				goto fail;
			num_format(v, -1, num, sizeof num);
			if (bare && bare_upper)
				buf_puts(&b, "~:");
			buf_puts(&b, num);
			if (bare && !bare_upper)
				buf_putc(&b, ':');
		}
		p += len;
		if (*p != ':')
			break;
		buf_putc(&b, *p++);
	}
	err = range_parse(buf_cstr(&b), r);
	buf_free(&b);
	return err;
fail:
	buf_free(&b);
	return bad;
}

static const char *on_option(void *cfg_, int key, const char *arg)
{
	struct config *cfg = cfg_;
	unsigned id;
	const char *err;
	switch (key) {
	case 'f':
		if (!*arg)
			return "empty file name";
		cfg->files = xrealloc(cfg->files, (cfg->nfiles + 1) * sizeof *cfg->files);
		cfg->files[cfg->nfiles++] = (struct target){ .path = arg };
		return NULL;
	case OPT_CHECKSUM: return parse_checksum(cfg, arg);
	case OPT_ALGO:
		cfg->algo = algo_named(arg);
		return cfg->algo ? NULL : "not sha256, sha512, sha1 or md5";
	case OPT_BASELINE: cfg->baseline = true; return NULL;
	case OPT_UPDATE: cfg->baseline = cfg->update = true; return NULL;
	case OPT_ABSENT: cfg->absent = true; return NULL;
	case OPT_FOLLOW: cfg->follow = true; return NULL;
	case OPT_MISSING: return opt_state(arg, &cfg->missing);
	case 'i': cfg->missing = STATE_OK; return NULL;
	case OPT_CHANGE: return opt_state(arg, &cfg->change);
	/* one value for every -f: a second one is a per-file intent we do not have */
	case OPT_MODE:
		if (cfg->has_mode)
			return "applies to every -f FILE; give it once";
		cfg->has_mode = true;
		return parse_mode(arg, &cfg->mode);
	case OPT_UID:
		if (cfg->has_uid)
			return "applies to every -f FILE; give it once";
		if ((err = parse_id(arg, true, &id)))
			return err;
		cfg->has_uid = true;
		cfg->uid = (uid_t)id;
		return NULL;
	case OPT_GID:
		if (cfg->has_gid)
			return "applies to every -f FILE; give it once";
		if ((err = parse_id(arg, false, &id)))
			return err;
		cfg->has_gid = true;
		cfg->gid = (gid_t)id;
		return NULL;
	case 'w': cfg->age_w_arg = arg; return unit_range(arg, parse_seconds, true, &cfg->age_w);
	case 'c': cfg->age_c_arg = arg; return unit_range(arg, parse_seconds, true, &cfg->age_c);
	case 'W': cfg->size_w_arg = arg; return unit_range(arg, parse_bytes, false, &cfg->size_w);
	case 'C': cfg->size_c_arg = arg; return unit_range(arg, parse_bytes, false, &cfg->size_c);
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

/* ---- measuring -------------------------------------------------------- */

struct facts {
	int err;                 /* errno of lstat/stat; 0: the path exists */
	struct stat st;          /* of the link itself unless followed */
	bool is_link;            /* the path names a symlink */
	char *target;            /* its target */
	const char *read_err;    /* why the content could not be read */
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen;          /* 0: no digest */
};

/* At file scope so that a run ended by -t in the middle of a read leaves
 * nothing unreachable behind. */
static EVP_MD_CTX *md_ctx;
static unsigned char *chunk;
enum { CHUNK = 1 << 20 };

static const char *shown(const char *path);

static void digest_fd(int fd, const struct algo *a, const char *path, struct facts *f)
{
	if (!md_ctx && !(md_ctx = EVP_MD_CTX_new()))
		plugin_die(STATE_UNKNOWN, "out of memory");
	if (!chunk)
		chunk = xmalloc(CHUNK);
	if (!EVP_DigestInit_ex(md_ctx, a->md(), NULL)) {
		f->read_err = "OpenSSL has no such digest";
		return;
	}
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	double done = 0, slowest = 0;
	for (;;) {
		/* end by ourselves, with a better line than the alarm's; a read
		 * cannot be interrupted, so leave room for two of the slowest */
		if (timeout_remaining() < 0.05 + 2 * slowest) {
			char d[32], s[32];
			human_bytes(done, d, sizeof d);
			human_bytes((double)f->st.st_size, s, sizeof s);
			plugin_die(timeout_state(), "%s: %s not finished within the %g s timeout (%s of %s read)",
			           shown(path), a->name, timeout_seconds(), d, s);
		}
		double t0 = monotonic_now();
		ssize_t n = read(fd, chunk, CHUNK);
		if (monotonic_now() - t0 > slowest)
			slowest = monotonic_now() - t0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			f->read_err = strerror(errno);
			return;
		}
		if (n == 0)
			break;
		EVP_DigestUpdate(md_ctx, chunk, (size_t)n);
		done += (double)n;
	}
	EVP_DigestFinal_ex(md_ctx, f->md, &f->mdlen);
}

/* The facts of one path: lstat (stat with --follow), a symlink's target,
 * and the digest of a regular file when a is given. */
static void measure(const char *path, bool follow, const struct algo *a, struct facts *f)
{
	memset(f, 0, sizeof *f);
	if (lstat(path, &f->st) < 0) {
		f->err = errno;
		return;
	}
	if (S_ISLNK(f->st.st_mode)) {
		char t[PATH_MAX + 1];
		ssize_t n = readlink(path, t, sizeof t - 1);
		t[n > 0 ? n : 0] = '\0';
		f->is_link = true;
		f->target = xstrdup(t);
		if (follow && stat(path, &f->st) < 0) {
			f->err = errno;
			return;
		}
	}
	if (!a || !S_ISREG(f->st.st_mode))
		return;
	/* O_NOFOLLOW and the inode check: what we read is what we stat'ed;
	 * O_NONBLOCK: a FIFO swapped in meanwhile cannot hang the open */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW));
	if (fd < 0) {
		f->read_err = strerror(errno);
		return;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || st.st_dev != f->st.st_dev || st.st_ino != f->st.st_ino || !S_ISREG(st.st_mode))
		f->read_err = "replaced while being checked; try again";
	else
		digest_fd(fd, a, path, f);
	close(fd);
}

/* ---- the baseline ----------------------------------------------------- */

struct base {
	char type;                   /* a letter of types[] */
	const struct algo *algo;
	char digest[2 * EVP_MAX_MD_SIZE + 1];
	char *path, *target;         /* hex in the file, text here */
	unsigned mode;
	unsigned long long uid, gid, size;
	long mtime, recorded;
};

static void hex(struct buf *b, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf_printf(b, "%02x", p[i]);
}

static char *unhex(const char *s)
{
	size_t n = strlen(s);
	if (n % 2 || strspn(s, "0123456789abcdef") != n)
		return NULL;
	char *out = xmalloc(n / 2 + 1);
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;
		sscanf(s + 2 * i, "%2x", &v);
		out[i] = (char)v;
	}
	out[n / 2] = '\0';
	return out;
}

static const struct { char code; mode_t fmt; const char *name; } types[] = {
	{ 'f', S_IFREG, "file" }, { 'd', S_IFDIR, "directory" }, { 'l', S_IFLNK, "symlink" },
	{ 'p', S_IFIFO, "fifo" }, { 's', S_IFSOCK, "socket" }, { 'c', S_IFCHR, "character device" },
	{ 'b', S_IFBLK, "block device" },
};

/* The letter the baseline stores; '?' for a type Linux does not have. */
static char file_type(mode_t m)
{
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if ((m & S_IFMT) == types[i].fmt)
			return types[i].code;
	return '?';
}

static const char *type_name(char t)
{
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (types[i].code == t)
			return types[i].name;
	return "unknown type";
}

/* Text, one "key value" a line after a versioned header; NULL when it is
 * not a baseline we wrote. */
static bool base_parse(char *text, struct base *b)
{
	memset(b, 0, sizeof *b);
	char *save = NULL, *line = strtok_r(text, "\n", &save);
	if (!line || strcmp(line, "mamori check_file baseline 1") != 0)
		return false;
	unsigned seen = 0;
	while ((line = strtok_r(NULL, "\n", &save))) {
		char *v = strchr(line, ' ');
		if (!v)
			return false;
		*v++ = '\0';
		unsigned long long n;
		if (strcmp(line, "type") == 0 && strlen(v) == 1 && strchr("fdlpscb", *v))
			b->type = *v, seen |= 1;
		else if (strcmp(line, "mode") == 0 && !parse_mode(v, &b->mode))
			seen |= 2;
		else if (strcmp(line, "uid") == 0 && num_parse_ull(v, &b->uid))
			seen |= 4;
		else if (strcmp(line, "gid") == 0 && num_parse_ull(v, &b->gid))
			seen |= 8;
		else if (strcmp(line, "path") == 0 && !b->path && (b->path = unhex(v)))
			seen |= 16;
		else if (strcmp(line, "algorithm") == 0 && (b->algo = algo_named(v)))
			;
		else if (strcmp(line, "digest") == 0 && strlen(v) < sizeof b->digest &&
		         strspn(v, "0123456789abcdef") == strlen(v))
			strcpy(b->digest, v);
		else if (strcmp(line, "target") == 0 && !b->target && (b->target = unhex(v)))
			;
		else if (strcmp(line, "size") == 0 && num_parse_ull(v, &n))
			b->size = n;
		else if (strcmp(line, "mtime") == 0)
			num_parse_long(v, LONG_MIN, LONG_MAX, &b->mtime);
		else if (strcmp(line, "recorded") == 0)
			num_parse_long(v, LONG_MIN, LONG_MAX, &b->recorded);
		else
			return false;
	}
	if (seen != 31)
		return false;
	if (b->type == 'f' && (!b->algo || strlen(b->digest) != 2 * b->algo->len))
		return false;
	return b->type != 'l' || b->target;
}

static void base_free(struct base *b)
{
	free(b->path);
	free(b->target);
}

static const char *base_write(struct state_file *sf, const char *abs, const struct facts *f,
                              const struct algo *a)
{
	struct buf b = BUF_INIT;
	char t = file_type(f->st.st_mode);
	buf_printf(&b, "mamori check_file baseline 1\npath ");
	hex(&b, (const unsigned char *)abs, strlen(abs));
	buf_printf(&b, "\ntype %c\nmode %04o\nuid %u\ngid %u\nsize %lld\nmtime %lld\nrecorded %lld\n", t,
	           (unsigned)(f->st.st_mode & 07777), (unsigned)f->st.st_uid, (unsigned)f->st.st_gid,
	           (long long)f->st.st_size, (long long)f->st.st_mtim.tv_sec, (long long)time(NULL));
	if (t == 'f') {
		buf_printf(&b, "algorithm %s\ndigest ", a->name);
		hex(&b, f->md, f->mdlen);
		buf_putc(&b, '\n');
	}
	if (t == 'l') {
		buf_puts(&b, "target ");
		hex(&b, (const unsigned char *)f->target, strlen(f->target));
		buf_putc(&b, '\n');
	}
	const char *err = state_write(sf, b.s, b.len);
	buf_free(&b);
	return err;
}

/* The state key: the absolute path, or its digest when the escaped path
 * would not fit in a file name. */
static char *state_key(const char *abs)
{
	size_t esc = 0;
	for (const char *p = abs; *p; p++)
		esc += (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ? 1 : 3;
	if (esc <= 200)
		return xstrdup(abs);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	struct buf b = BUF_INIT;
	EVP_Digest(abs, strlen(abs), md, &n, EVP_sha256(), NULL);
	buf_puts(&b, "sha256-");
	hex(&b, md, n);
	return b.s;
}

static char *absolute(const char *path)
{
	char cwd[PATH_MAX];
	struct buf b = BUF_INIT;
	if (path[0] == '/' || !getcwd(cwd, sizeof cwd))
		buf_puts(&b, path);
	else
		buf_printf(&b, "%s/%s", cwd, path);
	return b.s;
}

/* ---- judging and printing --------------------------------------------- */

struct report {
	enum state state;
	struct buf bad;     /* what is wrong: the summary */
	struct buf notes;   /* what was done or found right */
	struct buf desc;    /* what the path is now */
	struct buf digest;  /* full hex digest, for the long output */
	const struct algo *algo;
};

static void vadd(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void vadd(struct buf *b, const char *fmt, va_list ap)
{
	if (b->len)
		buf_puts(b, ", ");
	buf_vprintf(b, fmt, ap);
}

static void problem(struct report *r, enum state s, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void problem(struct report *r, enum state s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vadd(&r->bad, fmt, ap);
	va_end(ap);
	r->state = state_worst(r->state, s);
}

static void note(struct report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct report *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vadd(&r->notes, fmt, ap);
	va_end(ap);
}

/* A difference from the baseline: a problem, or what --update-baseline accepted. */
static void changed(struct report *r, const struct config *cfg, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void changed(struct report *r, const struct config *cfg, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (cfg->update) {
		vadd(&r->notes, fmt, ap);
	} else {
		vadd(&r->bad, fmt, ap);
		r->state = state_worst(r->state, cfg->change);
	}
	va_end(ap);
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

static const char *user_name(unsigned long long id, char *out, size_t n)
{
	struct passwd *pw = getpwuid((uid_t)id);
	if (pw)
		snprintf(out, n, "%s", pw->pw_name);
	else
		snprintf(out, n, "%llu", id);
	return out;
}

static const char *group_name(unsigned long long id, char *out, size_t n)
{
	struct group *gr = getgrgid((gid_t)id);
	if (gr)
		snprintf(out, n, "%s", gr->gr_name);
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

static void describe(const struct facts *f, bool follow, double age, struct report *r)
{
	char u[64], g[64], sz[32], ago[64];
	char t = file_type(f->st.st_mode);
	bool link_only = f->is_link && !follow;
	if (link_only)
		buf_printf(&r->desc, "symlink to %s (not followed)", shown(f->target));
	else
		buf_printf(&r->desc, "%s", type_name(t));
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
	buf_printf(&r->desc, ", %s:%s, modified %s", user_name(f->st.st_uid, u, sizeof u),
	           group_name(f->st.st_gid, g, sizeof g), ago);
}

static void judge_explicit(const struct config *cfg, const struct target *t, const struct facts *f,
                           bool link_only, struct report *r)
{
	char a[64], b[64];
	unsigned mode = f->st.st_mode & 07777;
	/* a symlink's own mode is always 0777: asking for a mode or content of a
	 * path that is now a link means something was swapped */
	if (link_only && (cfg->has_mode || t->expect))
		problem(r, cfg->change, "is a symlink to %s (not followed; --follow checks the target)",
		        shown(f->target));
	else if (cfg->has_mode && mode != cfg->mode)
		problem(r, cfg->change, "mode %04o -> %04o", cfg->mode, mode);
	if (cfg->has_uid && f->st.st_uid != cfg->uid)
		problem(r, cfg->change, "owner %s -> %s", user_name(cfg->uid, a, sizeof a),
		        user_name(f->st.st_uid, b, sizeof b));
	if (cfg->has_gid && f->st.st_gid != cfg->gid)
		problem(r, cfg->change, "group %s -> %s", group_name(cfg->gid, a, sizeof a),
		        group_name(f->st.st_gid, b, sizeof b));
	if (!t->expect || link_only)
		return;
	if (!S_ISREG(f->st.st_mode))
		problem(r, cfg->change, "is a %s, not a file with a checksum", type_name(file_type(f->st.st_mode)));
	else if (f->mdlen && strcmp(r->digest.s, t->expect) != 0)
		problem(r, cfg->change, "%s differs (expected %.12s..., now %.12s...)", t->expect_algo->name,
		        t->expect, r->digest.s);
	else if (f->mdlen)
		note(r, "%s matches", t->expect_algo->name);
}

static void judge_baseline(const struct config *cfg, const struct base *b, const struct facts *f,
                           const struct algo *a, struct report *r)
{
	char x[64], y[64];
	char t = file_type(f->st.st_mode);
	size_t before = r->bad.len + r->notes.len;
	if (b->type != t) {
		changed(r, cfg, "type %s -> %s", type_name(b->type), type_name(t));
		return;
	}
	if (t == 'l' && strcmp(b->target, f->target) != 0)
		changed(r, cfg, "symlink target %s -> %s", shown(b->target), shown(f->target));
	if (!cfg->has_mode && b->mode != (f->st.st_mode & 07777))
		changed(r, cfg, "mode %04o -> %04o", b->mode, (unsigned)(f->st.st_mode & 07777));
	if (!cfg->has_uid && b->uid != f->st.st_uid)
		changed(r, cfg, "owner %s -> %s", user_name(b->uid, x, sizeof x), user_name(f->st.st_uid, y, sizeof y));
	if (!cfg->has_gid && b->gid != f->st.st_gid)
		changed(r, cfg, "group %s -> %s", group_name(b->gid, x, sizeof x),
		        group_name(f->st.st_gid, y, sizeof y));
	if (t == 'f' && f->mdlen && strcmp(b->digest, r->digest.s) != 0) {
		if (b->size != (unsigned long long)f->st.st_size)
			changed(r, cfg, "%s changed (was %.12s..., now %.12s...; size %llu -> %lld B)", a->name,
			        b->digest, r->digest.s, b->size, (long long)f->st.st_size);
		else
			changed(r, cfg, "%s changed (was %.12s..., now %.12s...)", a->name, b->digest, r->digest.s);
	}
	if (r->bad.len + r->notes.len == before && !cfg->update)
		note(r, "%s as in the baseline", t == 'f' ? a->name : "type, mode and owner");
	if (plugin_verbose) {
		char when[64];
		time_t rec = (time_t)b->recorded;
		strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S %z", localtime(&rec));
		note(r, "baseline of %s", when);
	}
}

/* Lock and read the baseline of one path. 1: b holds it; 0: none yet (or
 * an unusable one that --update-baseline replaces); -1: a problem was
 * reported. May set *a to the baseline's algorithm. */
static int baseline_load(const struct config *cfg, const char *abs, struct state_file *sf, struct base *b,
                         const struct algo **a, struct report *r)
{
	char *key = state_key(abs);
	const char *err = state_open(sf, NULL, "check_file", key);
	free(key);
	if (err) {
		problem(r, STATE_UNKNOWN, "baseline: %s", err);
		return -1;
	}
	struct buf text = BUF_INIT;
	int have = 0;
	if ((err = state_read(sf, &text))) {
		problem(r, STATE_UNKNOWN, "baseline: %s", err);
		have = -1;
	} else if (text.len && !base_parse(text.s, b)) {
		if (!cfg->update)
			problem(r, STATE_UNKNOWN, "baseline %s is corrupt (--update-baseline records a new one)",
			        shown(sf->path));
		have = cfg->update ? 0 : -1;
	} else if (text.len && strcmp(b->path, abs) != 0) {
		if (!cfg->update)
			problem(r, STATE_UNKNOWN, "baseline %s belongs to %s (--update-baseline records a new one)",
			        shown(sf->path), shown(b->path));
		have = cfg->update ? 0 : -1;
	} else if (text.len) {
		have = 1;
		if (!*a && b->algo)
			*a = b->algo;
		else if (*a && b->algo && *a != b->algo && !cfg->update) {
			problem(r, STATE_UNKNOWN, "baseline holds %s, not %s (--update-baseline records a new one)",
			        b->algo->name, (*a)->name);
			have = -1;
		}
	}
	buf_free(&text);
	return have;
}

static void check_absent(const struct config *cfg, const struct target *t, struct report *r)
{
	struct stat st;
	if (lstat(t->path, &st) == 0)
		problem(r, cfg->missing, "exists (should be absent): %s", type_name(file_type(st.st_mode)));
	else if (errno == ENOENT || errno == ENOTDIR)
		note(r, "absent, as required");
	else
		problem(r, STATE_UNKNOWN, "cannot stat: %s", strerror(errno));
}

static void check_one(const struct config *cfg, const struct target *t, struct check *c, struct report *r,
                      double now)
{
	if (cfg->absent) {
		check_absent(cfg, t, r);
		return;
	}
	struct state_file sf = { .lockfd = -1 };
	struct base b = { 0 };
	struct facts f;
	const struct algo *a = t->expect_algo ? t->expect_algo : cfg->algo;
	char *abs = NULL;
	int have = 0;
	if (cfg->baseline) {
		abs = absolute(t->path);
		have = baseline_load(cfg, abs, &sf, &b, &a, r);
	}
	if (!a)
		a = &algos[0];
	measure(t->path, cfg->follow, t->expect || (cfg->baseline && have >= 0) ? a : NULL, &f);
	if (f.err == ENOENT || f.err == ENOTDIR) {
		if (f.is_link)
			problem(r, cfg->missing, "missing (dangling symlink to %s)", shown(f.target));
		else
			problem(r, cfg->missing, "missing");
		goto out;
	}
	if (f.err) {
		problem(r, STATE_UNKNOWN, "cannot stat: %s", strerror(f.err));
		goto out;
	}
	bool link_only = f.is_link && !cfg->follow;
	/* whole seconds, as check_file_age and the summary show them */
	double age = (double)(long long)(now - ((double)f.st.st_mtim.tv_sec + (double)f.st.st_mtim.tv_nsec / 1e9));
	describe(&f, cfg->follow, age, r);
	if (f.read_err)
		problem(r, STATE_UNKNOWN, "cannot read: %s", f.read_err);
	if (f.mdlen) {
		hex(&r->digest, f.md, f.mdlen);
		r->algo = a;
	}
	judge_explicit(cfg, t, &f, link_only, r);

	if (have > 0)
		judge_baseline(cfg, &b, &f, a, r);
	if (have >= 0 && cfg->baseline && (!S_ISREG(f.st.st_mode) || f.mdlen) && (have == 0 || cfg->update)) {
		const char *err = base_write(&sf, abs, &f, a);
		if (err)
			problem(r, STATE_UNKNOWN, "baseline: %s", err);
		else if (f.mdlen)
			note(r, "baseline %s (%s %.12s...)", have ? "updated" : "recorded", a->name, r->digest.s);
		else
			note(r, "baseline %s (%s)", have ? "updated" : "recorded", type_name(file_type(f.st.st_mode)));
	}

	char ago[64];
	human_age(age, ago, sizeof ago);
	enum state s = range_judge(age, &cfg->age_w, &cfg->age_c);
	if (s != STATE_OK)
		problem(r, s, "modified %s (%s %s)", ago, s == STATE_CRITICAL ? "-c" : "-w",
		        s == STATE_CRITICAL ? cfg->age_c_arg : cfg->age_w_arg);
	s = range_judge((double)f.st.st_size, &cfg->size_w, &cfg->size_c);
	if (s != STATE_OK)
		problem(r, s, "size %lld B (%s %s)", (long long)f.st.st_size, s == STATE_CRITICAL ? "-C" : "-W",
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
	state_close(&sf);
	base_free(&b);
	free(f.target);
	free(abs);
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
	size_t nbad = 0;
	for (size_t i = 0; i < cfg.nfiles; i++) {
		check_one(&cfg, &cfg.files[i], &c, &rep[i], (double)now.tv_sec + (double)now.tv_nsec / 1e9);
		check_raise(&c, rep[i].state);
		nbad += rep[i].bad.len > 0;
	}

	/* the summary names what is wrong; when nothing is, what was seen */
	for (size_t i = 0, n = 0; i < cfg.nfiles; i++)
		if (rep[i].bad.len)
			check_summary(&c, "%s%s: %s", n++ ? "; " : "", shown(cfg.files[i].path), rep[i].bad.s);
	if (!nbad && cfg.nfiles == 1)
		check_summary(&c, "%s: %s%s%s", shown(cfg.files[0].path), buf_cstr(&rep[0].desc),
		              rep[0].desc.len && rep[0].notes.len ? ", " : "", buf_cstr(&rep[0].notes));
	else if (!nbad)
		check_summary(&c, "%zu files as required", cfg.nfiles);
	for (size_t i = 0; i < cfg.nfiles && (cfg.nfiles > 1 || plugin_verbose); i++) {
		struct report *r = &rep[i];
		struct buf line = BUF_INIT;
		if (r->bad.len)
			buf_printf(&line, "%s: %s", state_name(r->state), r->bad.s);
		if (r->desc.len)
			buf_printf(&line, "%s%s", line.len ? "; " : "", r->desc.s);
		if (r->algo)
			buf_printf(&line, ", %s %s", r->algo->name, r->digest.s);
		if (r->notes.len)
			buf_printf(&line, "%s%s", line.len ? "; " : "", r->notes.s);
		check_long(&c, "%s: %s", shown(cfg.files[i].path), buf_cstr(&line));
		buf_free(&line);
	}
	for (size_t i = 0; i < cfg.nfiles; i++) {
		buf_free(&rep[i].bad);
		buf_free(&rep[i].notes);
		buf_free(&rep[i].desc);
		buf_free(&rep[i].digest);
		free(cfg.files[i].expect);
	}
	free(rep);
	free(cfg.files);
	free(chunk);
	EVP_MD_CTX_free(md_ctx);
	check_exit(&c);
}
