/* sendmail's queues: the qf files, one line per item (doc/op, "Queue file
 * formats"), of the QueueDirectory of sendmail.cf and submit.cf. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mailq.h"
#include "proc.h"

/* submissions wait in clientmqueue: the row's queues are mqueue, clientmqueue */
enum { SM_MQUEUE, SM_CLIENT, SM_NQUEUES };

static int sendmail_queue_dir(const char *cf, struct buf *dir, struct buf *err)
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
const char *sendmail_parse(struct mailq *q, char *text, size_t len, time_t *arrival)
{
	struct buf rcpts = BUF_INIT;
	char *sender = NULL;
	const char *why = NULL;
	time_t t_line = 0;
	if (len < 2 || memcmp(text + len - 2, ".\n", 2) != 0 || (len > 2 && text[len - 3] != '\n'))
		return "truncated (no final \".\" line)";
	if (memchr(text, 0, len))
		return "a NUL byte";   /* a text format: the lines after it would be lost */
	text[len - 1] = 0;
	char *save = NULL;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (l[0] == 'T') {
			char *e;
			errno = 0;
			long long t = strtoll(l + 1, &e, 10);
			if (e == l + 1 || *e || l[1] < '0' || l[1] > '9' || errno == ERANGE) {
				why = "bad T line";
				goto out;
			}
			t_line = (time_t)t;
		} else if (l[0] == 'S') {
			sender = l + 1;
		} else if (l[0] == 'R') {
			/* "R<flags>:<address>" since 8.10, "R<address>" before */
			char *a = l + 1, *colon = strchr(a, ':');
			if (colon && strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == (size_t)(colon - a))
				a = colon + 1;
			a = strip_angle(a);
			buf_add(&rcpts, a, strlen(a) + 1);
		}
	}
	if (!sender) {
		why = "no S line";
		goto out;
	}
	*arrival = t_line;
	if (q->want_top) {
		mq_count_sender(q, strip_angle(sender));
		for (size_t i = 0; i < rcpts.len; i += strlen(rcpts.s + i) + 1)
			mq_count_rcpt(q, rcpts.s + i);
	}
out:
	buf_free(&rcpts);
	return why;
}

static const char *sendmail_qf(struct mailq *q, int dirfd, const char *name, time_t *arrival)
{
	struct buf b = BUF_INIT;
	const char *why;
	if (read_file_buf(dirfd, name, &b, 16 << 20, false) < 0)
		/* "": gone between readdir and open (delivered), not a problem */
		why = errno == ENOENT ? "" : errno == EFBIG ? "larger than 16 MB" : strerror(errno);
	else
		why = sendmail_parse(q, b.s, b.len, arrival);
	buf_free(&b);
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
		mq_count(q, which, why ? 0 : arrival);
		if (why)
			mq_problem(q, e->d_name, why);
	}
	closedir(d);
	return 0;
}

static int sendmail_scan(const char *pattern, int which, struct mailq *q, struct buf *err)
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


/* mqueue from sendmail.cf, clientmqueue from submit.cf. No unprivileged
 * fallback: sendmail has no showq service to ask. */
int sendmail_measure(struct mailq *q, bool raised, struct buf *method, struct buf *err)
{
	static const char *const cf[SM_NQUEUES] = { "sendmail.cf", "submit.cf" };
	const char *etc = q->config_dir ? q->config_dir : "/etc/mail";
	struct buf dir = BUF_INIT, path = BUF_INIT;
	int rc = 0;
	buf_puts(method, "counted in");
	for (int i = 0; i < SM_NQUEUES && rc == 0; i++) {
		buf_reset(&path);
		buf_printf(&path, "%s/%s", etc, cf[i]);
		if (i == SM_CLIENT && access(path.s, F_OK) < 0 && errno == ENOENT)
			continue;   /* no submit.cf: no separate submission queue */
		if (raised && !mq_config_root_controlled(etc, cf[i])) {
			priv_drop();
			raised = false;
		}
		rc = sendmail_queue_dir(path.s, &dir, err);
		if (rc == 0)
			rc = sendmail_scan(dir.s, i, q, err);
		if (rc < 0 && errno == EACCES)
			buf_puts(err, " (needs root or CAP_DAC_READ_SEARCH)");
		else if (rc == 0)
			buf_printf(method, "%s %s", i ? "," : "", dir.s);
	}
	buf_puts(method, mq_privilege_note());
	buf_free(&dir);
	buf_free(&path);
	return rc;
}
