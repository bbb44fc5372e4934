/* Postfix's queue, read directly: see mailq.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mailq.h"
#include "spawn.h"
#include "proc.h"
#include "timeout.h"

const char *const mq_queue_name[MQ_NQUEUES] = { "incoming", "active", "deferred", "hold", "maildrop" };
const char *const mq_sendmail_queue_name[MQ_SM_NQUEUES] = { "mqueue", "clientmqueue" };

/* postcat sleeps a second before it exits on a broken file: a few tries a run */
enum { MAX_PROBLEMS = 5, MAX_POSTCAT = 3, MAX_DEPTH = 4, OUT_LIMIT = 64 << 20 };

#define POSTCONF "/usr/sbin/postconf"
#define POSTQUEUE "/usr/sbin/postqueue"
#define POSTCAT "/usr/sbin/postcat"

/* ---- tallies: open addressing, FNV-1a ---- */

static size_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return (size_t)h;
}

static void tally_add(struct mq_tally *t, const char *key, unsigned long msg)
{
	if (2 * (t->n + 1) > t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 64;
		struct mq_ent *tab = xcalloc(cap, sizeof *tab);
		for (size_t i = 0; i < t->cap; i++) {
			if (!t->tab[i].key)
				continue;
			size_t j = hash(t->tab[i].key) & (cap - 1);
			while (tab[j].key)
				j = (j + 1) & (cap - 1);
			tab[j] = t->tab[i];
		}
		free(t->tab);
		t->tab = tab;
		t->cap = cap;
	}
	size_t j = hash(key) & (t->cap - 1);
	while (t->tab[j].key && strcmp(t->tab[j].key, key) != 0)
		j = (j + 1) & (t->cap - 1);
	struct mq_ent *e = &t->tab[j];
	if (!e->key) {
		e->key = xstrdup(key);
		t->n++;
	} else if (e->last_msg == msg) {
		return;
	}
	e->last_msg = msg;
	e->n++;
}

static void tally_free(struct mq_tally *t)
{
	for (size_t i = 0; i < t->cap; i++)
		free(t->tab[i].key);
	free(t->tab);
	*t = (struct mq_tally){ 0 };
}

static int ent_cmp(const void *a_, const void *b_)
{
	const struct mq_ent *a = *(const struct mq_ent *const *)a_, *b = *(const struct mq_ent *const *)b_;
	if (a->n != b->n)
		return a->n > b->n ? -1 : 1;
	return strcmp(a->key, b->key);
}

size_t mq_top(const struct mq_tally *t, const struct mq_ent **out, size_t n)
{
	if (!t->n || !n)
		return 0;
	const struct mq_ent **all = xmalloc(t->n * sizeof *all);
	size_t k = 0;
	for (size_t i = 0; i < t->cap; i++)
		if (t->tab[i].key)
			all[k++] = &t->tab[i];
	qsort(all, k, sizeof *all, ent_cmp);
	if (n > k)
		n = k;
	memcpy(out, all, n * sizeof *out);
	free(all);
	return n;
}

void mailq_free(struct mailq *q)
{
	buf_free(&q->problems);
	tally_free(&q->senders);
	tally_free(&q->domains);
}

static void problem(struct mailq *q, const char *id, const char *why)
{
	if (q->unreadable <= MAX_PROBLEMS)
		buf_printf(&q->problems, "%s%s: %s", q->problems.len ? "\n" : "", id, why);
}

/* One message's envelope into the tallies. */
static void count_sender(struct mailq *q, const char *sender)
{
	tally_add(&q->senders, *sender ? sender : "<>", q->msg_seq);
}

static void count_rcpt(void *q_, const char *addr)
{
	struct mailq *q = q_;
	const char *at = strrchr(addr, '@');
	char dom[256];
	size_t i = 0;
	if (at && at[1]) {
		/* domains are case-insensitive: one row for Example.COM and example.com */
		for (const char *p = at + 1; *p && i + 1 < sizeof dom; p++)
			dom[i++] = (*p >= 'A' && *p <= 'Z') ? (char)(*p + 32) : *p;
		dom[i] = 0;
	} else {
		strcpy(dom, "(no domain)");
	}
	tally_add(&q->domains, dom, q->msg_seq);
}

