/* check_updates' inputs: a dpkg status file, an apt Packages list and its
 * Release (or signed InRelease), separated by "\n%%\n", read by
 * apt_updates_read from files in a temp directory as from /var/lib; and
 * the whole input as apt-get update's stderr (--refresh's reason).
 * SOURCES: lib/updates.c lib/deb822.c lib/dpkg_version.c lib/linereader.c lib/secret.c lib/spawn.c */
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "updates.h"

static char dir[256], status[300], lists[300], list[400], release[400], inrelease[400];

static void put(const char *path, const char *s, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, s, n) != (ssize_t)n)
		abort();
	close(fd);
}

static void one_line(const char *s)
{
	if (!s || strchr(s, '\n'))
		abort();
}

static bool says_security(const char *s, size_t n)
{
	for (size_t i = 0; i + 8 <= n; i++)
		if (!strncasecmp(s + i, "security", 8))
			return true;
	return false;
}

static void cleanup(void)
{
	unlink(list);
	unlink(release);
	unlink(inrelease);
	unlink(status);
	rmdir(lists);
	rmdir(dir);
}

static void setup(void)
{
	/* tmpfs when there is one: ext4 flushes a file rewritten after
	 * O_TRUNC on close, which made each input cost milliseconds */
	const char *tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
	snprintf(dir, sizeof dir, "%s/fuzz_apt_updates.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		abort();
	snprintf(status, sizeof status, "%s/status", dir);
	snprintf(lists, sizeof lists, "%s/lists", dir);
	if (mkdir(lists, 0700) < 0)
		abort();
	const char *base = "deb.example_debian-security_dists_bookworm-security_";
	snprintf(list, sizeof list, "%s/%smain_binary-amd64_Packages", lists, base);
	snprintf(release, sizeof release, "%s/%sRelease", lists, base);
	snprintf(inrelease, sizeof inrelease, "%s/%sInRelease", lists, base);
	atexit(cleanup);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!*dir)
		setup();
	const char *part[3] = { "", "", "" };
	size_t len[3] = { 0, 0, 0 };
	const char *p = (const char *)data, *end = p + size;
	for (int i = 0; i < 3; i++) {
		const char *sep = i < 2 ? memmem(p, (size_t)(end - p), "\n%%\n", 4) : NULL;
		part[i] = p;
		len[i] = sep ? (size_t)(sep - p) + 1 : (size_t)(end - p);
		p = sep ? sep + 4 : end;
		if (!sep)
			break;
	}
	size_t status_lines = 1;
	for (size_t i = 0; i < len[0]; i++)
		status_lines += part[0][i] == '\n';
	put(status, part[0], len[0]);
	put(list, part[1], len[1]);
	bool armored = len[2] >= 5 && !memcmp(part[2], "-----", 5);
	unlink(armored ? release : inrelease);
	put(armored ? inrelease : release, part[2], len[2]);

	struct apt_updates u;
	struct buf err = BUF_INIT;
	if (apt_updates_read(status, lists, &u, &err) < 0) {
		/* refused: a one-line reason */
		if (!err.len || strchr(buf_cstr(&err), '\n'))
			abort();
	} else {
		if (u.lists + u.bad_lists != 1 || u.installed == 0 || u.installed > status_lines)
			abort();
		if (u.upgrades + u.held != u.n || u.security > u.upgrades || u.n > u.installed)
			abort();
		if (!u.bad_lists != !u.problems.len)
			abort();
		for (size_t i = 0; i < u.n; i++) {
			const struct update *x = &u.list[i];
			one_line(x->name);
			one_line(x->installed);
			one_line(x->candidate);
			one_line(x->origin);
			if (x->arch)
				one_line(x->arch);
			/* a version dpkg refuses is never compared: both are valid,
			 * and the candidate is newer */
			if (!*x->name || dpkg_version_check(x->installed) || dpkg_version_check(x->candidate) ||
			    dpkg_version_compare(x->candidate, x->installed) <= 0)
				abort();
			/* security first; only from a Release that says "security" */
			if ((i && x->security && !x[-1].security) || (x->security && !says_security(part[2], len[2])))
				abort();
		}
	}
	apt_updates_free(&u);
	buf_free(&err);

	/* apt-get's complaint: one line of it, at most 300 bytes, an error first */
	char *text = strndup((const char *)data, size);
	if (!text)
		return 0;
	struct buf why = BUF_INIT;
	apt_complaint(text, &why);
	const char *w = buf_cstr(&why);
	bool has_error = !strncmp(text, "E: ", 3) || strstr(text, "\nE: ");
	if (strchr(w, '\n') || why.len > 302 || (why.len && strncmp(w, ": ", 2)) ||
	    (has_error && strncmp(w, ": E: ", 5)) || (!why.len && strspn(text, "\n") != strlen(text)))
		abort();
	buf_free(&why);
	free(text);
	return 0;
}
