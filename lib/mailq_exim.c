/* exim's queue: one message is one -H file in the input/ directory of the
 * spool that `exim -bP spool_directory` names (else Debian's or RHEL's
 * default), or in input/'s one-character subdirectories
 * (split_spool_directory; exim reads both, so do we). -D files are the
 * bodies, -J journals, hdr.* files being written: none is a message.
 * Without the right to read the spool, `exim -bpc` counts.
 *
 * The -H file (exim spec, chapter "Format of spool files", 57.1):
 *   ID-H                      the file's own name
 *   login uid gid
 *   <sender>                  empty for a bounce
 *   received-time warnings    seconds since the epoch
 *   -name [value]             variables, any order; "--name" tainted;
 *                             -aclc/-aclm NAME LEN and -acl N LEN are
 *                             followed by LEN bytes and a newline;
 *                             "-frozen TIME" when frozen
 *   XX | [YN][YN] address...  the tree of recipients done (preorder)
 *   N                         the recipients, then N lines, each an
 *                             address or "address DATA#FLAGS" (read
 *                             backwards as exim's spool_in.c does)
 *   (blank line)
 *   NNNc text                 headers: NNN bytes of text, to the end */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mailq.h"
#include "timeout.h"

enum { EX_WAITING, EX_FROZEN };   /* the row's queues */
enum { MAX_H_FILE = 16 << 20, MAX_TREE_DEPTH = 64, MAX_RCPTS = 16384 };

static const char *const exim_binaries[] = { "/usr/sbin/exim4", "/usr/sbin/exim" };
static const char *const default_spools[] = { "/var/spool/exim4", "/var/spool/exim" };

/* ---- the -H file ---- */

struct hfile {
	char *p, *end;
	const char **done;   /* the non-recipients: addresses delivered already */
	size_t ndone, capdone;
};

/* The next line, NUL-terminated in place; NULL at the end of the text or
 * when the last line has no newline (a file cut short). */
static char *next_line(struct hfile *h)
{
	if (h->p >= h->end)
		return NULL;
	char *nl = memchr(h->p, '\n', (size_t)(h->end - h->p));
	if (!nl)
		return NULL;
	char *l = h->p;
	*nl = 0;
	h->p = nl + 1;
	return l;
}

/* "[YN][YN] address", then the left subtree, then the right one */
static const char *read_tree(struct hfile *h, char *line, int depth)
{
	if (depth > MAX_TREE_DEPTH)
		return "non-recipients tree too deep";
	if (strlen(line) < 4 || !strchr("YN", line[0]) || !strchr("YN", line[1]) || line[2] != ' ')
		return "bad non-recipients line";
	if (h->ndone == h->capdone) {
		h->capdone = h->capdone ? 2 * h->capdone : 16;
		h->done = xrealloc(h->done, h->capdone * sizeof *h->done);
	}
	h->done[h->ndone++] = line + 3;
	for (int side = 0; side < 2; side++) {
		if (line[side] != 'Y')
			continue;
		char *sub = next_line(h);
		if (!sub)
			return "truncated in the non-recipients tree";
		const char *why = read_tree(h, sub, depth + 1);
		if (why)
			return why;
	}
	return NULL;
}

/* "address DATA#FLAGS": bit 1, errors_to (LEN,PNO at the end); bit 2, orcpt
 * (LEN,DSNFLAGS before it). The address is what is left. */
