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
#include "deb822.h"
#include "dpkg_version.h"
#include "linereader.h"

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

/* dpkg's pkg_name_is_illegal(): an alphanumeric first, then alphanumerics
 * and "-+._". dpkg refuses a status file with any other name. */
static bool package_name_ok(const char *n)
{
	if (!c_digit(*n) && !c_alpha(*n))
		return false;
	for (; *n; n++)
		if (!c_digit(*n) && !c_alpha(*n) && !strchr("-+._", *n))
			return false;
	return true;
}

/* One stanza of the status file; NULL or why it is corrupt. */
static const char *status_stanza(struct scan *st, struct stanza *s)
{
	if (!s->name)
		return "an entry without a Package field";
	if (!package_name_ok(s->name))
		return "an invalid Package name";
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
		else if (deb822_blank_line(line, n)) {
			if (in)
				why = status_stanza(st, &s);
			stanza_clear(&s);
			in = false;
		} else if (c_blank(line[0])) {
			if (!in)
				why = "a continuation line outside an entry";
		} else if (!deb822_field_line(line, n)) {
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
			if (deb822_blank_line(line, n))
				armor = false;
			continue;
		}
		if (signed_msg && !strncmp(line, "-----BEGIN PGP SIGNATURE", 24))
			break;
		if (signed_msg && !strncmp(line, "- ", 2)) {   /* dash-escaped */
			line += 2;
			n -= 2;
		}
		if (deb822_blank_line(line, n))
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
		if (deb822_blank_line(line, n)) {
			entry_end(st, li, &e, bad_versions);
			in = false;
		} else if (c_blank(line[0])) {
			bad = !in;
		} else if (strlen(line) != n || !deb822_field_line(line, n)) {
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
	const char *z = reader_compression(name);
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
void apt_complaint(const char *text, struct buf *why)
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
		apt_complaint(buf_cstr(&err), why);
		rc = -1;
	}
	buf_free(&err);
	return rc;
}