/* ---- children: argv, no shell, stdout captured, killed at the deadline ---- */

/* The child's complaint, for the reason we print: its "fatal:" line, else
 * its first line. stderr goes to a memfd, so it can never block the child. */
static char child_err[256];

static void keep_complaint(int fd)
{
	char text[4096];
	ssize_t n = pread(fd, text, sizeof text - 1, 0);
	child_err[0] = 0;
	if (n <= 0)
		return;
	text[n] = 0;
	char *l = strstr(text, "fatal: ");
	if (l)
		while (l > text && l[-1] != '\n')
			l--;
	else
		l = text;
	size_t len = strcspn(l, "\n");
	if (len >= sizeof child_err)
		len = sizeof child_err - 1;
	memcpy(child_err, l, len);
	child_err[len] = 0;
}

static int run_capture(char *const argv[], double seconds, struct buf *out, bool *timed_out)
{
	*timed_out = false;
	child_err[0] = 0;
	int errfd = memfd_create("stderr", MFD_CLOEXEC);
	int rfd;
	pid_t pid = spawn_piped(argv, STDOUT_FILENO, errfd, &rfd);
	if (pid < 0) {
		if (errfd >= 0)
			close(errfd);
		return -1;
	}
	double end = monotonic_now() + seconds;
	for (;;) {
		double left = end - monotonic_now();
		if (left <= 0) {
			*timed_out = true;
			break;
		}
		struct pollfd pf = { rfd, POLLIN, 0 };
		int r = poll(&pf, 1, (int)(left * 1000) + 1);
		if (r < 0 && errno != EINTR)
			break;
		if (r <= 0)
			continue;
		char chunk[65536];
		ssize_t k = read(rfd, chunk, sizeof chunk);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		if (out->len < OUT_LIMIT)
			buf_add(out, chunk, (size_t)k);
	}
	close(rfd);
	if (*timed_out)
		kill(-pid, SIGKILL);
	int st = spawn_reap(pid);
	if (errfd >= 0) {
		keep_complaint(errfd);
		close(errfd);
	}
	buf_cstr(out);
	return st;
}

static void describe_exit(struct buf *err, const char *what, int st, bool timed_out, double seconds)
{
	if (timed_out)
		buf_printf(err, "%s did not answer within %.1f s", what, seconds);
	else if (st == -1 || (WIFEXITED(st) && WEXITSTATUS(st) == 127))
		buf_printf(err, "cannot run %s", what);
	else if (WIFEXITED(st))
		buf_printf(err, "%s failed (exit %d)", what, WEXITSTATUS(st));
	else
		buf_printf(err, "%s killed by signal %d", what, WTERMSIG(st));
	if (!timed_out && child_err[0])
		buf_printf(err, ": %s", child_err);
}

int postfix_queue_dir(const char *config_dir, double seconds, struct buf *dir, struct buf *err)
{
	char *argv[] = { (char *)POSTCONF, (char *)"-c", (char *)config_dir, (char *)"-h",
	                 (char *)"queue_directory", NULL };
	if (!config_dir) {
		argv[1] = (char *)"-h";
		argv[2] = (char *)"queue_directory";
		argv[3] = NULL;
	}
	bool to;
	buf_reset(dir);
	int st = run_capture(argv, seconds, dir, &to);
	if (to || st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		describe_exit(err, "postconf -h queue_directory", st, to, seconds);
		return -1;
	}
	while (dir->len && (dir->s[dir->len - 1] == '\n' || dir->s[dir->len - 1] == ' '))
		dir->s[--dir->len] = 0;
	if (!dir->len || dir->s[0] != '/' || memchr(dir->s, '\n', dir->len)) {
		buf_printf(err, "postconf gave no absolute queue_directory");
		return -1;
	}
	return 0;
}

/* ---- queue file records: type byte, length (7 bits a byte, low first), data ---- */

struct rec_reader {
	int fd;
	off_t pos;
	char buf[8192];
	off_t buf_at;
	size_t buf_len;
};

