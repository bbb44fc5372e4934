#include "updates.h"
#include "spawn.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc.h"
#include "timeout.h"

/* ---- dpkg versions: lib/dpkg/parsehelp.c parseversion() and
 * lib/dpkg/version.c verrevcmp(), on pointer ranges instead of copies. */

static bool c_digit(int c) { return c >= '0' && c <= '9'; }
static bool c_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool c_blank(int c) { return c == ' ' || c == '\t'; }

struct dver {
	long epoch;
	const char *up, *up_end, *rev, *rev_end;
};

static const char *dver_parse(const char *s, struct dver *v)
{
	while (*s && c_blank(*s))
		s++;
	if (!*s)
		return "version string is empty";
	const char *end = s;
	while (*end && !c_blank(*end))
		end++;
	for (const char *p = end; *p; p++)
		if (!c_blank(*p))
			return "version string has embedded spaces";

	v->epoch = 0;
	const char *colon = memchr(s, ':', (size_t)(end - s));
	if (colon) {
		char *eep;
		errno = 0;
		long epoch = strtol(s, &eep, 10);   /* as dpkg: a sign is accepted */
		if (eep == s)
			return "epoch in version is empty";
		if (eep != colon)
			return "epoch in version is not number";
		if (epoch < 0)
			return "epoch in version is negative";
		if (epoch > INT_MAX || errno == ERANGE)
			return "epoch in version is too big";
		if (!colon[1])
			return "nothing after colon in version number";
		v->epoch = epoch;
		s = colon + 1;
	}
	const char *hyphen = NULL;
	for (const char *p = s; p < end; p++)
		if (*p == '-')
			hyphen = p;
	v->up = s;
	v->up_end = hyphen ? hyphen : end;
	v->rev = hyphen ? hyphen + 1 : end;
	v->rev_end = end;
	if (hyphen && hyphen + 1 == end)
		return "revision number is empty";
	if (v->up == v->up_end)
		return "version number is empty";
	/* dpkg only warns about a leading non-digit or odd characters */
	return NULL;
}

const char *dpkg_version_check(const char *v)
{
	struct dver d;
	return dver_parse(v, &d);
}

/* dpkg's order(): digits 0, letters themselves, '~' before everything
 * (even the end), other characters after letters. Plain char, as dpkg. */
static int order(int c)
{
	if (c_digit(c))
		return 0;
	if (c_alpha(c))
		return c;
	if (c == '~')
		return -1;
	if (c)
		return c + 256;
	return 0;
}

static int verrevcmp(const char *a, const char *ae, const char *b, const char *be)
{
#define AT(p, e) ((p) < (e) ? *(p) : '\0')
	while (a < ae || b < be) {
		int first_diff = 0;
		/* Equal orders never pair a character with the end (the end orders
		 * 0 like a digit, and a digit stops this loop), so neither pointer
		 * passes its end. */
		while ((a < ae && !c_digit(*a)) || (b < be && !c_digit(*b))) {
			int ac = order(AT(a, ae)), bc = order(AT(b, be));
			if (ac != bc)
				return ac - bc;
			a++;
			b++;
		}
		while (a < ae && *a == '0')
			a++;
		while (b < be && *b == '0')
			b++;
		while (a < ae && b < be && c_digit(*a) && c_digit(*b)) {
			if (!first_diff)
				first_diff = *a - *b;
			a++;
			b++;
		}
		if (a < ae && c_digit(*a))
			return 1;
		if (b < be && c_digit(*b))
			return -1;
		if (first_diff)
			return first_diff;
	}
	return 0;
#undef AT
}

static int dver_cmp(const struct dver *a, const struct dver *b)
{
	if (a->epoch != b->epoch)
		return a->epoch > b->epoch ? 1 : -1;
	int rc = verrevcmp(a->up, a->up_end, b->up, b->up_end);
	if (!rc)
		rc = verrevcmp(a->rev, a->rev_end, b->rev, b->rev_end);
	return (rc > 0) - (rc < 0);
}

int dpkg_version_compare(const char *a, const char *b)
{
	static const char empty[] = "";
	struct dver va, vb;
	if (dver_parse(a, &va))
		va = (struct dver){ 0, empty, empty, empty, empty };
	if (dver_parse(b, &vb))
		vb = (struct dver){ 0, empty, empty, empty, empty };
	return dver_cmp(&va, &vb);
}

/* ---- children: apt-helper to decompress, apt-get update to refresh.
 * exec with argv, in their own process group so the -t alarm (and our own
 * deadline) can kill the whole tree. */

/* ---- a line reader over a plain file, an LZ4 frame (what apt keeps with
 * Acquire::GzipIndexes, Docker's default) or a pipe, streaming: Debian's
 * main list is 50 MB unpacked and need never be in memory at once. */

enum {
	CHUNK = 65536,
	LZ4_WINDOW = 65536,              /* the farthest a match may reach back */
	LINE_LIMIT = 16 * 1024 * 1024,   /* a longer line is not a list */
};

