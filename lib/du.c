#include "du.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "timeout.h"

enum {
	/* Directory levels whose descriptor stays open while a child is
	 * walked; deeper ones are closed and reopened through "..", so a deep
	 * tree cannot exhaust the descriptor limit. */
	KEEP_OPEN = 48,
};

#define ROOT_BUCKET ((size_t)-1)

/* ---- inodes with several links, counted once ------------------------ */

struct inoset {
	uint64_t *v;        /* open addressing; 0 marks a free slot */
	size_t cap, n;
	bool zero;          /* inode number 0, which the table cannot hold */
};

static size_t ino_hash(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return (size_t)x;
}

static void inoset_put(uint64_t *v, size_t cap, uint64_t ino)
{
	size_t i = ino_hash(ino) & (cap - 1);
	while (v[i] && v[i] != ino)
		i = (i + 1) & (cap - 1);
	v[i] = ino;
}

/* true when ino is new (and now recorded) */
static bool inoset_add(struct inoset *s, uint64_t ino)
{
	if (ino == 0) {
		bool seen = s->zero;
		s->zero = true;
		return !seen;
	}
	if ((s->n + 1) * 2 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		uint64_t *v = xcalloc(cap, sizeof *v);
		for (size_t i = 0; i < s->cap; i++)
			if (s->v[i])
				inoset_put(v, cap, s->v[i]);
		free(s->v);
		s->v = v;
		s->cap = cap;
	}
	size_t i = ino_hash(ino) & (s->cap - 1);
	for (; s->v[i]; i = (i + 1) & (s->cap - 1))
		if (s->v[i] == ino)
			return false;
	s->v[i] = ino;
	s->n++;
	return true;
}

/* ---- the walk -------------------------------------------------------- */

struct frame {
	int fd;                  /* -1 while closed to spare descriptors */
	dev_t dev;
	ino_t ino;               /* to recognise the directory when reopened */
	bool scanned;            /* every entry looked at */
	unsigned long long seen; /* readdir entries consumed so far, to resume a scan */
	struct buf subdirs;      /* names of the subdirectories, NUL-separated */
	size_t pos, cur;         /* the next name to walk; the one being walked */
};

/* Where the walk of one directory under the root stands. */
struct stack {
	struct frame *fr;
	size_t depth, cap;
	bool started, done;
};

struct walk {
	dev_t dev;
	double deadline;         /* of the current turn */
	bool cut;                /* the deadline came */
	size_t bucket;           /* index in dirs[] counts go to; ROOT_BUCKET while listing the root */
	struct inoset links;
	struct du_result *out;
	size_t dcap;
};

static void note_error(struct walk *w, int err)
{
	if (w->out->errors++ == 0)
		w->out->first_error = err;
}

static void add_dir(struct walk *w, const char *name, unsigned long long bytes)
{
	struct du_result *o = w->out;
	if (o->ndirs == w->dcap) {
		w->dcap = w->dcap ? w->dcap * 2 : 16;
		o->dirs = xrealloc(o->dirs, w->dcap * sizeof *o->dirs);
	}
	o->dirs[o->ndirs++] = (struct du_dir){ .name = xstrdup(name), .bytes = bytes, .inodes = 1 };
}

/* Looked at before every entry: one fstatat on a cold disk can take
 * milliseconds, and reading the clock costs nothing next to it (vDSO). */
static bool out_of_time(struct walk *w)
{
	if (!w->cut && monotonic_now() >= w->deadline)
		w->cut = true;
	return w->cut;
}

static void count(struct walk *w, const char *name, const struct stat *st, struct frame *f)
{
	unsigned long long bytes = (unsigned long long)st->st_blocks * 512;
	bool dir = S_ISDIR(st->st_mode);
	w->out->bytes += bytes;
	if (w->bucket == ROOT_BUCKET) {
		if (dir)
			add_dir(w, name, bytes);
		return;
	}
	w->out->dirs[w->bucket].bytes += bytes;
	w->out->dirs[w->bucket].inodes++;
	if (dir)
		buf_add(&f->subdirs, name, strlen(name) + 1);
}

/* Looks at the entries of the directory open at f->fd, from where an
 * earlier turn stopped: counts each one and notes the subdirectories to
 * walk (at the root: adds them to dirs[]). Stops when the deadline comes. */