static int rr_byte(struct rec_reader *r)
{
	if (r->pos < r->buf_at || r->pos >= r->buf_at + (off_t)r->buf_len) {
		ssize_t k = pread(r->fd, r->buf, sizeof r->buf, r->pos);
		if (k <= 0)
			return -1;
		r->buf_at = r->pos;
		r->buf_len = (size_t)k;
	}
	return (unsigned char)r->buf[r->pos++ - r->buf_at];
}

/* type, or -1 at end of file/garbage; data (NUL-terminated, at most cap-1
 * bytes kept) into out; the record's full length skipped. */
static int rr_next(struct rec_reader *r, char *out, size_t cap, size_t *len, const char **why)
{
	int type = rr_byte(r);
	if (type < 0) {
		*why = "truncated (no end record)";
		return -1;
	}
	size_t n = 0;
	for (int shift = 0;; shift += 7) {
		int c = rr_byte(r);
		if (c < 0 || shift > 28) {
			*why = c < 0 ? "truncated in a record length" : "bad record length";
			return -1;
		}
		n |= (size_t)(c & 0x7f) << shift;
		if (!(c & 0x80))
			break;
	}
	size_t keep = n < cap - 1 ? n : cap - 1;
	for (size_t i = 0; i < keep; i++) {
		int c = rr_byte(r);
		if (c < 0) {
			*why = "truncated inside a record";
			return -1;
		}
		out[i] = (char)c;
	}
	out[keep] = 0;
	struct stat st;
	if (n > keep) {
		if (fstat(r->fd, &st) < 0 || r->pos + (off_t)(n - keep) > st.st_size) {
			*why = "truncated inside a record";
			return -1;
		}
		r->pos += (off_t)(n - keep);
	}
	*len = keep;
	return type;
}

int postfix_read_envelope(int fd, char **sender, void (*rcpt)(void *, const char *), void *arg,
                          time_t *arrival, const char **why)
{
	static char data[4096];
	struct rec_reader r = { .fd = fd };
	size_t len;
	long long seg_size = -1, data_off = -1;
	bool in_content = false, saw_time = false;
	*sender = NULL;
	for (int jumps = 0;;) {
		int type = rr_next(&r, data, sizeof data, &len, why);
		if (type < 0)
			goto bad;
		if (in_content) {
			/* message content: N (line) and L (continuation) until X */
			if (type == 'N' || type == 'L')
				continue;
			if (type != 'X') {
				*why = "bad record in the message content";
				goto bad;
			}
			in_content = false;
			continue;
		}
		switch (type) {
		case 'C':
			/* "segment_size data_offset rcpt_count ...": the content is skipped by offset */
			if (sscanf(data, "%lld %lld", &seg_size, &data_off) != 2 || seg_size < 0 || data_off < 0) {
				*why = "bad size record";
				goto bad;
			}
			break;
		case 'T': {
			long long t;
			if (sscanf(data, "%lld", &t) != 1) {
				*why = "bad time record";
				goto bad;
			}
			*arrival = (time_t)t;
			saw_time = true;
			break;
		}
		case 'S':
			if (*sender) {
				*why = "two sender records";
				goto bad;
			}
			*sender = xstrdup(data);
			break;
		case 'R':
			if (rcpt)
				rcpt(arg, data);
			break;
		case 'p': {
			/* a pointer record: the envelope continues at that offset (0: next record) */
			long long off;
			if (sscanf(data, "%lld", &off) != 1 || off < 0 || ++jumps > 10000) {
				*why = "bad pointer record";
				goto bad;
			}
			if (off > 0)
				r.pos = (off_t)off;
			break;
		}
		case 'M':
			if (seg_size >= 0 && data_off > 0)
				r.pos = (off_t)(data_off + seg_size);
			else
				in_content = true;
			break;
		case 'E':
			if (!*sender) {
				*why = "no sender record";
				goto bad;
			}
			if (!saw_time)
				*arrival = 0;
			return 0;
		default:
			/* the other envelope records (A, F, O, D, W, ...) do not matter here */
			if (type < 32 || type > 126) {
				*why = "not a postfix queue file (bad record type)";
				goto bad;
			}
			break;
		}
	}
bad:
	free(*sender);
	*sender = NULL;
	return -1;
}