struct reader {
	int fd;
	pid_t child;
	bool lz4, eof, failed;
	/* LZ4: raw input, frame state, decoded history */
	unsigned char *in;
	size_t in_pos, in_len, in_cap;
	bool in_eof, in_frame, bsum, csum;
	size_t blockmax;
	unsigned char *win;
	size_t win_len, win_cap;
	/* decoded text; lines are cut from it in place */
	char *text;
	size_t pos, len, cap;
	size_t lineno;
	char err[128];
};

static void fail(struct reader *r, const char *why)
{
	if (!r->failed)
		snprintf(r->err, sizeof r->err, "%s", why);
	r->failed = true;
}

static void fail_errno(struct reader *r, const char *what)
{
	char m[128];
	snprintf(m, sizeof m, "%s: %s", what, strerror(errno));
	fail(r, m);
}

static const char *const compressors[] = { ".gz", ".xz", ".bz2", ".zst", ".lzma", ".lz4", NULL };

/* The compression suffix of a list name, "" for none. */
static const char *compression(const char *name)
{
	size_t n = strlen(name);
	for (int i = 0; compressors[i]; i++) {
		size_t k = strlen(compressors[i]);
		if (n > k && !strcmp(name + n - k, compressors[i]))
			return compressors[i];
	}
	return "";
}

static void text_reserve(struct reader *r, size_t extra);

static bool reader_open(struct reader *r, const char *path)
{
	memset(r, 0, sizeof *r);
	r->fd = -1;
	text_reserve(r, CHUNK);
	const char *z = compression(path);
	if (*z && strcmp(z, ".lz4")) {
		/* gzip, xz, bzip2, zstd: apt's own decompressors, not ours */
		char *argv[] = { (char *)"/usr/lib/apt/apt-helper", (char *)"cat-file", (char *)path, NULL };
		if (access(path, R_OK) < 0) {
			fail(r, strerror(errno));
			return false;
		}
		if (access(argv[0], X_OK) < 0) {
			fail_errno(r, "cannot run /usr/lib/apt/apt-helper to decompress it");
			return false;
		}
		r->child = spawn_piped(argv, STDOUT_FILENO, -1, &r->fd);
		if (r->child < 0) {
			fail_errno(r, "cannot start apt-helper");
			return false;
		}
		return true;
	}
	r->lz4 = *z != '\0';
	r->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (r->fd < 0) {
		fail(r, strerror(errno));
		return false;
	}
	return true;
}

/* Close; false when a decompressing child failed (after a full read). */
static bool reader_close(struct reader *r)
{
	if (r->fd >= 0)
		close(r->fd);
	if (r->child > 0) {
		int st = spawn_reap(r->child);
		if (!r->failed && r->eof && !(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0))
			fail(r, "apt-helper cat-file failed to decompress it");
	}
	free(r->in);
	free(r->win);
	free(r->text);
	r->in = r->win = NULL;
	r->text = NULL;
	return !r->failed;
}

static void text_reserve(struct reader *r, size_t extra)
{
	if (r->cap - r->len > extra)   /* always one byte spare for a NUL */
		return;
	size_t cap = r->cap ? r->cap : CHUNK;
	while (cap - r->len <= extra)
		cap *= 2;
	r->text = xrealloc(r->text, cap);
	r->cap = cap;
}