static const char *rcpt_address(char *line)
{
	size_t n = strlen(line);
	if (n < 1)
		return NULL;
	char *p = line + n - 1;
	while (p > line && isdigit((unsigned char)*p))
		p--;
	if (*p == ',') {            /* exim 3: address d,d,d */
		while (p > line && (isdigit((unsigned char)p[-1]) || p[-1] == ','))
			p--;
		if (p > line && p[-1] == ' ')
			p[-1] = 0;
	} else if (*p == ' ' && p > line) {   /* early exim 4: address pno */
		*p = 0;
	} else if (*p == '#') {
		int flags = atoi(p + 1);
		for (int bit = 1; bit <= 2; bit <<= 1) {
			if (!(flags & bit))
				continue;
			/* back over "LEN,N", then LEN bytes of value and a space */
			while (p > line && (isdigit((unsigned char)p[-1]) || p[-1] == ',' || p[-1] == '-'))
				p--;
			long len = strtol(p, NULL, 10);
			/* compared without len + 2, which a huge LEN would overflow */
			if (len < 0 || len > (p - line) - 2 || p[-1] != ' ' || p[-len - 2] != ' ')
				return NULL;
			p -= len + 2;   /* the space before the value ends the address */
			*p = 0;
		}
		if (!(flags & 3))
			*p = 0;
	}
	return line;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Parse text (the whole -H file) named name: 0 and the fields, or -1 with
 * a static reason. With want_top the sender and the recipients still to
 * deliver go into the tallies, once the whole file has parsed. */
const char *exim_parse(struct mailq *q, char *text, size_t len, const char *name,
                       time_t *arrival, bool *frozen)
{
	struct hfile h = { text, text + len, NULL, 0, 0 };
	const char *why = NULL;
	char *l, *sender;
	char **rcpts = NULL;
	long nrcpt = 0;
	long long t;
	int warnings;
	*frozen = false;
	if (!(l = next_line(&h)) || strcmp(l, name) != 0) {
		why = l ? "first line is not the file's name" : "truncated (empty)";
		goto out;
	}
	if (!(l = next_line(&h)) || !strchr(l, ' ')) {
		why = l ? "bad login uid gid line" : "truncated in the envelope";
		goto out;
	}
	if (!(sender = next_line(&h)) || sender[0] != '<' || strlen(sender) < 2 || sender[strlen(sender) - 1] != '>') {
		why = sender ? "bad sender line (not <address>)" : "truncated in the envelope";
		goto out;
	}
	if (!(l = next_line(&h)) || sscanf(l, "%lld %d", &t, &warnings) != 2) {
		why = l ? "bad received time line" : "truncated in the envelope";
		goto out;
	}
	*arrival = (time_t)t;
	/* the variables: the first line not starting with '-' is the tree */
	for (;;) {
		if (!(l = next_line(&h))) {
			why = "truncated in the variables";
			goto out;
		}
		if (l[0] != '-')
			break;
		const char *var = l + (l[1] == '-' ? 2 : 1);
		if (!strncmp(var, "aclc ", 5) || !strncmp(var, "aclm ", 5) || !strncmp(var, "acl ", 4)) {
			/* the value follows on its own line(s): LEN bytes and a newline */
			const char *sp = strrchr(var, ' ');
			char *e;
			long n = strtol(sp + 1, &e, 10);
			if (*e || n < 0 || n >= h.end - h.p || h.p[n] != '\n') {
				why = "bad ACL variable";
				goto out;
			}
			h.p += n + 1;
		} else if (!strncmp(var, "frozen ", 7)) {
			*frozen = true;
		}
	}
	if (strcmp(l, "XX") != 0 && (why = read_tree(&h, l, 0)))
		goto out;
	char *e;
	if (!(l = next_line(&h)) || (nrcpt = strtol(l, &e, 10), e == l || *e || nrcpt < 0 || nrcpt > MAX_RCPTS)) {
		why = l ? "bad recipient count" : "truncated before the recipients";
		nrcpt = 0;
		goto out;
	}
	rcpts = xcalloc((size_t)nrcpt + 1, sizeof *rcpts);
	for (long i = 0; i < nrcpt; i++) {
		if (!(l = next_line(&h))) {
			why = "truncated in the recipients";
			goto out;
		}
		if (!(rcpts[i] = (char *)rcpt_address(l))) {
			why = "bad recipient line";
			goto out;
		}
	}
	if (!(l = next_line(&h)) || *l) {
		why = l ? "no blank line before the headers" : "truncated before the headers";
		goto out;
	}
	/* the headers: "NNNc " and NNN bytes, up to the end exactly */
	while (h.p < h.end) {
		char *s = h.p;
		long n = strtol(s, &e, 10);
		if (e == s || n <= 0 || e + 1 >= h.end) {
			why = "bad header length";
			goto out;
		}
		e++;   /* the flag character */
		while (e < h.end && *e == ' ')
			e++;
		if (n > h.end - e) {
			why = "truncated in the headers";
			goto out;
		}
		if (memchr(e, 0, (size_t)n)) {
			why = "NUL in a header";
			goto out;
		}
		h.p = e + n;
	}
	if (q->want_top) {
		sender[strlen(sender) - 1] = 0;
		mq_count_sender(q, sender + 1);
		if (h.ndone)
			qsort(h.done, h.ndone, sizeof *h.done, cmp_str);
		for (long i = 0; i < nrcpt; i++)
			if (!h.ndone || !bsearch(&rcpts[i], h.done, h.ndone, sizeof *h.done, cmp_str))
				mq_count_rcpt(q, rcpts[i]);
	}
out:
	free(h.done);
	free(rcpts);
	return why;
}

/* ---- the spool ---- */

static void exim_file(struct mailq *q, int dirfd, const char *name, struct buf *text)
{
	time_t arrival = 0;
	bool frozen = false;
	const char *why = NULL;
	q->msg_seq++;
	if (mq_read_file(dirfd, name, text, MAX_H_FILE) < 0) {
		if (errno == ENOENT)
			return;   /* delivered between readdir and open */
		why = errno == EFBIG ? "larger than 16 MB" : errno == EINVAL ? "not a regular file" : strerror(errno);
	} else {
		why = exim_parse(q, text->s, text->len, name, &arrival, &frozen);
	}
	mq_count(q, frozen ? EX_FROZEN : EX_WAITING, why ? 0 : arrival);
	if (why)
		mq_problem(q, name, why);
}

/* input/ and (depth 0) its one-character subdirectories */
static int exim_dir(struct mailq *q, int fd, int depth, struct buf *text)
{
	DIR *d = fdopendir(fd);
	if (!d) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	struct dirent *e;
	int rc = 0;
	errno = 0;
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		if (e->d_name[0] == '.')
			continue;
		if (depth == 0 && n == 1 && (e->d_type == DT_DIR || e->d_type == DT_UNKNOWN)) {
			int sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0 && exim_dir(q, sub, 1, text) < 0) {
				rc = -1;
				break;
			}
			if (sub < 0 && errno == EACCES) {
				rc = -1;
				break;
			}
		} else if (n > 2 && !strcmp(e->d_name + n - 2, "-H")) {
			exim_file(q, dirfd(d), e->d_name, text);
		}
		errno = 0;
	}
	int saved = errno;
	closedir(d);
	errno = saved;
	return saved || rc < 0 ? -1 : 0;
}