/* Only the arrival time, from the head of the file: cheap when no --top. */
static int read_arrival(int fd, time_t *arrival, const char **why)
{
	char data[512];
	size_t len;
	struct rec_reader r = { .fd = fd };
	for (int i = 0; i < 8; i++) {
		int type = rr_next(&r, data, sizeof data, &len, why);
		if (type < 0)
			return -1;
		if (type == 'T') {
			long long t;
			if (sscanf(data, "%lld", &t) != 1) {
				*why = "bad time record";
				return -1;
			}
			*arrival = (time_t)t;
			return 0;
		}
	}
	*why = "no time record at the start";
	return -1;
}

/* The envelope lines of `postcat -q ID`: those before the content and those
 * of the extracted segment after it. The whole file is read, so postcat
 * fails on a truncated one as our parser does. Content lines are never
 * parsed: a message could carry a line "sender: x" of its own. */
static void postcat_lines(struct mailq *q, char *text, time_t *arrival)
{
	char *save = NULL;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		struct tm tm = { 0 };
		if (!strncmp(l, "sender: ", 8)) {
			count_sender(q, l + 8);
		} else if (!strncmp(l, "recipient: ", 11)) {
			count_rcpt(q, l + 11);
		} else if (!strncmp(l, "message_arrival_time: ", 22)) {
			const char *e = strptime(l + 22, "%a %b %d %H:%M:%S %Y", &tm);
			if (e && !*e) {
				tm.tm_isdst = -1;
				*arrival = mktime(&tm);
			}
		}
	}
}

static int envelope_by_postcat(struct mailq *q, const char *id, time_t *arrival)
{
	char *argv[8];
	int a = 0;
	argv[a++] = (char *)POSTCAT;
	if (q->config_dir) {
		argv[a++] = (char *)"-c";
		argv[a++] = (char *)q->config_dir;
	}
	argv[a++] = (char *)"-q";
	argv[a++] = (char *)id;
	argv[a] = NULL;
	double left = timeout_remaining() - 1;
	if (left > 2)
		left = 2;
	if (left <= 0.1)
		return -1;
	struct buf out = BUF_INIT;
	bool to;
	int st = run_capture(argv, left, &out, &to);
	int rc = -1;
	char *env = strstr(buf_cstr(&out), "*** ENVELOPE RECORDS ");
	char *content = env ? strstr(env, "\n*** MESSAGE CONTENTS ") : NULL;
	char *xtra = content ? content : NULL, *next;
	while (xtra && (next = strstr(xtra + 1, "\n*** HEADER EXTRACTED ")))
		xtra = next;   /* the last one: the real segment follows the content */
	if (!to && st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0 && content && xtra != content) {
		*content = 0;
		postcat_lines(q, env, arrival);
		postcat_lines(q, xtra + 1, arrival);
		q->postcat++;
		rc = 0;
	}
	buf_free(&out);
	return rc;
}

static void keep_rcpt(void *b, const char *addr)
{
	buf_add(b, addr, strlen(addr) + 1);
}

/* Without --top a file's arrival is its inode's birth time: cleanup creates
 * the file in incoming/ and postfix only renames it after that (the mtime
 * of a deferred file is its next retry, useless here). One statx instead of
 * open, read, close: the count of 100,000 files stays far below a second.
 * Where the file system keeps no birth time, the T record is read. */
static int arrival_by_statx(struct mailq *q, int dirfd, const char *name, enum mq_queue which,
                            time_t *arrival, const char **why)
{
	struct statx stx;
	if (statx(dirfd, name, AT_SYMLINK_NOFOLLOW | AT_STATX_DONT_SYNC,
	          STATX_TYPE | STATX_MODE | STATX_BTIME, &stx) < 0) {
		*why = errno == ENOENT ? NULL : strerror(errno);
		return errno == ENOENT ? -2 : -1;
	}
	if (!S_ISREG(stx.stx_mode)) {
		*why = "not a regular file";
		return -1;
	}
	if ((which == MQ_INCOMING || which == MQ_MAILDROP) && !(stx.stx_mode & S_IXUSR)) {
		q->in_progress++;
		return 1;
	}
	if (!(stx.stx_mask & STATX_BTIME))
		return 2;
	*arrival = (time_t)stx.stx_btime.tv_sec;
	return 0;
}