/* Make n raw bytes available at in + in_pos; false at the end of input. */
static bool raw_need(struct reader *r, size_t n)
{
	if (r->in_len - r->in_pos >= n)
		return true;
	if (r->in_pos) {
		memmove(r->in, r->in + r->in_pos, r->in_len - r->in_pos);
		r->in_len -= r->in_pos;
		r->in_pos = 0;
	}
	if (n + CHUNK > r->in_cap) {
		r->in_cap = n + CHUNK;
		r->in = xrealloc(r->in, r->in_cap);
	}
	while (r->in_len < n && !r->in_eof) {
		ssize_t k = read(r->fd, r->in + r->in_len, r->in_cap - r->in_len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			fail_errno(r, "read");
			return false;
		}
		if (k == 0)
			r->in_eof = true;
		r->in_len += (size_t)k;
	}
	return r->in_len >= n;
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* One LZ4 block (the LZ4 block format) appended at out[op], out holding
 * the history before it; the new length, or 0 when the block is corrupt. */
static size_t lz4_block(const unsigned char *ip, size_t n, unsigned char *out, size_t op, size_t oend)
{
	const unsigned char *iend = ip + n;
	for (;;) {
		if (ip >= iend)
			return 0;
		unsigned token = *ip++;
		size_t lit = token >> 4;
		if (lit == 15) {
			unsigned b;
			do {
				if (ip >= iend)
					return 0;
				b = *ip++;
				lit += b;
			} while (b == 255);
		}
		if (lit > (size_t)(iend - ip) || lit > oend - op)
			return 0;
		memcpy(out + op, ip, lit);
		ip += lit;
		op += lit;
		if (ip == iend)
			return op;   /* the last sequence is literals only */
		if (iend - ip < 2)
			return 0;
		size_t off = (size_t)ip[0] | (size_t)ip[1] << 8;
		ip += 2;
		if (off == 0 || off > op)
			return 0;
		size_t ml = token & 15;
		if (ml == 15) {
			unsigned b;
			do {
				if (ip >= iend)
					return 0;
				b = *ip++;
				ml += b;
			} while (b == 255);
		}
		ml += 4;
		if (ml > oend - op)
			return 0;
		if (off >= ml) {
			memcpy(out + op, out + op - off, ml);
		} else {
			for (size_t i = 0; i < ml; i++)   /* overlapping: repeats a pattern */
				out[op + i] = out[op - off + i];
		}
		op += ml;
	}
}

/* One step of the LZ4 frame format: a frame header, a block or an end
 * mark. 1 on progress, 0 at the clean end, -1 on error. */
static int lz4_step(struct reader *r)
{
	if (!r->in_frame) {
		if (!raw_need(r, 4)) {
			if (r->failed)
				return -1;
			if (r->in_len == r->in_pos)
				return 0;
			fail(r, "truncated lz4 frame");
			return -1;
		}
		uint32_t magic = le32(r->in + r->in_pos);
		if ((magic & 0xfffffff0u) == 0x184d2a50u) {   /* skippable frame */
			if (!raw_need(r, 8))
				goto truncated;
			size_t skip = le32(r->in + r->in_pos + 4);
			r->in_pos += 8;
			while (skip) {
				size_t k = skip < CHUNK ? skip : CHUNK;
				if (!raw_need(r, k))
					goto truncated;
				r->in_pos += k;
				skip -= k;
			}
			return 1;
		}
		if (magic != 0x184d2204u) {
			fail(r, "not an lz4 frame");
			return -1;
		}
		if (!raw_need(r, 7))
			goto truncated;
		unsigned flg = r->in[r->in_pos + 4], bd = r->in[r->in_pos + 5];
		if (flg >> 6 != 1 || (flg & 2) || (bd & 0x8f) || (bd >> 4) < 4) {
			fail(r, "unsupported lz4 frame header");
			return -1;
		}
		if (flg & 1) {
			fail(r, "lz4 frame with a dictionary");
			return -1;
		}
		size_t hlen = 7 + ((flg & 8) ? 8 : 0);
		if (!raw_need(r, hlen))
			goto truncated;
		r->in_pos += hlen;   /* the header checksum is not verified */
		r->bsum = flg & 16;
		r->csum = flg & 4;
		r->blockmax = (size_t)1 << (8 + 2 * (bd >> 4));   /* 64 KiB .. 4 MiB */
		if (r->win_cap < LZ4_WINDOW + r->blockmax) {
			r->win_cap = LZ4_WINDOW + r->blockmax;
			r->win = xrealloc(r->win, r->win_cap);
		}
		r->win_len = 0;   /* no history across frames */
		r->in_frame = true;
		return 1;
	}
	if (!raw_need(r, 4))
		goto truncated;
	uint32_t bsize = le32(r->in + r->in_pos);
	r->in_pos += 4;
	if (bsize == 0) {   /* end mark */
		if (r->csum) {
			if (!raw_need(r, 4))
				goto truncated;
			r->in_pos += 4;
		}
		r->in_frame = false;
		return 1;
	}
	bool stored = bsize & 0x80000000u;
	bsize &= 0x7fffffffu;
	if (bsize > r->blockmax) {
		fail(r, "lz4 block larger than its frame allows");
		return -1;
	}
	size_t need = bsize + (r->bsum ? 4 : 0);
	if (!raw_need(r, need))
		goto truncated;
	if (r->win_len > LZ4_WINDOW) {   /* keep only the history a match may use */
		memmove(r->win, r->win + r->win_len - LZ4_WINDOW, LZ4_WINDOW);
		r->win_len = LZ4_WINDOW;
	}
	size_t end;
	if (stored) {
		memcpy(r->win + r->win_len, r->in + r->in_pos, bsize);
		end = r->win_len + bsize;
	} else {
		end = lz4_block(r->in + r->in_pos, bsize, r->win, r->win_len, r->win_len + r->blockmax);
		if (end == 0) {
			fail(r, "corrupt lz4 block");
			return -1;
		}
	}
	r->in_pos += need;
	size_t produced = end - r->win_len;
	text_reserve(r, produced);
	memcpy(r->text + r->len, r->win + r->win_len, produced);
	r->len += produced;
	r->win_len = end;
	return 1;
truncated:
	if (!r->failed)
		fail(r, "truncated lz4 frame");
	return -1;
}

/* More text; false at the end (r->eof) or on error (r->failed). */
static bool fill(struct reader *r)
{
	if (r->lz4) {
		size_t before = r->len;
		while (r->len == before) {
			int k = lz4_step(r);
			if (k < 0)
				return false;
			if (k == 0) {
				r->eof = true;
				return false;
			}
		}
		return true;
	}
	text_reserve(r, CHUNK);
	for (;;) {
		ssize_t k = read(r->fd, r->text + r->len, r->cap - r->len - 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			fail_errno(r, "read");
			return false;
		}
		if (k == 0) {
			r->eof = true;
			return false;
		}
		r->len += (size_t)k;
		return true;
	}
}

/* The next line, NUL-terminated in place, without its newline; NULL at
 * the end or on error. *n is its length (a NUL inside shows as n > strlen). */
static char *reader_line(struct reader *r, size_t *n)
{
	for (;;) {
		char *s = r->text + r->pos;
		size_t avail = r->len - r->pos;
		char *nl = avail ? memchr(s, '\n', avail) : NULL;
		if (nl) {
			*nl = '\0';
			*n = (size_t)(nl - s);
			r->pos += *n + 1;
			r->lineno++;
			return s;
		}
		if (r->failed)
			return NULL;
		if (r->eof) {
			if (!avail)
				return NULL;
			s[avail] = '\0';   /* text_reserve kept a byte for it */
			*n = avail;
			r->pos = r->len;
			r->lineno++;
			return s;
		}
		if (r->pos) {
			memmove(r->text, s, avail);
			r->len = avail;
			r->pos = 0;
		}
		if (r->len > LINE_LIMIT) {
			fail(r, "line too long");
			return NULL;
		}
		fill(r);
	}
}

/* ---- deb822 fields */

/* The value of "Name: value" when the line is that field (names are
 * case-insensitive), trimmed and NUL-terminated in place; else NULL. */
static char *field(char *line, size_t n, const char *name, size_t namelen)
{
	if (n <= namelen || line[namelen] != ':' || strncasecmp(line, name, namelen))
		return NULL;
	char *v = line + namelen + 1, *e = line + n;
	while (v < e && c_blank(*v))
		v++;
	while (e > v && (c_blank(e[-1]) || e[-1] == '\r'))
		e--;
	*e = '\0';
	return v;
}
#define FIELD(line, n, name) field(line, n, name, sizeof name - 1)

static bool blank_line(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!c_blank(s[i]) && s[i] != '\r')
			return false;
	return true;
}

