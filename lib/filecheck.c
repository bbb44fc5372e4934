/* check_file's measuring: stat without following, the streaming digest,
 * the baseline in the state directory. See filecheck.h. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "buf.h"
#include "filecheck.h"
#include "num.h"
#include "plugin.h"
#include "size.h"
#include "timeout.h"

_Static_assert(FC_DIGEST_MAX <= EVP_MAX_MD_SIZE, "FC_DIGEST_MAX fits OpenSSL's digests");

struct algo {
	struct fc_algo pub;
	const EVP_MD *(*md)(void);
};

static const struct algo algos[] = {
	{ { "sha256", 32 }, EVP_sha256 },  /* the default */
	{ { "sha512", 64 }, EVP_sha512 },
	{ { "sha1", 20 }, EVP_sha1 },
	{ { "md5", 16 }, EVP_md5 },
};
enum { NALGOS = sizeof algos / sizeof algos[0] };

static const struct algo *algo_of(const struct fc_algo *a)
{
	for (size_t i = 0; i < NALGOS; i++)
		if (&algos[i].pub == a)
			return &algos[i];
	return NULL;
}

const struct fc_algo *fc_algo_named(const char *name)
{
	for (size_t i = 0; i < NALGOS; i++)
		if (strcmp(algos[i].pub.name, name) == 0)
			return &algos[i].pub;
	return NULL;
}

const struct fc_algo *fc_algo_default(void)
{
	return &algos[0].pub;
}

/* ---- option values ---------------------------------------------------- */

const char *fc_parse_checksum(const char *arg, char **hex, const struct fc_algo **algo)
{
	size_t n = strlen(arg);
	*algo = NULL;
	for (size_t i = 0; i < NALGOS; i++)
		if (n == 2 * algos[i].pub.len)
			*algo = &algos[i].pub;
	if (!*algo)
		return "not 32, 40, 64 or 128 hex digits (md5, sha1, sha256, sha512)";
	char *h = xstrdup(arg);
	for (char *p = h; *p; p++) {
		if (*p >= 'A' && *p <= 'F') {
			*p = (char)(*p - 'A' + 'a');
		} else if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'))) {
			free(h);
			return "not a hex digest";
		}
	}
	*hex = h;
	return NULL;
}

const char *fc_parse_mode(const char *arg, unsigned *mode)
{
	size_t n = strlen(arg);
	if (n == 0 || n > 5 || strspn(arg, "01234567") != n)
		return "not an octal mode from 0 to 7777";
	unsigned long v = strtoul(arg, NULL, 8);
	if (v > 07777)
		return "not an octal mode from 0 to 7777";
	*mode = (unsigned)v;
	return NULL;
}