static void scan_file(struct mailq *q, int dirfd, const char *name, enum mq_queue which)
{
	struct stat st;
	const char *why = NULL;
	time_t arrival = 0;
	int fd = -1;
	q->count[which]++;
	q->total++;
	q->msg_seq++;
	if (!q->want_top) {
		switch (arrival_by_statx(q, dirfd, name, which, &arrival, &why)) {
		case -2:   /* delivered or moved between readdir and statx */
			q->count[which]--;
			q->total--;
			return;
		case 1:
			return;
		case 0:
			goto done;
		case -1:
			goto done;
		}
	}
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT) {
			q->count[which]--;
			q->total--;
			return;
		}
		why = strerror(errno);
	} else if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		why = "not a regular file";
	} else if ((which == MQ_INCOMING || which == MQ_MAILDROP) && !(st.st_mode & S_IXUSR)) {
		/* postfix sets the owner x bit when a file is complete */
		q->in_progress++;
		close(fd);
		return;
	} else if (q->want_top) {
		/* recipients count only once the whole file has parsed */
		char *sender;
		struct buf rcpts = BUF_INIT;
		if (postfix_read_envelope(fd, &sender, keep_rcpt, &rcpts, &arrival, &why) == 0) {
			count_sender(q, sender);
			for (size_t i = 0; i < rcpts.len; i += strlen(rcpts.s + i) + 1)
				count_rcpt(q, rcpts.s + i);
			free(sender);
			why = NULL;
		}
		buf_free(&rcpts);
	} else if (read_arrival(fd, &arrival, &why) == 0) {
		why = NULL;
	}
	if (fd >= 0)
		close(fd);
	char both[160];
	if (why && q->want_top && q->postcat_tried < MAX_POSTCAT) {
		/* our parser refused the file: postfix's own reader may know its format */
		q->postcat_tried++;
		if (envelope_by_postcat(q, name, &arrival) == 0) {
			why = NULL;
		} else {
			snprintf(both, sizeof both, "%s (postcat -q failed too)", why);
			why = both;
		}
	}
done:
	if (why) {
		q->unreadable++;
		problem(q, name, why);
		return;
	}
	if (arrival > 0 && (q->oldest == 0 || arrival < q->oldest))
		q->oldest = arrival;
}

static int scan_dir(struct mailq *q, int fd, enum mq_queue which, int depth)
{
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -1;
	}
	struct dirent *e;
	errno = 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		unsigned char type = e->d_type;
		if (type == DT_UNKNOWN) {
			struct stat st;
			if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
				continue;
			type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
		}
		if (type == DT_DIR && depth < MAX_DEPTH) {
			/* hash_queue_depth subdirectories */
			int sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0 && scan_dir(q, sub, which, depth + 1) < 0 && errno == EACCES) {
				closedir(d);
				errno = EACCES;
				return -1;
			}
		} else if (type == DT_REG) {
			scan_file(q, dirfd(d), e->d_name, which);
		}
		errno = 0;
	}
	int saved = errno;
	closedir(d);
	errno = saved;
	return saved ? -1 : 0;
}