/* A field line: a name of printable characters, then ':'. */
static bool field_line(const char *s, size_t n)
{
	if (!n || s[0] == ':' || s[0] == '#' || s[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == ':')
			return true;
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 127)
			return false;
	}
	return false;
}

/* ---- the installed packages */

struct cand {
	char *version;
	int prio;
	bool security;
	size_t list;         /* a list holding it, for the origin shown */
};

struct pkg {
	char *name, *arch, *version;
	bool held;
	int inst_prio;       /* 100 for the status file, or a list's if higher */
	struct cand *c;
	size_t nc;
	size_t next;         /* next package of the same name (multi-arch), or SIZE_MAX */
};

struct aptlist {
	char *file;
	char *origin;        /* "Label:Suite" */
	int prio;
	bool security;
};

struct scan {
	struct pkg *p;
	size_t n, cap;
	size_t *table, tsize;   /* name hash -> first package, SIZE_MAX empty */
	const char *native;     /* dpkg's own architecture */
	struct aptlist *lists;
	size_t nlists;
	struct update *updates;
};

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603u;   /* FNV-1a */
	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211u;
	return h;
}

static void build_table(struct scan *st)
{
	st->tsize = 64;
	while (st->tsize < st->n * 2)
		st->tsize *= 2;
	st->table = xmalloc(st->tsize * sizeof *st->table);
	for (size_t i = 0; i < st->tsize; i++)
		st->table[i] = SIZE_MAX;
	for (size_t i = 0; i < st->n; i++) {
		size_t h = (size_t)hash(st->p[i].name) & (st->tsize - 1);
		for (;; h = (h + 1) & (st->tsize - 1)) {
			size_t j = st->table[h];
			if (j == SIZE_MAX) {
				st->table[h] = i;
				break;
			}
			if (!strcmp(st->p[j].name, st->p[i].name)) {
				while (st->p[j].next != SIZE_MAX)
					j = st->p[j].next;
				st->p[j].next = i;
				break;
			}
		}
	}
}

static size_t lookup(const struct scan *st, const char *name)
{
	for (size_t h = (size_t)hash(name) & (st->tsize - 1);; h = (h + 1) & (st->tsize - 1)) {
		size_t j = st->table[h];
		if (j == SIZE_MAX || !strcmp(st->p[j].name, name))
			return j;
	}
}

static const char *const dpkg_states[] = {
	"not-installed", "config-files", "half-installed", "unpacked", "half-configured",
	"triggers-awaited", "triggers-pending", "installed", NULL,
};

struct stanza {
	char *name, *status, *version, *arch;
};

static void stanza_clear(struct stanza *s)
{
	free(s->name);
	free(s->status);
	free(s->version);
	free(s->arch);
	memset(s, 0, sizeof *s);
}

static void keep(char **slot, const char *v)
{
	free(*slot);
	*slot = xstrdup(v);
}