/* A number is an id (as in `chown 0`); anything else must be a known name. */
const char *fc_parse_id(const char *arg, bool user, unsigned *id)
{
	unsigned long long n;
	if (num_parse_ull(arg, &n)) {
		if (n >= 4294967295ULL)
			return "id out of range";
		*id = (unsigned)n;
		return NULL;
	}
	if (user) {
		struct passwd *pw = *arg ? getpwnam(arg) : NULL;
		if (!pw)
			return "no such user";
		*id = pw->pw_uid;
	} else {
		struct group *gr = *arg ? getgrnam(arg) : NULL;
		if (!gr)
			return "no such group";
		*id = gr->gr_gid;
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

/* Each number becomes plain, then range_parse judges the whole. */
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

const char *fc_parse_age_range(const char *arg, struct range *r)
{
	return unit_range(arg, parse_seconds, true, r);
}

const char *fc_parse_size_range(const char *arg, struct range *r)
{
	return unit_range(arg, parse_bytes, false, r);
}

/* ---- types ------------------------------------------------------------ */

static const struct { char code; mode_t fmt; const char *name; } types[] = {
	{ 'f', S_IFREG, "file" }, { 'd', S_IFDIR, "directory" }, { 'l', S_IFLNK, "symlink" },
	{ 'p', S_IFIFO, "fifo" }, { 's', S_IFSOCK, "socket" }, { 'c', S_IFCHR, "character device" },
	{ 'b', S_IFBLK, "block device" },
};

char fc_type(mode_t m)
{
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if ((m & S_IFMT) == types[i].fmt)
			return types[i].code;
	return '?';
}

const char *fc_type_name(char type)
{
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (types[i].code == type)
			return types[i].name;
	return "unknown type";
}

/* ---- measuring -------------------------------------------------------- */

/* At file scope so that a run ended by the -t alarm in the middle of a
 * read leaves nothing unreachable behind. */
static EVP_MD_CTX *md_ctx;
static unsigned char *chunk;
enum { CHUNK = 1 << 20 };

static void hex_into(char *out, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", p[i]);
	out[2 * n] = '\0';
}

static enum fc_rc read_fail(struct fc_facts *f, const char *why)
{
	snprintf(f->detail, sizeof f->detail, "%s", why);
	return FC_READ_FAIL;
}

static enum fc_rc digest_fd(int fd, const struct algo *a, struct fc_facts *f)
{
	if (!md_ctx && !(md_ctx = EVP_MD_CTX_new()))
		plugin_die(STATE_UNKNOWN, "out of memory");
	if (!chunk)
		chunk = xmalloc(CHUNK);
	if (!EVP_DigestInit_ex(md_ctx, a->md(), NULL))
		return read_fail(f, "OpenSSL has no such digest");
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	double slowest = 0;
	for (;;) {
		/* end before the alarm, so the caller can say more than it does;
		 * a read cannot be interrupted, so leave room for two of the slowest */
		if (timeout_remaining() < 0.05 + 2 * slowest)
			return FC_TIMEOUT;
		double t0 = monotonic_now();
		ssize_t n = read(fd, chunk, CHUNK);
		if (monotonic_now() - t0 > slowest)
			slowest = monotonic_now() - t0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return read_fail(f, strerror(errno));
		if (n == 0)
			break;
		EVP_DigestUpdate(md_ctx, chunk, (size_t)n);
		f->bytes_read += (double)n;
	}
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned len = 0;
	EVP_DigestFinal_ex(md_ctx, md, &len);
	hex_into(f->digest, md, len);
	f->algo = &a->pub;
	return FC_OK;
}

enum fc_rc fc_measure(const char *path, bool follow, const struct fc_algo *algo, struct fc_facts *f)
{
	memset(f, 0, sizeof *f);
	if (lstat(path, &f->st) < 0)
		goto stat_fail;
	if (S_ISLNK(f->st.st_mode)) {
		char t[PATH_MAX + 1];
		ssize_t n = readlink(path, t, sizeof t - 1);
		t[n > 0 ? n : 0] = '\0';
		f->is_link = true;
		f->target = xstrdup(t);
		if (follow && stat(path, &f->st) < 0)
			goto stat_fail;
	}
	f->type = fc_type(f->st.st_mode);
	if (!algo || !S_ISREG(f->st.st_mode))
		return FC_OK;
	/* O_NOFOLLOW and the inode check: what we read is what we stat'ed;
	 * O_NONBLOCK: a FIFO swapped in meanwhile cannot hang the open */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW));
	if (fd < 0)
		return read_fail(f, strerror(errno));
	struct stat st;
	enum fc_rc rc;
	if (fstat(fd, &st) < 0 || st.st_dev != f->st.st_dev || st.st_ino != f->st.st_ino || !S_ISREG(st.st_mode))
		rc = read_fail(f, "replaced while being checked; try again");
	else
		rc = digest_fd(fd, algo_of(algo), f);
	close(fd);
	return rc;
stat_fail:
	if (errno == ENOENT || errno == ENOTDIR)
		return FC_MISSING;
	snprintf(f->detail, sizeof f->detail, "%s", strerror(errno));
	return FC_STAT_FAIL;
}

void fc_facts_free(struct fc_facts *f)
{
	free(f->target);
	f->target = NULL;
}

void fc_measure_end(void)
{
	free(chunk);
	chunk = NULL;
	EVP_MD_CTX_free(md_ctx);
	md_ctx = NULL;
}