int postfix_scan(const char *queue_dir, struct mailq *q, struct buf *err)
{
	int top = open(queue_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (top < 0) {
		int e = errno;
		buf_printf(err, "%s: %s", queue_dir, strerror(e));
		errno = e;
		return -1;
	}
	for (int i = 0; i < MQ_NQUEUES; i++) {
		int fd = openat(top, mq_queue_name[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT) {
			/* postfix creates its queues at start: none yet means none queued */
			q->missing |= 1u << i;
			continue;
		}
		if (fd < 0 || scan_dir(q, fd, (enum mq_queue)i, 0) < 0) {
			int e = errno;
			buf_printf(err, "%s/%s: %s", queue_dir, mq_queue_name[i], strerror(e));
			close(top);
			errno = e;
			return -1;
		}
	}
	close(top);
	return 0;
}

/* ---- sendmail: qf files, one line per item (doc/op "Queue file formats") ---- */

int sendmail_queue_dir(const char *cf, struct buf *dir, struct buf *err)
{
	struct buf text = BUF_INIT;
	buf_reset(dir);
	if (read_file_buf(AT_FDCWD, cf, &text, 4 << 20, false) < 0) {
		int e = errno;
		buf_printf(err, "%s: %s", cf, strerror(e));
		buf_free(&text);
		errno = e;
		return -1;
	}
	char *save = NULL;
	for (char *l = strtok_r(text.s, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (strncmp(l, "O QueueDirectory=", 17) != 0)
			continue;
		buf_reset(dir);
		buf_puts(dir, l + 17);
		while (dir->len && (dir->s[dir->len - 1] == ' ' || dir->s[dir->len - 1] == '\r'))
			dir->s[--dir->len] = 0;
	}
	buf_free(&text);
	if (!dir->len || dir->s[0] != '/') {
		buf_printf(err, "%s: no absolute O QueueDirectory=", cf);
		return -1;
	}
	return 0;
}

static char *strip_angle(char *a)
{
	size_t n = strlen(a);
	if (n >= 2 && a[0] == '<' && a[n - 1] == '>') {
		a[n - 1] = 0;
		a++;
	}
	return a;
}

/* A qf file must end with its "." line; T is the creation time. */
static const char *sendmail_qf(struct mailq *q, int dirfd, const char *name, time_t *arrival)
{
	struct buf b = BUF_INIT, rcpts = BUF_INIT;
	char *sender = NULL;
	const char *why = NULL;
	if (read_file_buf(dirfd, name, &b, 16 << 20, false) < 0) {
		/* "": gone between readdir and open (delivered), not a problem */
		why = errno == ENOENT ? "" : errno == EFBIG ? "larger than 16 MB" : strerror(errno);
		goto out;
	}
	if (b.len < 2 || strcmp(b.s + b.len - 2, ".\n") != 0 || (b.len > 2 && b.s[b.len - 3] != '\n')) {
		why = "truncated (no final \".\" line)";
		goto out;
	}
	char *save = NULL;
	for (char *l = strtok_r(b.s, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (l[0] == 'T') {
			char *e;
			long long t = strtoll(l + 1, &e, 10);
			if (e == l + 1 || *e) {
				why = "bad T line";
				goto out;
			}
			*arrival = (time_t)t;
		} else if (l[0] == 'S') {
			sender = l + 1;
		} else if (l[0] == 'R') {
			/* "R<flags>:<address>" since 8.10, "R<address>" before */
			char *a = l + 1, *colon = strchr(a, ':');
			if (colon && strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == (size_t)(colon - a))
				a = colon + 1;
			buf_add(&rcpts, strip_angle(a), strlen(strip_angle(a)) + 1);
		}
	}
	if (!sender) {
		why = "no S line";
		goto out;
	}
	if (q->want_top) {
		count_sender(q, strip_angle(sender));
		for (size_t i = 0; i < rcpts.len; i += strlen(rcpts.s + i) + 1)
			count_rcpt(q, rcpts.s + i);
	}
out:
	buf_free(&b);
	buf_free(&rcpts);
	return why;
}

static int sendmail_one(const char *dir, int which, struct mailq *q, struct buf *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		/* a queue with qf/ df/ xf/ subdirectories keeps its qf files in qf/ */
		int sub = openat(fd, "qf", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub >= 0) {
			close(fd);
			fd = sub;
		}
	}
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		buf_printf(err, "%s: %s", dir, strerror(e));
		errno = e;
		return -1;
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, "qf", 2) != 0)
			continue;
		time_t arrival = 0;
		q->msg_seq++;
		const char *why = sendmail_qf(q, dirfd(d), e->d_name, &arrival);
		if (why && !*why)
			continue;
		q->count[which]++;
		q->total++;
		if (why) {
			q->unreadable++;
			problem(q, e->d_name, why);
		} else if (arrival > 0 && (q->oldest == 0 || arrival < q->oldest)) {
			q->oldest = arrival;
		}
	}
	closedir(d);
	return 0;
}

