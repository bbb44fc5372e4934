/* qmail's queue, counted as qmail-qstat counts it: a message is a file
 * under mess/N/ (N = inode % conf-split, 23 by default), named by its inode
 * number; "not yet preprocessed" are the files in todo/. queue/ is
 * DIR/queue, DIR being qmail's home (conf-qmail: /var/qmail, or -d).
 *
 * The files (qmail-queue(8), qmail-send's preprocessing):
 *   todo/I       the envelope as qmail-queue wrote it: "u" uid NUL, "p" pid
 *                NUL, "F" sender NUL, "T" recipient NUL ...
 *   info/N/I     "F" sender NUL, written by qmail-send when it takes the
 *                message from todo/; its mtime is the message's birth
 *   local/N/I    "T" recipient NUL per recipient still to deliver, "D"
 *   remote/N/I   once delivered
 * The age of the oldest message is the info file's mtime (qmail-send's
 * own notion), else the mess file's (not yet preprocessed). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mailq.h"

enum { QM_TODO, QM_LOCAL, QM_REMOTE };   /* the row's queues, besides the total */
enum { MAX_ENVELOPE = 16 << 20 };

/* the per-message directories of one bucket N */
struct bucket {
	int info, local, remote;
	int todo, todo_n;   /* todo/ and todo/N/ (the big-todo patch splits it) */
};

/* "XaddrNUL" records with X in types, up to the end exactly (qmail-send
 * silently drops a last record without its NUL: we call it truncated).
 * With want, the F (sender) and each T (recipient still to deliver) go
 * into the tallies. A static reason, or NULL. */
const char *qmail_envelope(struct mailq *q, const char *text, size_t len, const char *types, bool want)
{
	const char *p = text, *end = text + len, *sender = NULL;
	if (!len)
		return "empty";
	while (p < end) {
		const char *nul = memchr(p, 0, (size_t)(end - p));
		if (!nul)
			return "truncated (no NUL after the last entry)";
		if (nul == p || !strchr(types, *p))
			return nul == p ? "empty entry" : "bad entry type";
		if (*p == 'F') {
			if (sender)
				return "two senders";
			sender = p + 1;
		}
		p = nul + 1;
	}
	if (strchr(types, 'F') && !sender)
		return "no sender";
	if (!want)
		return NULL;
	if (sender)
		mq_count_sender(q, sender);
	for (p = text; p < end; p += strlen(p) + 1)
		if (*p == 'T')
			mq_count_rcpt(q, p + 1);
	return NULL;
}

