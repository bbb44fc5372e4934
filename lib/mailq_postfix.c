/* postfix's queue: the directories of `postconf -h queue_directory` read
 * directly, `postqueue -j` when they are closed to us. See mailq.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mailq.h"
#include "timeout.h"

/* the queue directories, as postfix names them */
enum pf_queue { PF_INCOMING, PF_ACTIVE, PF_DEFERRED, PF_HOLD, PF_MAILDROP, PF_NQUEUES };
static const char *const pf_queue_name[PF_NQUEUES] = { "incoming", "active", "deferred", "hold", "maildrop" };

/* postcat sleeps a second before it exits on a broken file: a few tries a run */
enum { MAX_POSTCAT = 3, MAX_DEPTH = 4 };

#define POSTCONF "/usr/sbin/postconf"
#define POSTCAT "/usr/sbin/postcat"

/* What only postfix has, for the notes: one run, one queue. */
static struct {
	unsigned long in_progress;   /* incoming/maildrop files still being written */
	unsigned missing;            /* bit per queue directory that does not exist */
	unsigned long postcat;       /* envelopes read by postcat after our parser refused */
	unsigned long postcat_tried;
} pf;

static int postfix_queue_dir(const char *config_dir, double seconds, struct buf *dir, struct buf *err)
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
	int st = mq_run(argv, seconds, dir, &to);
	if (to || st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		mq_describe_exit(err, "postconf -h queue_directory", st, to, seconds);
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
	for (size_t i = 0; i < keep;) {
		/* from the buffer a run at a time, refilled by rr_byte */
		int c = rr_byte(r);
		if (c < 0) {
			*why = "truncated inside a record";
			return -1;
		}
		out[i++] = (char)c;
		size_t avail = (size_t)(r->buf_at + (off_t)r->buf_len - r->pos);
		size_t run = keep - i < avail ? keep - i : avail;
		memcpy(out + i, r->buf + (r->pos - r->buf_at), run);
		i += run;
		r->pos += (off_t)run;
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
	/* pointer records may jump back, but never to where one jumped before:
	 * Brent's cycle check (the target of jump 2^k kept) ends a loop after
	 * about twice its length instead of after 10000 rounds of it */
	off_t mark = -1;
	int since_mark = 0, power = 1;
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
			if (off > 0) {
				if ((off_t)off == mark) {
					*why = "pointer records loop";
					goto bad;
				}
				if (++since_mark == power) {
					mark = (off_t)off;
					power *= 2;
					since_mark = 0;
				}
				r.pos = (off_t)off;
			}
			break;
		}
		case 'M':
			if (seg_size >= 0 && data_off > 0) {
				/* the envelope goes on after the content: forward only, or
				 * a crafted file loops for ever (found by fuzz_postfix_queue) */
				/* the overflow test first: data_off + seg_size may not exist
				 * (found by fuzz_postfix_queue in CI) */
				if (data_off > LLONG_MAX - seg_size || data_off + seg_size <= (long long)r.pos) {
					*why = "bad size record";
					goto bad;
				}
				r.pos = (off_t)(data_off + seg_size);
			} else
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
			mq_count_sender(q, l + 8);
		} else if (!strncmp(l, "recipient: ", 11)) {
			mq_count_rcpt(q, l + 11);
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
	int st = mq_run(argv, left, &out, &to);
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
		pf.postcat++;
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
static int arrival_by_statx(struct mailq *q, int dirfd, const char *name, enum pf_queue which,
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
	if ((which == PF_INCOMING || which == PF_MAILDROP) && !(stx.stx_mode & S_IXUSR)) {
		pf.in_progress++;
		return 1;
	}
	if (!(stx.stx_mask & STATX_BTIME))
		return 2;
	*arrival = (time_t)stx.stx_btime.tv_sec;
	return 0;
}

static void scan_file(struct mailq *q, int dirfd, const char *name, enum pf_queue which)
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
	} else if ((which == PF_INCOMING || which == PF_MAILDROP) && !(st.st_mode & S_IXUSR)) {
		/* postfix sets the owner x bit when a file is complete */
		pf.in_progress++;
		close(fd);
		return;
	} else if (q->want_top) {
		/* recipients count only once the whole file has parsed */
		char *sender;
		struct buf rcpts = BUF_INIT;
		if (postfix_read_envelope(fd, &sender, keep_rcpt, &rcpts, &arrival, &why) == 0) {
			mq_count_sender(q, sender);
			for (size_t i = 0; i < rcpts.len; i += strlen(rcpts.s + i) + 1)
				mq_count_rcpt(q, rcpts.s + i);
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
	if (why && q->want_top && pf.postcat_tried < MAX_POSTCAT) {
		/* our parser refused the file: postfix's own reader may know its format */
		pf.postcat_tried++;
		if (envelope_by_postcat(q, name, &arrival) == 0) {
			why = NULL;
		} else {
			snprintf(both, sizeof both, "%s (postcat -q failed too)", why);
			why = both;
		}
	}
done:
	if (why) {
		mq_problem(q, name, why);
		return;
	}
	if (arrival > 0 && (q->oldest == 0 || arrival < q->oldest))
		q->oldest = arrival;
}

static int scan_dir(struct mailq *q, int fd, enum pf_queue which, int depth)
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

static int postfix_scan(const char *queue_dir, struct mailq *q, struct buf *err)
{
	int top = open(queue_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (top < 0) {
		int e = errno;
		buf_printf(err, "%s: %s", queue_dir, strerror(e));
		errno = e;
		return -1;
	}
	for (int i = 0; i < PF_NQUEUES; i++) {
		int fd = openat(top, pf_queue_name[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT) {
			/* postfix creates its queues at start: none yet means none queued */
			pf.missing |= 1u << i;
			continue;
		}
		if (fd < 0 || scan_dir(q, fd, (enum pf_queue)i, 0) < 0) {
			int e = errno;
			buf_printf(err, "%s/%s: %s", queue_dir, pf_queue_name[i], strerror(e));
			close(top);
			errno = e;
			return -1;
		}
	}
	close(top);
	return 0;
}

/* The directories when we may read them, else postqueue -j. */
int postfix_measure(struct mailq *q, bool raised, struct buf *method, struct buf *err)
{
	struct buf dir = BUF_INIT;
	int rc = -1;
	memset(&pf, 0, sizeof pf);
	if (raised && q->config_dir && !mq_config_root_controlled(q->config_dir, "main.cf")) {
		priv_drop();
		raised = false;
	}
	double limit = timeout_remaining() - 1;
	if (postfix_queue_dir(q->config_dir, limit > 5 ? 5 : limit, &dir, err) < 0)
		goto out;
	if (raised && !mq_root_controlled(dir.s))
		priv_drop();

	if (postfix_scan(dir.s, q, err) == 0) {
		buf_printf(method, "counted in %s%s", dir.s, mq_privilege_note());
	} else if (errno == EACCES) {
		buf_printf(method, "postqueue -j (%s)", buf_cstr(err));
		priv_drop();
		struct mailq fresh = { .want_top = q->want_top, .config_dir = q->config_dir };
		mailq_free(q);
		*q = fresh;
		buf_reset(err);
		if (postfix_postqueue(q, pf_queue_name, PF_NQUEUES, timeout_remaining() - 0.5, err) < 0) {
			struct buf why = BUF_INIT;
			buf_printf(&why, "cannot read the queue: %s; %s", buf_cstr(method), buf_cstr(err));
			buf_reset(err);
			buf_puts(err, why.s);
			buf_free(&why);
			goto out;
		}
	} else {
		goto out;
	}
	/* into the row's order: active, deferred, hold, incoming, maildrop */
	static const enum pf_queue order[PF_NQUEUES] = { PF_ACTIVE, PF_DEFERRED, PF_HOLD, PF_INCOMING, PF_MAILDROP };
	unsigned long by_dir[PF_NQUEUES];
	memcpy(by_dir, q->count, sizeof by_dir);
	for (int i = 0; i < PF_NQUEUES; i++)
		q->count[i] = by_dir[order[i]];
	for (int i = 0; i < PF_NQUEUES; i++)
		if (pf.missing & 1u << i)
			buf_printf(&q->notes, "%sno %s directory (postfix has not created it yet): 0",
			           q->notes.len ? "\n" : "", pf_queue_name[i]);
	if (pf.in_progress)
		buf_printf(&q->notes, "%s%lu files still being written (incoming/maildrop), counted",
		           q->notes.len ? "\n" : "", pf.in_progress);
	if (pf.postcat)
		buf_printf(&q->notes, "%s%lu envelopes read by postcat (our parser refused them)",
		           q->notes.len ? "\n" : "", pf.postcat);
	rc = 0;
out:
	buf_free(&dir);
	return rc;
}