static void scan(struct walk *w, struct frame *f)
{
	/* readdir on a duplicate, so the frame keeps a plain descriptor for
	 * openat without holding a DIR buffer per level. */
	int dfd = fcntl(f->fd, F_DUPFD_CLOEXEC, 0);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (!d) {
		note_error(w, errno);
		if (dfd >= 0)
			close(dfd);
		f->scanned = true;
		return;
	}
	/* A scan resumed on a reopened directory skips what it has seen; if
	 * the directory changed meanwhile a few entries may count twice or
	 * not at all, as with any walk of a live filesystem. */
	unsigned long long skip = f->seen;
	struct dirent *de;
	while ((errno = 0, de = readdir(d))) {
		if (skip) {
			skip--;
			continue;
		}
		const char *name = de->d_name;
		if (!(name[0] == '.' && (!name[1] || (name[1] == '.' && !name[2]))) && out_of_time(w))
			break;
		f->seen++;
		if (name[0] == '.' && (!name[1] || (name[1] == '.' && !name[2])))
			continue;
		struct stat st;
		if (fstatat(f->fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT)   /* removed since readdir: nothing to count */
				note_error(w, errno);
			continue;
		}
		w->out->files++;
		/* As du -x: a mount point, or a file bound over another, is not ours. */
		if (st.st_dev != w->dev)
			continue;
		if (!S_ISDIR(st.st_mode) && st.st_nlink > 1 && !inoset_add(&w->links, (uint64_t)st.st_ino))
			continue;
		count(w, name, &st, f);
	}
	if (!de) {
		if (errno)
			note_error(w, errno);
		f->scanned = true;
	}
	closedir(d);
}

/* Opens NAME under the directory at fd; -1 unless it is still a directory
 * of our filesystem (and, with ino, the same one). */
static int open_dir(struct walk *w, int fd, const char *name, const ino_t *ino, struct stat *st)
{
	int cfd = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (cfd < 0) {
		if (errno != ENOENT)
			note_error(w, errno);
		return -1;
	}
	/* Replaced by a mount point since the scan: still not ours. */
	if (fstat(cfd, st) < 0 || st->st_dev != w->dev || (ino && st->st_ino != *ino)) {
		if (ino)
			note_error(w, ESTALE);
		close(cfd);
		return -1;
	}
	return cfd;
}

static void push(struct stack *s, int fd, const struct stat *st)
{
	if (s->depth == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->fr = xrealloc(s->fr, s->cap * sizeof *s->fr);
	}
	s->fr[s->depth++] = (struct frame){ .fd = fd, .dev = st->st_dev, .ino = st->st_ino, .subdirs = BUF_INIT };
	/* Deep below, the parent is closed and reopened through "..". */
	if (s->depth > KEEP_OPEN) {
		close(s->fr[s->depth - 2].fd);
		s->fr[s->depth - 2].fd = -1;
	}
}

/* Leaves the top frame; reopens its parent through ".." when that one was
 * closed, and gives up on the parent when it is no longer the same
 * directory (moved while we were below it). */
