#include "mounts.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "buf.h"
#include "proc.h"

/* ---- parsing ------------------------------------------------------------ */

/* The kernel escapes space, tab, newline and backslash as \ooo. Anything
 * else after a backslash, or an escape that would give NUL, stays literal. */
static void unescape(char *s)
{
	char *w = s;
	for (const char *r = s; *r; ) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			int v = (r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0');
			if (v != 0) {
				*w++ = (char)v;
				r += 4;
				continue;
			}
		}
		*w++ = *r++;
	}
	*w = '\0';
}

/* Next blank-separated field of the line [*cur, end), NUL-terminated in
 * place; NULL when the line has no more. */
static char *field(char **cur, char *end)
{
	char *p = *cur;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p >= end)
		return *cur = end, NULL;
	char *start = p;
	while (p < end && *p != ' ' && *p != '\t')
		p++;
	if (p < end)
		*p++ = '\0';
	*cur = p;
	return start;
}

static bool parse_ul(const char *s, const char *stop, unsigned long *out)
{
	unsigned long v = 0;
	const char *p = s;
	for (; *p && p != stop; p++) {
		unsigned long d = (unsigned long)(*p - '0');
		if (*p < '0' || *p > '9' || v > ((unsigned long)-1 - d) / 10)
			return false;
		v = v * 10 + d;
	}
	if (p == s)
		return false;
	*out = v;
	return true;
}

/* One line "36 35 98:0 /root /mnt opts [optional...] - type source superopts".
 * line[len] must be a writable byte (it becomes the terminator). */
static bool parse_line(char *line, char *end, struct mount *m)
{
	char *cur = line;
	char *f[5];
	*end = '\0';
	/* the kernel never writes a NUL: one would cut a field short or leave
	 * it empty, and every later field would shift (found by fuzz_mountinfo) */
	if (memchr(line, '\0', (size_t)(end - line)))
		return false;
	for (int i = 0; i < 5; i++)
		if (!(f[i] = field(&cur, end)))
			return false;
	char *colon = strchr(f[2], ':');
	unsigned long maj, min;
	if (!parse_ul(f[0], NULL, &m->id) || !parse_ul(f[1], NULL, &m->parent) || !colon ||
	    !parse_ul(f[2], colon, &maj) || !parse_ul(colon + 1, NULL, &min) ||
	    maj > 0xfffffffful || min > 0xfffffffful)
		return false;
	/* Mount options, then optional tagged fields up to the lone "-". */
	char *t;
	while ((t = field(&cur, end)) && strcmp(t, "-") != 0)
		;
	if (!t || !(t = field(&cur, end)))
		return false;
	char *src = field(&cur, end);
	m->major = (unsigned)maj;
	m->minor = (unsigned)min;
	unescape(f[3]);
	unescape(f[4]);
	unescape(t);
	if (src)
		unescape(src);
	m->root = f[3];
	m->dir = f[4];
	m->dirlen = strlen(f[4]);
	m->type = t;
	m->source = src ? src : "none";
	m->shadowed = false;
	return m->dir[0] == '/';
}

/* text has len bytes and room for one more; the list takes it over. */
static void parse_owned(char *text, size_t len, struct mount_list *out)
{
	memset(out, 0, sizeof *out);
	out->text = text;
	text[len] = '\0';
	char *p = text, *end = text + len;
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *eol = nl ? nl : end;
		if (eol > p) {
			if (out->n == out->cap) {
				out->cap = out->cap ? out->cap * 2 : 32;
				out->v = xrealloc(out->v, out->cap * sizeof *out->v);
			}
			if (parse_line(p, eol, &out->v[out->n]))
				out->n++;
			else
				out->bad++;
		}
		p = eol + 1;
	}
}

void mounts_parse(const char *text, size_t len, struct mount_list *out)
{
	char *copy = xmalloc(len + 1);
	memcpy(copy, text, len);
	parse_owned(copy, len, out);
}

enum { MOUNTINFO_MAX = 64 << 20 };

int mounts_load(const char *path, struct mount_list *out)
{
	struct buf text = BUF_INIT;
	/* far above any real table (100,000 mounts); /dev/zero is not one */
	if (read_file_buf(AT_FDCWD, path, &text, MOUNTINFO_MAX, false) < 0) {
		buf_free(&text);
		return -1;
	}
	parse_owned(text.s, text.len, out);
	return 0;
}

void mounts_free(struct mount_list *l)
{
	free(l->v);
	free(l->text);
	memset(l, 0, sizeof *l);
}