/* One stanza of the status file; NULL or why it is corrupt. */
static const char *status_stanza(struct scan *st, struct stanza *s)
{
	if (!s->name)
		return "an entry without a Package field";
	if (!s->status)
		return "an entry without a Status field";
	char want[32], flag[32], state[32], extra;
	if (sscanf(s->status, "%31s %31s %31s %c", want, flag, state, &extra) != 3)
		return "a Status field that is not three words";
	int k = 0;
	while (dpkg_states[k] && strcmp(dpkg_states[k], state))
		k++;
	if (!dpkg_states[k])
		return "an unknown package state";
	if (k < 2)   /* not installed, or only its conffiles left */
		return NULL;
	if (!s->version)
		return "an installed package without a Version field";
	if (dpkg_version_check(s->version))
		return "an invalid Version";
	if (st->n == st->cap) {
		st->cap = st->cap ? st->cap * 2 : 1024;
		st->p = xrealloc(st->p, st->cap * sizeof *st->p);
	}
	st->p[st->n++] = (struct pkg){
		.name = s->name, .version = s->version,
		.arch = s->arch ? s->arch : xstrdup("all"),
		.held = !strcmp(want, "hold"), .inst_prio = 100, .next = SIZE_MAX,
	};
	s->name = s->version = s->arch = NULL;   /* now owned by the package */
	return NULL;
}

static int read_status(struct scan *st, const char *path, struct buf *err)
{
	struct reader r;
	struct stanza s = { 0 };
	const char *why = NULL;
	bool in = false;
	if (!reader_open(&r, path)) {
		buf_printf(err, "cannot read %.200s: %s", path, r.err);
		reader_close(&r);
		return -1;
	}
	char *line;
	size_t n;
	while (!why && (line = reader_line(&r, &n))) {
		char *v;
		if (strlen(line) != n)
			why = "a NUL byte";
		else if (blank_line(line, n)) {
			if (in)
				why = status_stanza(st, &s);
			stanza_clear(&s);
			in = false;
		} else if (c_blank(line[0])) {
			if (!in)
				why = "a continuation line outside an entry";
		} else if (!field_line(line, n)) {
			why = "a line that is not a field";
		} else {
			in = true;
			if ((v = FIELD(line, n, "Package")))
				keep(&s.name, v);
			else if ((v = FIELD(line, n, "Status")))
				keep(&s.status, v);
			else if ((v = FIELD(line, n, "Version")))
				keep(&s.version, v);
			else if ((v = FIELD(line, n, "Architecture")))
				keep(&s.arch, v);
		}
	}
	if (!why && r.failed)
		why = r.err;
	if (!why && in)
		why = status_stanza(st, &s);
	stanza_clear(&s);
	if (why)
		buf_printf(err, "%.200s line %zu: %s", path, r.lineno, why);
	else if (st->n == 0)   /* dpkg itself is always installed */
		buf_printf(err, "%.200s: no installed packages", path);
	reader_close(&r);
	return why || st->n == 0 ? -1 : 0;
}

/* ---- Release files: where a list comes from and apt's default priority */

static bool ends_with_ci(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && !strcasecmp(s + n - k, suffix);
}

/* Reads the Release or InRelease of a list into l; false when unreadable. */
static bool read_release(const char *path, struct aptlist *l)
{
	struct buf b = BUF_INIT;
	if (read_file_buf(AT_FDCWD, path, &b, 64 * 1024 * 1024, false) < 0) {
		buf_free(&b);
		return false;
	}
	char *origin = NULL, *label = NULL, *suite = NULL, *codename = NULL;
	bool notauto = false, butauto = false;
	char *p = b.s, *end = b.s + b.len;
	bool signed_msg = !strncmp(p, "-----BEGIN PGP SIGNED MESSAGE-----", 34), armor = signed_msg;
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *line = p;
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		p = nl ? nl + 1 : end;
		line[n] = '\0';
		if (armor) {   /* the armor headers ("Hash: SHA512") end at a blank line */
			if (blank_line(line, n))
				armor = false;
			continue;
		}
		if (signed_msg && !strncmp(line, "-----BEGIN PGP SIGNATURE", 24))
			break;
		if (signed_msg && !strncmp(line, "- ", 2)) {   /* dash-escaped */
			line += 2;
			n -= 2;
		}
		if (blank_line(line, n))
			break;   /* a Release has one stanza */
		char *v;
		if ((v = FIELD(line, n, "Origin")))
			origin = v;
		else if ((v = FIELD(line, n, "Label")))
			label = v;
		else if ((v = FIELD(line, n, "Suite")))
			suite = v;
		else if ((v = FIELD(line, n, "Codename")))
			codename = v;
		else if ((v = FIELD(line, n, "NotAutomatic")))
			notauto = !strcasecmp(v, "yes");
		else if ((v = FIELD(line, n, "ButAutomaticUpgrades")))
			butauto = !strcasecmp(v, "yes");
	}
	/* As unattended-upgrades' default origins: Debian's Label
	 * "Debian-Security", Ubuntu's and Devuan's "<codename>-security". */
	l->security = (origin && ends_with_ci(origin, "security")) || (label && ends_with_ci(label, "security"))
	              || (suite && ends_with_ci(suite, "-security"))
	              || (codename && ends_with_ci(codename, "-security"));
	/* apt's default pins: 500, NotAutomatic 1, with ButAutomaticUpgrades 100 */
	l->prio = notauto ? (butauto ? 100 : 1) : 500;
	struct buf o = BUF_INIT;
	const char *who = label ? label : origin, *which = suite ? suite : codename;
	buf_printf(&o, "%s%s%s", who ? who : "", who && which ? ":" : "", which ? which : "");
	l->origin = xstrdup(buf_cstr(&o));
	buf_free(&o);
	buf_free(&b);
	return true;
}