static int open_sub(int dirfd, const char *name)
{
	return dirfd < 0 ? -1 : openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* One file of a message's envelope. */
struct part {
	const char *name, *types;   /* "info", "F" ... */
	int dirfd;
	bool have;
	struct buf b;
};

/* One message's envelope for --top: info/, local/ and remote/ once
 * qmail-send has taken it, else todo/. Every file is checked before any
 * counts; none at all: qmail-queue is still writing it (mess/ comes first). */
static void qmail_top(struct mailq *q, const struct bucket *bk, const char *name)
{
	struct part p[3] = { { "info", "F", bk->info, false, BUF_INIT },
	                     { "local", "TD", bk->local, false, BUF_INIT },
	                     { "remote", "TD", bk->remote, false, BUF_INIT } };
	char what[96] = "";
	for (int i = 0; i < 3; i++) {
		p[i].have = mq_read_file(p[i].dirfd, name, &p[i].b, MAX_ENVELOPE) == 0;
		const char *why = p[i].have ? qmail_envelope(q, p[i].b.s, p[i].b.len, p[i].types, false)
		                  : p[i].dirfd >= 0 && errno != ENOENT ? strerror(errno) : NULL;
		if (why && !*what)
			snprintf(what, sizeof what, "%s: %s", p[i].name, why);
	}
	if (!p[0].have && !*what) {
		p[0] = (struct part){ "todo", "upFT", bk->todo, false, p[0].b };
		p[0].have = mq_read_file(bk->todo, name, &p[0].b, MAX_ENVELOPE) == 0 ||
		            (errno == ENOENT && mq_read_file(bk->todo_n, name, &p[0].b, MAX_ENVELOPE) == 0);
		const char *why = p[0].have ? qmail_envelope(q, p[0].b.s, p[0].b.len, p[0].types, false) : NULL;
		if (why)
			snprintf(what, sizeof what, "todo: %s", why);
	}
	for (int i = 0; i < 3; i++) {
		if (!*what && p[i].have)
			qmail_envelope(q, p[i].b.s, p[i].b.len, p[i].types, true);
		buf_free(&p[i].b);
	}
	if (*what)
		mq_problem(q, name, what);
}

static void qmail_message(struct mailq *q, int messfd, const struct bucket *bk, const char *name)
{
	struct stat st;
	q->msg_seq++;
	/* info/'s mtime is the birth qmail-send keeps; mess/'s before that */
	if (bk->info < 0 || fstatat(bk->info, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (fstatat(messfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return;   /* delivered between readdir and stat */
	}
	q->total++;
	if (st.st_mtime > 0 && (q->oldest == 0 || st.st_mtime < q->oldest))
		q->oldest = st.st_mtime;
	if (q->want_top)
		qmail_top(q, bk, name);
}

/* Files in dir (flat) and in its subdirectories: qmail-qstat's `find`. */
static long count_files(int fd, int depth)
{
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	long n = 0;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (e->d_type == DT_DIR && depth == 0) {
			long k = count_files(open_sub(dirfd(d), e->d_name), 1);
			if (k < 0) {
				n = -1;
				break;
			}
			n += k;
		} else if (e->d_type != DT_DIR) {
			n++;
		}
	}
	int saved = errno;
	closedir(d);
	errno = saved;
	return n;
}

static int qmail_scan(const char *queue, struct mailq *q, struct buf *err)
{
	static const char *const counted[] = { [QM_TODO] = "todo", [QM_LOCAL] = "local", [QM_REMOTE] = "remote" };
	const char *failed = NULL;
	int top = open(queue, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int mess = open_sub(top, "mess"), info = open_sub(top, "info"), local = open_sub(top, "local"),
	    remote = open_sub(top, "remote"), todo = open_sub(top, "todo");
	DIR *md = NULL;
	if (top < 0 || mess < 0 || !(md = fdopendir(mess))) {
		failed = top < 0 ? "" : "/mess";
		goto out;
	}
	for (int i = 0; i < 3; i++) {
		int fd = open_sub(top, counted[i]);
		long n = count_files(fd, 0);
		if (n < 0 && (errno != ENOENT || i == QM_TODO)) {
			failed = i == QM_TODO ? "/todo" : i == QM_LOCAL ? "/local" : "/remote";
			goto out;
		}
		q->count[i] = n < 0 ? 0 : (unsigned long)n;
	}
	struct dirent *e;
	while ((e = readdir(md))) {
		if (e->d_name[0] == '.')
			continue;
		int sub = open_sub(dirfd(md), e->d_name);
		DIR *sd = sub >= 0 ? fdopendir(sub) : NULL;
		if (!sd) {
			if (sub >= 0)
				close(sub);
			if (errno == EACCES) {
				buf_printf(err, "%s/mess/%s: %s", queue, e->d_name, strerror(errno));
				failed = "";
				goto out;
			}
			continue;
		}
		struct bucket bk = { open_sub(info, e->d_name), open_sub(local, e->d_name), open_sub(remote, e->d_name),
		                     todo, open_sub(todo, e->d_name) };
		struct dirent *m;
		while ((m = readdir(sd)))
			if (m->d_name[0] != '.')
				qmail_message(q, dirfd(sd), &bk, m->d_name);
		closedir(sd);
		int fds[] = { bk.info, bk.local, bk.remote, bk.todo_n };
		for (size_t i = 0; i < sizeof fds / sizeof *fds; i++)
			if (fds[i] >= 0)
				close(fds[i]);
	}
out:;
	int e2 = errno;
	if (failed && !err->len)   /* the bucket that failed wrote its own */
		buf_printf(err, "%s%s: %s", queue, failed, strerror(e2));
	if (md)
		closedir(md);
	else if (mess >= 0)
		close(mess);
	int fds[] = { top, info, local, remote, todo };
	for (size_t i = 0; i < sizeof fds / sizeof *fds; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	errno = e2;
	return failed ? -1 : 0;
}

int qmail_measure(struct mailq *q, bool raised, struct buf *method, struct buf *err)
{
	struct buf queue = BUF_INIT;
	/* the queue is compiled into qmail: a home from argv is read without privilege */
	if (raised && q->config_dir) {
		priv_drop();
		raised = false;
	}
	buf_printf(&queue, "%s/queue", q->config_dir ? q->config_dir : "/var/qmail");
	if (raised && !mq_owner_only_writable(queue.s))
		priv_drop();
	int rc = qmail_scan(queue.s, q, err);
	if (rc < 0 && errno == EACCES)
		buf_puts(err, " (needs root or CAP_DAC_READ_SEARCH; qmail-qstat needs them too)");
	else if (rc == 0)
		buf_printf(method, "counted in %s%s", queue.s, mq_privilege_note());
	buf_free(&queue);
	return rc;
}