/* ---- visibility --------------------------------------------------------- */

static int cmp_dir(const void *a, const void *b)
{
	const struct mount *x = *(const struct mount *const *)a, *y = *(const struct mount *const *)b;
	int c = strcmp(x->dir, y->dir);
	return c ? c : (x < y ? -1 : x > y);
}

static int cmp_id(const void *a, const void *b)
{
	const struct mount *x = *(const struct mount *const *)a, *y = *(const struct mount *const *)b;
	return x->id < y->id ? -1 : x->id > y->id;
}

static const struct mount *by_id(const struct mount *const *ids, size_t n, unsigned long id)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ids[mid]->id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && ids[lo]->id == id ? ids[lo] : NULL;
}

/* Is anc on the parent chain of m? Bounded: a broken table may loop. */
static bool is_ancestor(const struct mount *const *ids, size_t n, const struct mount *m,
                        const struct mount *anc)
{
	for (size_t step = 0; step < n && m; step++) {
		if (m->parent == m->id)
			return false;
		m = by_id(ids, n, m->parent);
		if (m == anc)
			return true;
	}
	return false;
}

/* First index in dirs[] whose dir equals s[0..len). */
static size_t first_dir(const struct mount *const *dirs, size_t n, const char *s, size_t len)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *d = dirs[mid]->dir;
		int c = strncmp(d, s, len);
		if (c == 0 && d[len] != '\0')
			c = 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool covered_at(const struct mount *const *dirs, const struct mount *const *ids, size_t n,
                       const struct mount *m, const char *dir, size_t len)
{
	for (size_t i = first_dir(dirs, n, dir, len); i < n; i++) {
		const struct mount *o = dirs[i];
		if (o->dirlen != len || memcmp(o->dir, dir, len) != 0)
			break;
		if (o == m || is_ancestor(ids, n, m, o))
			continue;
		/* Stacked on top of m, or mounted after it on the same or a parent directory. */
		if (is_ancestor(ids, n, o, m) || o > m)
			return true;
	}
	return false;
}

void mounts_mark_shadowed(struct mount_list *l)
{
	size_t n = l->n;
	if (n < 2)
		return;
	const struct mount **dirs = xmalloc(2 * n * sizeof *dirs);
	const struct mount **ids = dirs + n;
	for (size_t i = 0; i < n; i++)
		dirs[i] = ids[i] = &l->v[i];
	qsort(dirs, n, sizeof *dirs, cmp_dir);
	qsort(ids, n, sizeof *ids, cmp_id);
	for (size_t i = 0; i < n; i++) {
		struct mount *m = &l->v[i];
		bool hidden = covered_at(dirs, ids, n, m, m->dir, m->dirlen);
		/* Every parent directory: "/a/b/c" -> "/", "/a", "/a/b". */
		for (size_t k = 0; !hidden && k < m->dirlen; k++)
			if (m->dir[k] == '/' && k + 1 < m->dirlen)
				hidden = covered_at(dirs, ids, n, m, m->dir, k ? k : 1);
		m->shadowed = hidden;
	}
	free(dirs);
}

bool mount_preferred(const struct mount *a, const struct mount *b)
{
	bool ra = strcmp(a->root, "/") == 0, rb = strcmp(b->root, "/") == 0;
	if (ra != rb)
		return ra;
	return a->dirlen < b->dirlen;
}

static bool path_under(const char *path, const char *dir, size_t len)
{
	if (len == 1 && dir[0] == '/')
		return path[0] == '/';
	return strncmp(path, dir, len) == 0 && (path[len] == '\0' || path[len] == '/');
}

long mounts_find(const struct mount_list *l, const char *path, bool exact)
{
	long best = -1;
	for (size_t i = l->n; i-- > 0; )
		if (!l->v[i].shadowed && strcmp(l->v[i].dir, path) == 0)
			return (long)i;
	for (size_t i = 0; i < l->n; i++)
		if (!l->v[i].shadowed && strcmp(l->v[i].source, path) == 0 &&
		    (best < 0 || mount_preferred(&l->v[i], &l->v[best])))
			best = (long)i;
	if (best >= 0 || exact) {
		errno = ENOENT;
		return best;
	}

	struct stat st;
	if (stat(path, &st) < 0)
		return -1;
	if (S_ISBLK(st.st_mode)) {
		for (size_t i = 0; i < l->n; i++)
			if (!l->v[i].shadowed && l->v[i].major == major(st.st_rdev) &&
			    l->v[i].minor == minor(st.st_rdev) &&
			    (best < 0 || mount_preferred(&l->v[i], &l->v[best])))
				best = (long)i;
		errno = ENODEV;
		return best;
	}
	char *real = realpath(path, NULL);
	if (!real)
		return -1;
	size_t bestlen = 0;
	for (size_t i = 0; i < l->n; i++) {
		const struct mount *m = &l->v[i];
		if (!m->shadowed && m->dirlen >= bestlen && path_under(real, m->dir, m->dirlen)) {
			best = (long)i;
			bestlen = m->dirlen;
		}
	}
	free(real);
	errno = ENOENT;
	return best;
}