static int exim_scan(const char *spool, struct mailq *q, struct buf *err)
{
	struct buf path = BUF_INIT, text = BUF_INIT;
	buf_printf(&path, "%s/input", spool);
	int rc = 0, fd = open(path.s, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		/* exim creates input/ with the first message */
		buf_printf(&q->notes, "%sno %s directory (exim has not created it yet): 0", q->notes.len ? "\n" : "", path.s);
	} else if (fd < 0 || exim_dir(q, fd, 0, &text) < 0) {
		int e = errno;
		buf_printf(err, "%s: %s", path.s, strerror(e));
		errno = e;
		rc = -1;
	}
	buf_free(&path);
	buf_free(&text);
	return rc;
}

/* ---- exim itself: the spool's name, and the count when we may not read ---- */

static const char *exim_binary(void)
{
	for (size_t i = 0; i < sizeof exim_binaries / sizeof *exim_binaries; i++)
		if (access(exim_binaries[i], X_OK) == 0)
			return exim_binaries[i];
	return NULL;
}

/* bin [-C conf] opt: its output, trimmed; 0, or -1 with the reason */
static int exim_ask(const char *bin, const char *conf, const char *opt, const char *opt2, struct buf *out,
                    struct buf *err)
{
	char *argv[6];
	int a = 0;
	argv[a++] = (char *)bin;
	if (conf) {
		argv[a++] = (char *)"-C";
		argv[a++] = (char *)conf;
	}
	argv[a++] = (char *)opt;
	if (opt2)
		argv[a++] = (char *)opt2;
	argv[a] = NULL;
	double limit = timeout_remaining() - 1;
	if (limit > 5)
		limit = 5;
	bool to;
	buf_reset(out);
	int st = mq_run(argv, limit, out, &to);
	if (to || st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		struct buf what = BUF_INIT;
		buf_printf(&what, "%s %s%s%s", bin, opt, opt2 ? " " : "", opt2 ? opt2 : "");
		mq_describe_exit(err, what.s, st, to, limit);
		buf_free(&what);
		return -1;
	}
	while (out->len && (out->s[out->len - 1] == '\n' || out->s[out->len - 1] == ' '))
		out->s[--out->len] = 0;
	return 0;
}