/* ---- the baseline ----------------------------------------------------- */

static void hex(struct buf *b, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf_printf(b, "%02x", p[i]);
}

/* Hex back to text; NULL when it is not lower-case hex of a non-empty
 * string without NUL (a path or a link target, as we wrote it). */
static char *unhex(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n % 2 || strspn(s, "0123456789abcdef") != n)
		return NULL;
	char *out = xmalloc(n / 2 + 1);
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;
		sscanf(s + 2 * i, "%2x", &v);
		out[i] = (char)v;
	}
	out[n / 2] = '\0';
	if (strlen(out) != n / 2) {
		free(out);
		return NULL;
	}
	return out;
}

void fc_record_format(struct buf *t, const struct fc_record *r)
{
	buf_printf(t, "mamori check_file baseline 1\npath ");
	hex(t, (const unsigned char *)r->path, strlen(r->path));
	buf_printf(t, "\ntype %c\nmode %04o\nuid %llu\ngid %llu\nsize %llu\nmtime %ld\nrecorded %ld\n", r->type,
	           r->mode, r->uid, r->gid, r->size, r->mtime, r->recorded);
	if (r->type == 'f' && r->algo)
		buf_printf(t, "algorithm %s\ndigest %s\n", r->algo->name, r->digest);
	if (r->type == 'l' && r->target) {
		buf_puts(t, "target ");
		hex(t, (const unsigned char *)r->target, strlen(r->target));
		buf_putc(t, '\n');
	}
}

void fc_record_free(struct fc_record *r)
{
	free(r->path);
	free(r->target);
	r->path = r->target = NULL;
}

/* Text, one "key value" a line after a versioned header: what
 * fc_record_format() writes, nothing else (a NUL, a number that is not
 * one, a digest on what is not a file, a target on what is not a link). */