int sendmail_scan(const char *pattern, int which, struct mailq *q, struct buf *err)
{
	size_t n = strlen(pattern);
	if (n < 2 || pattern[n - 1] != '*')
		return sendmail_one(pattern, which, q, err);
	/* "/var/spool/mqueue/q*": every directory of that prefix is a queue */
	char *parent = xstrdup(pattern);
	char *slash = strrchr(parent, '/');
	const char *prefix = slash + 1;
	*slash = 0;
	size_t plen = strlen(prefix) - 1;
	DIR *d = opendir(*parent ? parent : "/");
	int rc = 0;
	if (!d) {
		int e = errno;
		buf_printf(err, "%s: %s", *parent ? parent : "/", strerror(e));
		free(parent);
		errno = e;
		return -1;
	}
	struct dirent *e;
	while (rc == 0 && (e = readdir(d))) {
		if (e->d_name[0] == '.' || strncmp(e->d_name, prefix, plen) != 0)
			continue;
		struct buf path = BUF_INIT;
		buf_printf(&path, "%s/%s", parent, e->d_name);
		struct stat st;
		if (stat(path.s, &st) == 0 && S_ISDIR(st.st_mode))
			rc = sendmail_one(path.s, which, q, err);
		buf_free(&path);
	}
	closedir(d);
	free(parent);
	return rc;
}

/* ---- postqueue -j: one JSON object a line ---- */

struct jp {
	const char *p, *end;
};

static void jws(struct jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\r'))
		j->p++;
}

static bool jlit(struct jp *j, char c)
{
	jws(j);
	if (j->p < j->end && *j->p == c) {
		j->p++;
		return true;
	}
	return false;
}

static void put_utf8(struct buf *b, unsigned cp)
{
	if (cp < 0x80) {
		buf_putc(b, (char)cp);
	} else if (cp < 0x800) {
		buf_putc(b, (char)(0xc0 | cp >> 6));
		buf_putc(b, (char)(0x80 | (cp & 0x3f)));
	} else {
		buf_putc(b, (char)(0xe0 | cp >> 12));
		buf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
		buf_putc(b, (char)(0x80 | (cp & 0x3f)));
	}
}

static bool jstr(struct jp *j, struct buf *out)
{
	buf_reset(out);
	if (!jlit(j, '"'))
		return false;
	while (j->p < j->end) {
		char c = *j->p++;
		if (c == '"') {
			buf_cstr(out);
			return true;
		}
		if (c != '\\') {
			buf_putc(out, c);
			continue;
		}
		if (j->p >= j->end)
			return false;
		c = *j->p++;
		switch (c) {
		case 'n': buf_putc(out, '\n'); break;
		case 't': buf_putc(out, '\t'); break;
		case 'r': buf_putc(out, '\r'); break;
		case 'b': buf_putc(out, '\b'); break;
		case 'f': buf_putc(out, '\f'); break;
		case 'u': {
			unsigned cp = 0;
			for (int i = 0; i < 4; i++, j->p++) {
				if (j->p >= j->end)
					return false;
				char h = *j->p;
				int v = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10
				        : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
				if (v < 0)
					return false;
				cp = cp << 4 | (unsigned)v;
			}
			put_utf8(out, cp);  /* a lone surrogate half stays as is: display only */
			break;
		}
		default: buf_putc(out, c); break;
		}
	}
	return false;
}

static bool jskip(struct jp *j, int depth)
{
	struct buf tmp = BUF_INIT;
	bool ok = false;
	jws(j);
	if (depth > 32 || j->p >= j->end)
		goto out;
	if (*j->p == '"') {
		ok = jstr(j, &tmp);
	} else if (*j->p == '{' || *j->p == '[') {
		char close = *j->p == '{' ? '}' : ']';
		bool obj = *j->p == '{';
		j->p++;
		if (jlit(j, close)) {
			ok = true;
			goto out;
		}
		do {
			if (obj && (!jstr(j, &tmp) || !jlit(j, ':')))
				goto out;
			if (!jskip(j, depth + 1))
				goto out;
		} while (jlit(j, ','));
		ok = jlit(j, close);
	} else {
		const char *s = j->p;
		while (j->p < j->end && strchr("+-.0123456789eEtruefalsn", *j->p))
			j->p++;
		ok = j->p > s;
	}
out:
	buf_free(&tmp);
	return ok;
}