/* "spool_directory = /var/spool/exim4" */
static int exim_spool_dir(const char *bin, const char *conf, struct buf *dir, struct buf *err)
{
	struct buf out = BUF_INIT;
	int rc = exim_ask(bin, conf, "-bP", "spool_directory", &out, err);
	const char *v = rc == 0 ? strstr(buf_cstr(&out), "spool_directory = ") : NULL;
	if (rc == 0 && (out.s != v || v[18] != '/' || strchr(v, '\n'))) {
		buf_printf(err, "%s -bP spool_directory gave no absolute path", bin);
		rc = -1;
	}
	if (rc == 0)
		buf_puts(dir, v + 18);
	buf_free(&out);
	return rc;
}

/* `exim -bpc`: the number of messages, frozen or not */
static int exim_bpc(const char *bin, const char *conf, struct mailq *q, struct buf *err)
{
	struct buf out = BUF_INIT;
	int rc = exim_ask(bin, conf, "-bpc", NULL, &out, err);
	char *e;
	unsigned long n = rc == 0 ? strtoul(buf_cstr(&out), &e, 10) : 0;
	if (rc == 0 && (e == out.s || *e)) {
		buf_printf(err, "%s -bpc gave no number", bin);
		rc = -1;
	}
	if (rc == 0) {
		q->count[EX_WAITING] = n;
		q->total = n;
		buf_printf(&q->notes, "%sexim -bpc counts frozen messages with the rest; no age, no --top",
		           q->notes.len ? "\n" : "");
	}
	buf_free(&out);
	return rc;
}

int exim_measure(struct mailq *q, bool raised, struct buf *method, struct buf *err)
{
	const char *conf = q->config_dir;   /* -d: a configuration file, as exim -C takes it */
	const char *bin = exim_binary();
	struct buf dir = BUF_INIT, why = BUF_INIT;
	int rc = -1;
	if (raised && conf) {
		/* with privilege: only a configuration root controls names the spool */
		char *parent = xstrdup(conf);
		*strrchr(parent, '/') = 0;
		if (!mq_root_controlled(*parent ? parent : "/") || !mq_root_controlled(conf)) {
			priv_drop();
			raised = false;
		}
		free(parent);
	}
	if (!bin)
		buf_printf(&why, "no %s or %s", exim_binaries[0], exim_binaries[1]);
	if (bin && exim_spool_dir(bin, conf, &dir, &why) == 0) {
		buf_printf(method, "counted in %s/input", dir.s);
	} else if (conf) {
		buf_printf(err, "cannot learn the spool_directory of %s: %s", conf, why.s);
		goto out;
	} else {
		for (size_t i = 0; i < sizeof default_spools / sizeof *default_spools && !dir.len; i++)
			if (access(default_spools[i], F_OK) == 0)
				buf_puts(&dir, default_spools[i]);
		if (!dir.len) {
			buf_printf(err, "no exim spool: %s; no %s or %s", why.s, default_spools[0], default_spools[1]);
			goto out;
		}
		buf_printf(method, "counted in %s/input (the default: %s)", dir.s, why.s);
	}
	/* the spool belongs to exim's user: nobody else may write there */
	if (raised && !mq_owner_only_writable(dir.s))
		priv_drop();
	if (exim_scan(dir.s, q, err) == 0) {
		buf_puts(method, mq_privilege_note());
		rc = 0;
	} else if (errno == EACCES && bin) {
		priv_drop();
		struct mailq fresh = { .want_top = q->want_top, .config_dir = q->config_dir };
		mailq_free(q);
		*q = fresh;
		buf_reset(method);
		buf_printf(method, "exim -bpc (%s)", err->s);
		buf_reset(err);
		if (exim_bpc(bin, conf, q, err) == 0) {
			rc = 0;
		} else {
			buf_reset(&why);
			buf_printf(&why, "cannot read the queue: %s; %s", method->s, err->s);
			buf_reset(err);
			buf_puts(err, why.s);
		}
	} else if (errno == EACCES) {
		buf_puts(err, " (needs root or CAP_DAC_READ_SEARCH)");
	}
out:
	buf_free(&dir);
	buf_free(&why);
	return rc;
}