/* ---- classification ----------------------------------------------------- */

static bool in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

bool fs_type_is_pseudo(const char *type)
{
	static const char *const pseudo[] = {
		"proc", "sysfs", "devpts", "cgroup", "cgroup2", "debugfs", "tracefs", "securityfs",
		"pstore", "bpf", "configfs", "fusectl", "mqueue", "hugetlbfs", "binfmt_misc",
		"autofs", "rpc_pipefs", "nsfs", "efivarfs", "selinuxfs", "devtmpfs", "rootfs",
		"nfsd", "ramfs",
		/* read-only images: always 100% full, an alert would never clear */
		"squashfs", "iso9660", "erofs", "cramfs", "romfs",
		NULL,
	};
	return in_list(type, pseudo);
}

bool mount_is_remote(const struct mount *m)
{
	static const char *const remote[] = {
		"nfs", "nfs4", "cifs", "smb3", "smbfs", "sshfs", "fuse.sshfs", "glusterfs",
		"fuse.glusterfs", "ceph", "fuse.ceph", "fuse.cephfs", "afs", "ncpfs", "coda",
		"9p", "lustre", "gpfs", "davfs", "fuse.davfs", "fuse.s3fs", "fuse.rclone",
		"fuse.gcsfuse", "beegfs", "orangefs", "ocfs2", "gfs2", "vboxsf", "virtiofs",
		NULL,
	};
	if (in_list(m->type, remote))
		return true;
	/* As df: "host:/export", "//host/share", "-hosts" are network sources. */
	return (strchr(m->source, ':') != NULL && m->source[0] != '/') ||
	       (m->source[0] == '/' && m->source[1] == '/') || strcmp(m->source, "-hosts") == 0;
}

/* ---- usage -------------------------------------------------------------- */

int fs_usage_read(const char *dir, bool root_free, struct fs_usage *u)
{
	struct statvfs s;
	if (statvfs(dir, &s) < 0)
		return -1;
	unsigned long long bs = s.f_frsize ? s.f_frsize : s.f_bsize;
	unsigned long long blocks = s.f_blocks;
	unsigned long long bfree = s.f_bfree > blocks ? blocks : s.f_bfree;
	/* A bavail above bfree is a negative number in disguise (df's reading). */
	unsigned long long bavail = s.f_bavail > bfree ? 0 : s.f_bavail;
	unsigned long long files = s.f_files;
	unsigned long long ffree = s.f_ffree > files ? files : s.f_ffree;
	unsigned long long favail = s.f_favail > ffree ? ffree : s.f_favail;

	u->total = blocks * bs;
	u->used = (blocks - bfree) * bs;
	u->avail = (root_free ? bfree : bavail) * bs;
	u->files = files;
	u->iused = files - ffree;
	u->iavail = root_free ? ffree : favail;
	return 0;
}

/* ceil(part * 100 / whole) in integers where they fit, as df and
 * monitoring-plugins round Use%: a filesystem is only 0% used when empty. */
static double used_percent(unsigned long long part, unsigned long long whole)
{
	if (part <= (unsigned long long)-1 / 100) {
		unsigned long long p100 = part * 100;
		return (double)(p100 / whole + (p100 % whole != 0));
	}
	double p = (double)part * 100 / (double)whole;
	double t = (double)(unsigned long long)p;
	return t < p ? t + 1 : t;
}

double fs_free_percent(const struct fs_usage *u)
{
	unsigned long long base = u->used + u->avail;
	if (base == 0)
		return u->total ? 0 : 100;  /* all reserved for root / nothing at all */
	return 100 - used_percent(u->used, base);
}

double fs_inode_free_percent(const struct fs_usage *u)
{
	if (u->files == 0)
		return -1;
	unsigned long long base = u->iused + u->iavail;
	if (base == 0)
		return 0;
	return 100 - used_percent(u->iused, base);
}