static bool parse_json_line(struct mailq *q, const char *s, const char *end)
{
	struct jp j = { s, end };
	struct buf key = BUF_INIT, val = BUF_INIT, sender = BUF_INIT;
	int which = -1;
	bool have_sender = false, ok = false;
	long long arrival = 0;
	q->msg_seq++;
	if (!jlit(&j, '{'))
		goto out;
	do {
		if (!jstr(&j, &key) || !jlit(&j, ':'))
			goto out;
		if (!strcmp(key.s, "queue_name")) {
			if (!jstr(&j, &val))
				goto out;
			for (int i = 0; i < MQ_NQUEUES; i++)
				if (!strcmp(val.s, mq_queue_name[i]))
					which = i;
		} else if (!strcmp(key.s, "sender")) {
			if (!jstr(&j, &sender))
				goto out;
			have_sender = true;
		} else if (!strcmp(key.s, "arrival_time")) {
			jws(&j);
			char *e;
			arrival = strtoll(j.p, &e, 10);
			if (e == j.p)
				goto out;
			j.p = e;
		} else if (!strcmp(key.s, "recipients") && q->want_top) {
			if (!jlit(&j, '['))
				goto out;
			if (!jlit(&j, ']')) {
				do {
					if (!jlit(&j, '{'))
						goto out;
					do {
						if (!jstr(&j, &key) || !jlit(&j, ':'))
							goto out;
						if (!strcmp(key.s, "address")) {
							if (!jstr(&j, &val))
								goto out;
							count_rcpt(q, val.s);
						} else if (!jskip(&j, 0)) {
							goto out;
						}
					} while (jlit(&j, ','));
					if (!jlit(&j, '}'))
						goto out;
				} while (jlit(&j, ','));
				if (!jlit(&j, ']'))
					goto out;
			}
		} else if (!jskip(&j, 0)) {
			goto out;
		}
	} while (jlit(&j, ','));
	ok = jlit(&j, '}') && which >= 0;
	if (ok) {
		q->count[which]++;
		q->total++;
		if (have_sender && q->want_top)
			count_sender(q, sender.s);
		if (arrival > 0 && (q->oldest == 0 || arrival < q->oldest))
			q->oldest = (time_t)arrival;
	}
out:
	buf_free(&key);
	buf_free(&val);
	buf_free(&sender);
	return ok;
}

int postfix_postqueue(struct mailq *q, double seconds, struct buf *err)
{
	char *argv[] = { (char *)POSTQUEUE, (char *)"-c", (char *)q->config_dir, (char *)"-j", NULL };
	if (!q->config_dir) {
		argv[1] = (char *)"-j";
		argv[2] = NULL;
	}
	struct buf out = BUF_INIT;
	bool to;
	int st = run_capture(argv, seconds, &out, &to);
	if (to || st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		describe_exit(err, "postqueue -j", st, to, seconds);
		buf_free(&out);
		return -1;
	}
	unsigned long bad = 0;
	const char *p = buf_cstr(&out), *end = p + out.len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		if (le > p && !parse_json_line(q, p, le))
			bad++;
		p = le + 1;
	}
	buf_free(&out);
	if (bad) {
		buf_printf(err, "postqueue -j: %lu lines that are not its JSON", bad);
		return -1;
	}
	return 0;
}

/* ---- privilege ---- */

static bool caps(uint32_t *eff)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];
	if (syscall(SYS_capget, &hdr, data) < 0)
		return false;
	*eff = data[0].effective;
	return true;
}

bool priv_can_read_all(void)
{
	uint32_t eff;
	return caps(&eff) && (eff & ((1u << CAP_DAC_READ_SEARCH) | (1u << CAP_DAC_OVERRIDE)));
}

bool priv_raised(void)
{
	/* more than the real user has: set-id, or a file capability as a non-root user */
	return geteuid() != getuid() || (getuid() != 0 && priv_can_read_all());
}

void priv_drop(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];
	if (geteuid() != getuid() && setuid(getuid()) < 0)
		abort();  /* cannot keep running with privilege we meant to give up */
	if (getuid() == 0)
		return;   /* real root: nothing above the caller to give up */
	memset(data, 0, sizeof data);
	(void)syscall(SYS_capset, &hdr, data);
}