/* The Release of a list: apt names both after the URI with '/' -> '_', so
 * it is the longest prefix of the list's name (cut at a '_') that has an
 * InRelease or Release beside it; a per-component Release ("..._binary-
 * amd64_Release", from old apt) is not the archive's. */
static void find_release(int dirfd, const char *dir, const char *list, struct aptlist *l)
{
	size_t n = strlen(list);
	char *name = xmalloc(n + 16);
	l->prio = 500;
	for (size_t i = n; i-- > 0;) {
		if (list[i] != '_' || i + 1 >= n)
			continue;
		const char *cut = list + i;
		while (cut > list && cut[-1] != '_')
			cut--;
		if (!strncmp(cut, "binary-", 7))
			continue;
		for (int k = 0; k < 2; k++) {
			memcpy(name, list, i + 1);
			strcpy(name + i + 1, k == 0 ? "InRelease" : "Release");
			struct stat sb;
			if (fstatat(dirfd, name, &sb, 0) == 0 && S_ISREG(sb.st_mode)) {
				size_t dn = strlen(dir);
				char *path = xmalloc(dn + strlen(name) + 2);
				sprintf(path, "%s/%s", dir, name);
				bool ok = read_release(path, l);
				free(path);
				if (ok) {
					free(name);
					return;
				}
			}
		}
	}
	free(name);
}

/* ---- the lists */

static bool arch_match(const char *inst, const char *list, const char *native)
{
	if (!strcmp(inst, list))
		return true;
	bool ia = !strcmp(inst, "all"), la = !strcmp(list, "all");
	if (!native)
		return ia || la;
	/* "all" packages belong to the native architecture */
	return (la && !strcmp(inst, native)) || (ia && !strcmp(list, native));
}

static void offer(struct scan *st, size_t li, const char *name, const char *version, const char *arch)
{
	const struct aptlist *l = &st->lists[li];
	for (size_t j = lookup(st, name); j != SIZE_MAX; j = st->p[j].next) {
		struct pkg *p = &st->p[j];
		if (!arch_match(p->arch, arch, st->native))
			continue;
		int cmp = dpkg_version_compare(version, p->version);
		if (cmp < 0)
			continue;   /* apt never picks a downgrade without a pin >= 1000 */
		if (cmp == 0) {
			if (l->prio > p->inst_prio)
				p->inst_prio = l->prio;
			continue;
		}
		size_t k = 0;
		while (k < p->nc && dpkg_version_compare(p->c[k].version, version))
			k++;
		if (k == p->nc) {
			p->c = xrealloc(p->c, (p->nc + 1) * sizeof *p->c);
			p->c[p->nc++] = (struct cand){ xstrdup(version), l->prio, l->security, li };
		} else {
			struct cand *c = &p->c[k];
			if (l->prio > c->prio)
				c->prio = l->prio;
			if (l->security && !c->security) {
				c->security = true;
				c->list = li;
			}
		}
	}
}

struct entry {
	char name[256], version[256], arch[64];
	bool named, wanted;
};

static void entry_end(struct scan *st, size_t li, struct entry *e, size_t *bad_versions)
{
	if (e->wanted && *e->version && *e->arch) {
		if (dpkg_version_check(e->version))
			(*bad_versions)++;
		else
			offer(st, li, e->name, e->version, e->arch);
	}
	e->named = e->wanted = false;
	*e->name = *e->version = *e->arch = '\0';
}

static void copy_value(char *dst, size_t size, const char *v)
{
	size_t n = strlen(v);
	if (n >= size)
		n = 0;   /* longer than any real one: treated as missing */
	memcpy(dst, v, n);
	dst[n] = '\0';
}