static void pop(struct walk *w, struct stack *s)
{
	struct frame *top = &s->fr[s->depth - 1];
	struct frame *parent = s->depth >= 2 ? &s->fr[s->depth - 2] : NULL;
	if (parent && parent->fd < 0) {
		struct stat st;
		int fd = top->fd < 0 ? -1 :   /* given up on already: the error is counted */
		         openat(top->fd, "..", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
		if (fd >= 0 && fstat(fd, &st) == 0 && st.st_dev == parent->dev && st.st_ino == parent->ino) {
			parent->fd = fd;
		} else {
			if (top->fd >= 0)
				note_error(w, fd < 0 ? errno : ESTALE);
			if (fd >= 0)
				close(fd);
			parent->pos = parent->subdirs.len;
			parent->fd = -1;
		}
	}
	if (top->fd >= 0)
		close(top->fd);
	buf_free(&top->subdirs);
	s->depth--;
}

/* A suspended walk closed its descriptors: open them again from the root
 * by the names it went down, each checked to be the same directory. */
static bool resume(struct walk *w, int rootfd, const char *name, struct stack *s)
{
	for (size_t i = 0; i < s->depth; i++) {
		struct frame *f = &s->fr[i];
		struct stat st;
		int pfd = i ? s->fr[i - 1].fd : rootfd;
		const char *n = i ? s->fr[i - 1].subdirs.s + s->fr[i - 1].cur : name;
		if (pfd < 0 || (f->fd = open_dir(w, pfd, n, &f->ino, &st)) < 0)
			return false;
		if (i + 1 > KEEP_OPEN) {   /* as push() leaves them */
			close(s->fr[i - 1].fd);
			s->fr[i - 1].fd = -1;
		}
	}
	return true;
}

static void stack_close(struct stack *s)
{
	for (size_t i = 0; i < s->depth; i++)
		if (s->fr[i].fd >= 0) {
			close(s->fr[i].fd);
			s->fr[i].fd = -1;
		}
}

static void stack_free(struct stack *s)
{
	stack_close(s);
	for (size_t i = 0; i < s->depth; i++)
		buf_free(&s->fr[i].subdirs);
	free(s->fr);
	memset(s, 0, sizeof *s);
}

/* One turn, depth first, in the directory dirs[b] under the root, until it
 * is done or the turn's deadline comes; then its descriptors are closed
 * until the next turn. */
static void walk_bucket(struct walk *w, int rootfd, size_t b, struct stack *s)
{
	struct stat st;
	w->bucket = b;
	if (!s->started) {
		s->started = true;
		int fd = open_dir(w, rootfd, w->out->dirs[b].name, NULL, &st);
		if (fd < 0) {
			s->done = true;
			return;
		}
		push(s, fd, &st);
	} else if (!resume(w, rootfd, w->out->dirs[b].name, s)) {
		stack_free(s);
		s->done = true;
		return;
	}
	while (s->depth > 0 && !w->cut) {
		struct frame *top = &s->fr[s->depth - 1];
		if (!top->scanned) {
			scan(w, top);
			continue;
		}
		if (top->pos >= top->subdirs.len) {
			pop(w, s);
			continue;
		}
		const char *name = top->subdirs.s + top->pos;
		top->cur = top->pos;
		top->pos += strlen(name) + 1;
		int fd = open_dir(w, top->fd, name, NULL, &st);
		if (fd >= 0)
			push(s, fd, &st);
	}
	stack_close(s);
	if (s->depth == 0) {
		stack_free(s);
		s->done = true;
	}
}

int du_walk(const char *root, double deadline, struct du_result *out)
{
	memset(out, 0, sizeof *out);
	double start = monotonic_now();
	struct stat st;
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	struct walk w = { .dev = st.st_dev, .deadline = deadline, .bucket = ROOT_BUCKET, .out = out };
	struct frame rootf = { .fd = fd, .subdirs = BUF_INIT };
	out->bytes = (unsigned long long)st.st_blocks * 512;
	scan(&w, &rootf);
	out->partial = w.cut;

	/* Turns: each directory not done gets an equal share of the time left
	 * when its turn comes, so one tree of small files cannot use up the
	 * time and hide a big file in the next; what one leaves goes to the
	 * others, and what is not done after a round gets another turn. */
	struct stack *stacks = xcalloc(out->ndirs + 1, sizeof *stacks);
	size_t pending = out->ndirs;
	while (pending && !out->partial) {
		size_t turns = pending;
		for (size_t b = 0; b < out->ndirs && !out->partial; b++) {
			if (stacks[b].done)
				continue;
			double now = monotonic_now();
			if (now >= deadline) {
				out->partial = true;
				break;
			}
			w.deadline = now + (deadline - now) / (double)turns--;
			w.cut = false;
			walk_bucket(&w, fd, b, &stacks[b]);
			pending -= stacks[b].done;
		}
	}
	for (size_t b = 0; b < out->ndirs; b++) {
		out->dirs[b].partial = !stacks[b].done;
		stack_free(&stacks[b]);
	}
	free(stacks);
	close(fd);
	free(w.links.v);
	out->seconds = monotonic_now() - start;
	return 0;
}

static int by_bytes(const void *a, const void *b)
{
	const struct du_dir *x = a, *y = b;
	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int by_inodes(const void *a, const void *b)
{
	const struct du_dir *x = a, *y = b;
	if (x->inodes != y->inodes)
		return x->inodes > y->inodes ? -1 : 1;
	return by_bytes(a, b);
}

void du_sort(struct du_result *r, bool inodes)
{
	if (r->ndirs > 1)
		qsort(r->dirs, r->ndirs, sizeof *r->dirs, inodes ? by_inodes : by_bytes);
}

void du_result_free(struct du_result *r)
{
	for (size_t i = 0; i < r->ndirs; i++)
		free(r->dirs[i].name);
	free(r->dirs);
	memset(r, 0, sizeof *r);
}