bool fc_record_parse(const char *text, size_t len, struct fc_record *b)
{
	memset(b, 0, sizeof *b);
	if (memchr(text, '\0', len))
		return false;
	char *copy = xstrdup(text), *save = NULL, *line = strtok_r(copy, "\n", &save);
	bool ok = line && strcmp(line, "mamori check_file baseline 1") == 0;
	unsigned seen = 0;
	while (ok && (line = strtok_r(NULL, "\n", &save))) {
		char *v = strchr(line, ' ');
		if (!v) {
			ok = false;
			break;
		}
		*v++ = '\0';
		if (strcmp(line, "type") == 0 && strlen(v) == 1 && strchr("fdlpscb", *v))
			b->type = *v, seen |= 1;
		else if (strcmp(line, "mode") == 0 && !fc_parse_mode(v, &b->mode))
			seen |= 2;
		else if (strcmp(line, "uid") == 0 && num_parse_ull(v, &b->uid))
			seen |= 4;
		else if (strcmp(line, "gid") == 0 && num_parse_ull(v, &b->gid))
			seen |= 8;
		else if (strcmp(line, "path") == 0 && !b->path && (b->path = unhex(v)))
			seen |= 16;
		else if (strcmp(line, "algorithm") == 0 && (b->algo = fc_algo_named(v)))
			;
		else if (strcmp(line, "digest") == 0 && strlen(v) < sizeof b->digest &&
		         strspn(v, "0123456789abcdef") == strlen(v))
			strcpy(b->digest, v);
		else if (strcmp(line, "target") == 0 && !b->target && (b->target = unhex(v)))
			;
		else if (!((strcmp(line, "size") == 0 && num_parse_ull(v, &b->size)) ||
		           (strcmp(line, "mtime") == 0 && num_parse_long(v, LONG_MIN, LONG_MAX, &b->mtime)) ||
		           (strcmp(line, "recorded") == 0 && num_parse_long(v, LONG_MIN, LONG_MAX, &b->recorded))))
			ok = false;
	}
	free(copy);
	if (ok && seen != 31)
		ok = false;
	if (ok && b->type == 'f' && (!b->algo || strlen(b->digest) != 2 * b->algo->len))
		ok = false;
	if (ok && b->type != 'f' && (b->algo || b->digest[0]))
		ok = false;
	if (ok && (b->type == 'l') != (b->target != NULL))
		ok = false;
	if (!ok)
		fc_record_free(b);
	return ok;
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

enum fc_rc fc_baseline_open(struct fc_baseline *b, const char *path)
{
	memset(b, 0, sizeof *b);
	b->sf.lockfd = -1;
	b->abs = absolute(path);
	char *key = state_key(b->abs);
	const char *err = state_open(&b->sf, NULL, "check_file", key);
	free(key);
	if (err) {
		snprintf(b->detail, sizeof b->detail, "%s", err);
		return FC_STATE_FAIL;
	}
	struct buf text = BUF_INIT;
	enum fc_rc rc;
	if ((err = state_read(&b->sf, &text))) {
		snprintf(b->detail, sizeof b->detail, "%s", err);
		rc = FC_STATE_FAIL;
	} else if (!text.len) {
		rc = FC_BASE_NONE;
	} else if (!fc_record_parse(text.s, text.len, &b->rec)) {
		rc = FC_BASE_CORRUPT;
	} else {
		rc = strcmp(b->rec.path, b->abs) != 0 ? FC_BASE_FOREIGN : FC_BASE_FOUND;
	}
	buf_free(&text);
	return rc;
}

size_t fc_compare(const struct fc_record *want, const struct fc_facts *f, unsigned fields, struct fc_diff *out)
{
	size_t n = 0;
	unsigned mode = f->st.st_mode & 07777;
#define HAS(fld) (fields & 1u << (fld))
#define DIFF(fld, w, nw, wt, nt) \
	(out[n++] = (struct fc_diff){ .field = (fld), .was = (w), .now = (nw), .was_text = (wt), .now_text = (nt) })
	if (HAS(FC_TYPE) && want->type != f->type) {
		DIFF(FC_TYPE, (unsigned char)want->type, (unsigned char)f->type, NULL, NULL);
		return n;
	}
	if (HAS(FC_TARGET) && f->type == 'l' && want->target && strcmp(want->target, f->target) != 0)
		DIFF(FC_TARGET, 0, 0, want->target, f->target);
	if (HAS(FC_MODE) && want->mode != mode)
		DIFF(FC_MODE, want->mode, mode, NULL, NULL);
	if (HAS(FC_OWNER) && want->uid != f->st.st_uid)
		DIFF(FC_OWNER, want->uid, f->st.st_uid, NULL, NULL);
	if (HAS(FC_GROUP) && want->gid != f->st.st_gid)
		DIFF(FC_GROUP, want->gid, f->st.st_gid, NULL, NULL);
	if (HAS(FC_CONTENT) && f->type == 'f' && f->algo && strcmp(want->digest, f->digest) != 0)
		DIFF(FC_CONTENT, want->size, (unsigned long long)f->st.st_size, want->digest, f->digest);
#undef DIFF
#undef HAS
	return n;
}

const char *fc_baseline_write(struct fc_baseline *b, const struct fc_facts *f)
{
	struct fc_record r = { .type = f->type, .path = b->abs, .mode = (unsigned)(f->st.st_mode & 07777),
	                       .uid = f->st.st_uid, .gid = f->st.st_gid,
	                       .size = f->st.st_size > 0 ? (unsigned long long)f->st.st_size : 0,
	                       .mtime = (long)f->st.st_mtim.tv_sec, .recorded = (long)time(NULL),
	                       .algo = f->type == 'f' ? f->algo : NULL, .target = f->type == 'l' ? f->target : NULL };
	if (r.algo)
		snprintf(r.digest, sizeof r.digest, "%s", f->digest);
	struct buf t = BUF_INIT;
	fc_record_format(&t, &r);
	const char *err = state_write(&b->sf, t.s, t.len);
	buf_free(&t);
	return err;
}

void fc_baseline_close(struct fc_baseline *b)
{
	state_close(&b->sf);
	free(b->abs);
	b->abs = NULL;
	fc_record_free(&b->rec);
}