/* One Packages file; false with the reason in why. */
static bool read_list(struct scan *st, size_t li, const char *path, size_t *bad_versions, struct buf *why)
{
	struct reader r;
	struct entry e = { .named = false };
	bool in = false, bad = false;
	char *line;
	size_t n;
	if (!reader_open(&r, path)) {
		buf_puts(why, r.err);
		reader_close(&r);
		return false;
	}
	while (!bad && (line = reader_line(&r, &n))) {
		char *v;
		if (blank_line(line, n)) {
			entry_end(st, li, &e, bad_versions);
			in = false;
		} else if (c_blank(line[0])) {
			bad = !in;
		} else if (strlen(line) != n || !field_line(line, n)) {
			bad = true;
		} else {
			in = true;
			if (e.named && !e.wanted)
				continue;   /* most entries: a package not installed here */
			if ((v = FIELD(line, n, "Package"))) {
				e.named = true;
				e.wanted = strlen(v) < sizeof e.name && lookup(st, v) != SIZE_MAX;
				copy_value(e.name, sizeof e.name, v);
			} else if ((v = FIELD(line, n, "Version"))) {
				copy_value(e.version, sizeof e.version, v);
			} else if ((v = FIELD(line, n, "Architecture"))) {
				copy_value(e.arch, sizeof e.arch, v);
			}
		}
	}
	if (bad) {
		buf_printf(why, "line %zu is not part of a Packages entry", r.lineno);
		reader_close(&r);
		return false;
	}
	if (!r.failed)
		entry_end(st, li, &e, bad_versions);
	if (!reader_close(&r)) {
		buf_puts(why, r.err);
		return false;
	}
	return true;
}

static bool packages_file(const char *name)
{
	const char *z = compression(name);
	size_t n = strlen(name) - strlen(z);
	return n > 9 && !memcmp(name + n - 9, "_Packages", 9);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int read_lists(struct scan *st, const char *dir, struct apt_updates *out, struct buf *err)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
	if (!d) {
		buf_printf(err, "cannot read %.200s: %s", dir, strerror(errno));
		if (dfd >= 0)
			close(dfd);
		return -1;
	}
	char **names = NULL;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		struct stat sb;
		if (!packages_file(e->d_name) || fstatat(dfd, e->d_name, &sb, 0) < 0 || !S_ISREG(sb.st_mode))
			continue;
		names = xrealloc(names, (n + 1) * sizeof *names);
		names[n++] = xstrdup(e->d_name);
	}
	if (n)
		qsort(names, n, sizeof *names, by_name);   /* readdir order is arbitrary */
	st->lists = xcalloc(n, sizeof *st->lists);
	st->nlists = n;
	for (size_t i = 0; i < n; i++) {
		struct aptlist *l = &st->lists[i];
		l->file = names[i];
		find_release(dfd, dir, names[i], l);
		if (!l->origin)
			l->origin = xstrdup("");
		char *path = xmalloc(strlen(dir) + strlen(names[i]) + 2);
		sprintf(path, "%s/%s", dir, names[i]);
		struct buf why = BUF_INIT;
		if (read_list(st, i, path, &out->bad_versions, &why)) {
			out->lists++;
		} else {
			out->bad_lists++;
			buf_printf(&out->problems, "%scannot read list %s: %s", out->problems.len ? "\n" : "",
			           names[i], buf_cstr(&why));
		}
		buf_free(&why);
		free(path);
	}
	free(names);
	closedir(d);
	return 0;
}

/* ---- the result */

static int update_order(const void *a_, const void *b_)
{
	const struct update *a = a_, *b = b_;
	if (a->security != b->security)
		return a->security ? -1 : 1;
	int c = strcmp(a->name, b->name);
	if (c)
		return c;
	return strcmp(a->arch ? a->arch : "", b->arch ? b->arch : "");
}

static void judge(struct scan *st, struct apt_updates *out)
{
	st->updates = xcalloc(st->n, sizeof *st->updates);
	for (size_t i = 0; i < st->n; i++) {
		const struct pkg *p = &st->p[i];
		/* apt's candidate: the highest priority; among equals the highest
		 * version; the installed version counts with its own priority. */
		const struct cand *best = NULL;
		int best_prio = p->inst_prio;
		for (size_t k = 0; k < p->nc; k++) {
			const struct cand *c = &p->c[k];
			if (c->prio > best_prio || (c->prio == best_prio &&
			                            (!best || dpkg_version_compare(c->version, best->version) > 0))) {
				best = c;
				best_prio = c->prio;
			}
		}
		if (!best)
			continue;
		bool foreign = strcmp(p->arch, "all") && st->native && strcmp(p->arch, st->native);
		st->updates[out->n++] = (struct update){
			.name = p->name, .arch = foreign ? p->arch : NULL,
			.installed = p->version, .candidate = best->version,
			.origin = st->lists[best->list].origin,
			.security = best->security, .held = p->held,
		};
		if (p->held) {
			out->held++;
		} else {
			out->upgrades++;
			out->security += best->security;
		}
	}
	qsort(st->updates, out->n, sizeof *st->updates, update_order);
	out->list = st->updates;
}

int apt_updates_read(const char *status, const char *lists_dir, struct apt_updates *out, struct buf *err)
{
	memset(out, 0, sizeof *out);
	struct scan *st = xcalloc(1, sizeof *st);
	out->priv = st;
	if (read_status(st, status, err) < 0)
		return -1;
	out->installed = st->n;
	build_table(st);
	for (size_t j = lookup(st, "dpkg"); j != SIZE_MAX; j = st->p[j].next)
		if (strcmp(st->p[j].arch, "all"))
			st->native = st->p[j].arch;
	if (read_lists(st, lists_dir, out, err) < 0)
		return -1;
	judge(st, out);
	return 0;
}

