/* The parts of the mail queue every MTA shares: the table of MTAs and the
 * detection of the one here, the tallies behind --top, the children run
 * with argv, and privilege. See mailq.h. */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mailq.h"
#include "spawn.h"
#include "timeout.h"

enum { OUT_LIMIT = 64 << 20 };

/* ---- the MTAs: adding one is adding a row and its lib/mailq_MTA.c ---- */

const struct mq_mta mq_mtas[] = {
	/* the alternative's target names the MTA: RHEL's /usr/sbin/sendmail.postfix,
	 * sendmail.exim, sendmail.sendmail, qmail's /var/qmail/bin/sendmail.
	 * sendmail is the last row: every MTA's wrapper is called sendmail */
	{ "postfix", "postfix", { "/usr/sbin/postconf" },
	  { "active", "deferred", "hold", "incoming", "maildrop" }, postfix_measure },
	{ "exim", "exim", { "/usr/sbin/exim4", "/usr/sbin/exim" },
	  { "waiting", "frozen" }, exim_measure },
	{ "qmail", "qmail", { "/var/qmail/bin/qmail-send" },
	  { "todo", "local", "remote" }, qmail_measure },
	{ "sendmail", "sendmail", { "/etc/mail/sendmail.cf" },
	  { "mqueue", "clientmqueue" }, sendmail_measure },
	{ NULL, NULL, { NULL }, { NULL }, NULL },
};

const struct mq_mta *mq_mta_find(const char *name)
{
	for (const struct mq_mta *m = mq_mtas; m->name; m++)
		if (!strcmp(m->name, name))
			return m;
	return NULL;
}

const struct mq_mta *mq_detect(const char *alternatives_link, const char **how)
{
	char link[512];
	ssize_t n = readlink(alternatives_link, link, sizeof link - 1);
	if (n > 0) {
		link[n] = 0;
		*how = "the mta alternative";
		for (const struct mq_mta *m = mq_mtas; m->name; m++)
			if (strstr(link, m->alternative))
				return m;
	}
	*how = "what is installed";
	for (const struct mq_mta *m = mq_mtas; m->name; m++)
		for (int i = 0; i < 3 && m->installed[i]; i++)
			if (access(m->installed[i], F_OK) == 0)
				return m;
	*how = "default";
	return &mq_mtas[0];
}

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
	buf_free(&q->notes);
	tally_free(&q->senders);
	tally_free(&q->domains);
}

void mq_count(struct mailq *q, int which, time_t arrival)
{
	q->count[which]++;
	q->total++;
	if (arrival > 0 && (q->oldest == 0 || arrival < q->oldest))
		q->oldest = arrival;
}

void mq_problem(struct mailq *q, const char *id, const char *why)
{
	if (++q->unreadable <= MQ_MAX_PROBLEMS)
		buf_printf(&q->problems, "%s%s: %s", q->problems.len ? "\n" : "", id, why);
}

/* A tally key from envelope text anyone can choose: at most MQ_KEY_MAX
 * bytes (cut before a UTF-8 continuation byte), control characters as '?'
 * (a line break would forge lines of the --top list), domains lower case. */
static void clean_key(char out[MQ_KEY_MAX + 1], const char *s, bool lower)
{
	size_t i = 0;
	for (; s[i] && i < MQ_KEY_MAX; i++) {
		unsigned char c = (unsigned char)s[i];
		out[i] = c < 0x20 || c == 0x7f ? '?' : lower && c >= 'A' && c <= 'Z' ? (char)(c + 32) : (char)c;
	}
	/* a cut inside a character drops its first bytes too (at most 3:
	 * bytes that are not UTF-8 are cut where they are) */
	for (size_t k = i; s[i] && k > i - 3 && ((unsigned char)s[k] & 0xc0) == 0x80; k--)
		if (((unsigned char)s[k - 1] & 0xc0) == 0xc0) {
			i = k - 1;
			break;
		}
	out[i] = 0;
}

void mq_count_sender(struct mailq *q, const char *sender)
{
	char key[MQ_KEY_MAX + 1];
	clean_key(key, *sender ? sender : "<>", false);
	tally_add(&q->senders, key, q->msg_seq);
}

void mq_count_rcpt(void *q_, const char *addr)
{
	struct mailq *q = q_;
	const char *at = strrchr(addr, '@');
	char dom[MQ_KEY_MAX + 1];
	/* domains are case-insensitive: one row for Example.COM and example.com */
	clean_key(dom, at && at[1] ? at + 1 : "(no domain)", at && at[1]);
	tally_add(&q->domains, dom, q->msg_seq);
}

int mq_read_file(int dirfd, const char *name, struct buf *b, size_t limit)
{
	/* O_NONBLOCK: a FIFO planted in a spool must not hang the check */
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	struct stat st;
	int e = 0;
	if (fd < 0)
		return -1;
	buf_reset(b);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		e = EINVAL;
		goto out;
	}
	for (;;) {
		char chunk[16384];
		ssize_t n = read(fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			e = errno;
			break;
		}
		if (n == 0)
			break;
		if (b->len + (size_t)n > limit) {
			e = EFBIG;
			break;
		}
		buf_add(b, chunk, (size_t)n);
		if ((size_t)n < sizeof chunk)
			break;   /* a regular file reads short only at its end */
	}
out:
	close(fd);
	buf_cstr(b);
	if (e) {
		errno = e;
		return -1;
	}
	return 0;
}

/* ---- what privilege may read ---- */

bool mq_root_controlled(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && st.st_uid == 0 && !(st.st_mode & (S_IWGRP | S_IWOTH));
}

bool mq_config_root_controlled(const char *dir, const char *file)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/%s", dir, file);
	return mq_root_controlled(dir) && mq_root_controlled(path);
}

bool mq_owner_only_writable(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && !(st.st_mode & (S_IWGRP | S_IWOTH));
}

const char *mq_privilege_note(void)
{
	return geteuid() == 0 ? " (as root)" : priv_can_read_all() ? " (CAP_DAC_READ_SEARCH)" : "";
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

int mq_run(char *const argv[], double seconds, struct buf *out, bool *timed_out)
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

void mq_describe_exit(struct buf *err, const char *what, int st, bool timed_out, double seconds)
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