void apt_updates_free(struct apt_updates *u)
{
	struct scan *st = u->priv;
	if (st) {
		for (size_t i = 0; i < st->n; i++) {
			struct pkg *p = &st->p[i];
			for (size_t k = 0; k < p->nc; k++)
				free(p->c[k].version);
			free(p->c);
			free(p->name);
			free(p->arch);
			free(p->version);
		}
		for (size_t i = 0; i < st->nlists; i++) {
			free(st->lists[i].file);
			free(st->lists[i].origin);
		}
		free(st->lists);
		free(st->p);
		free(st->table);
		free(st->updates);
		free(st);
	}
	buf_free(&u->problems);
	memset(u, 0, sizeof *u);
}

/* ---- apt-get update */

/* The line of apt-get's stderr that says most: its first error, else its
 * first warning, else its first line. */
static void first_complaint(const char *text, struct buf *why)
{
	static const char *const kinds[] = { "E: ", "W: ", "", NULL };
	for (int k = 0; kinds[k]; k++) {
		for (const char *p = text; *p;) {
			const char *nl = strchr(p, '\n');
			size_t n = nl ? (size_t)(nl - p) : strlen(p);
			if (n && !strncmp(p, kinds[k], strlen(kinds[k]))) {
				buf_printf(why, ": %.*s", (int)(n < 300 ? n : 300), p);
				return;
			}
			p += n + (nl != NULL);
		}
	}
}

int apt_refresh(const char *status, const char *lists_dir, double seconds, struct buf *why)
{
	char *lists_opt = NULL, *status_opt = NULL;
	char *argv[10];
	int a = 0;
	argv[a++] = (char *)"/usr/bin/apt-get";
	argv[a++] = (char *)"update";
	argv[a++] = (char *)"-qq";
	if (lists_dir) {
		lists_opt = xmalloc(strlen(lists_dir) + 32);
		sprintf(lists_opt, "Dir::State::Lists=%s", lists_dir);
		argv[a++] = (char *)"-o";
		argv[a++] = lists_opt;
	}
	if (status) {
		status_opt = xmalloc(strlen(status) + 32);
		sprintf(status_opt, "Dir::State::status=%s", status);
		argv[a++] = (char *)"-o";
		argv[a++] = status_opt;
	}
	argv[a] = NULL;

	int fd, st = -1;
	bool reaped = false;
	double t0 = monotonic_now(), end = t0 + seconds;
	pid_t pid = spawn_piped(argv, STDERR_FILENO, -1, &fd);
	free(lists_opt);
	free(status_opt);
	if (pid < 0) {
		buf_printf(why, "cannot start apt-get: %s", strerror(errno));
		return -1;
	}
	struct buf err = BUF_INIT;
	bool killed = false, exited = false;
	while (!exited) {
		double left = end - monotonic_now();
		if (left <= 0) {
			/* TERM first so it can release its lock; KILL what remains */
			kill(-pid, SIGTERM);
			for (int i = 0; i < 20 && !reaped; i++) {
				reaped = waitpid(pid, &st, WNOHANG) == pid;
				if (!reaped)
					poll(NULL, 0, 10);
			}
			kill(-pid, SIGKILL);
			killed = true;
			break;
		}
		int ms = left > 0.05 ? 50 : (int)(left * 1000) + 1;
		if (fd >= 0) {
			struct pollfd p = { fd, POLLIN, 0 };
			if (poll(&p, 1, ms) > 0) {
				char chunk[4096];
				ssize_t k = read(fd, chunk, sizeof chunk);
				if (k > 0 && err.len < 65536)
					buf_add(&err, chunk, (size_t)k);
				else if (k == 0 || (k < 0 && errno != EINTR && errno != EAGAIN)) {
					close(fd);
					fd = -1;
				}
			}
		} else {
			poll(NULL, 0, ms);
		}
		pid_t w = waitpid(pid, &st, WNOHANG);
		exited = w == pid;
	}
	if (fd >= 0)
		close(fd);
	if (killed && !reaped)
		st = spawn_reap(pid);
	timeout_kill_on_alarm(0);
	int rc = 0;
	if (killed) {
		buf_printf(why, "apt-get update did not finish within %.1f s and was stopped", seconds);
		rc = -1;
	} else if (st == -1 || (WIFEXITED(st) && WEXITSTATUS(st) == 127)) {
		buf_printf(why, "cannot run %s", argv[0]);
		rc = -1;
	} else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		if (WIFEXITED(st))
			buf_printf(why, "apt-get update failed (exit %d)", WEXITSTATUS(st));
		else
			buf_printf(why, "apt-get update killed by signal %d", WTERMSIG(st));
		first_complaint(buf_cstr(&err), why);
		rc = -1;
	}
	buf_free(&err);
	return rc;
}
