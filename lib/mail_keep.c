/* Maildir delivery of kept mails (see mail_keep.h): write into tmp/,
 * fsync, link into new/ under the same unique name, as maildir(5) says,
 * so a reader never sees half a file. */
#include "mail_keep.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "buf.h"

static int mkdirs(const char *dir)
{
	char p[PATH_MAX];
	if ((size_t)snprintf(p, sizeof p, "%s", dir) >= sizeof p)
		return -1;
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	return mkdir(p, 0700) < 0 && errno != EEXIST ? -1 : 0;
}

static bool write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		s += w;
		n -= (size_t)w;
	}
	return true;
}

const char *mail_keep(const char *dir, const char *kind, const char *reason, const char *raw, size_t len,
                      int rest_fd, char *name, size_t size)
{
	static char why[PATH_MAX + 128];
	char sub[PATH_MAX], tmp[PATH_MAX], dst[PATH_MAX];
	static const char *const subs[] = { "tmp", "new", "cur" };
	for (int i = 0; i < 3; i++) {
		snprintf(sub, sizeof sub, "%s/%s", dir, subs[i]);
		if (mkdirs(sub) < 0) {
			snprintf(why, sizeof why, "cannot create %s: %s", sub, strerror(errno));
			return why;
		}
	}
	struct timeval tv;
	gettimeofday(&tv, NULL);
	char host[64] = "localhost";
	gethostname(host, sizeof host - 1);
	for (char *h = host; *h; h++)
		if (*h == '/' || *h == ':')
			*h = '_';
	static unsigned seq;
	char base[160];
	snprintf(base, sizeof base, "%lld.M%06ldP%dQ%u.%s", (long long)tv.tv_sec, (long)tv.tv_usec, (int)getpid(),
	         ++seq, host);
	snprintf(tmp, sizeof tmp, "%s/tmp/%s", dir, base);
	snprintf(dst, sizeof dst, "%s/new/%s", dir, base);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		snprintf(why, sizeof why, "cannot create %s: %s", tmp, strerror(errno));
		return why;
	}
	struct buf h = BUF_INIT;
	buf_printf(&h, "X-Mamori-Kept: %s\nX-Mamori-Reason: ", kind);
	for (const char *p = reason ? reason : ""; *p && h.len < 2000; p++)
		buf_putc(&h, (unsigned char)*p < 0x20 || *p == 0x7f ? ' ' : *p);
	buf_putc(&h, '\n');
	bool ok = write_all(fd, h.s, h.len) && write_all(fd, raw, len);
	buf_free(&h);
	if (ok && rest_fd >= 0) {
		char chunk[65536];
		for (;;) {
			ssize_t n = read(rest_fd, chunk, sizeof chunk);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				ok = false;
			if (n <= 0 || !(ok = write_all(fd, chunk, (size_t)n)))
				break;
		}
	}
	if (ok)
		ok = fsync(fd) == 0;
	int saved = errno;
	close(fd);
	if (!ok || link(tmp, dst) < 0) {
		if (ok)
			saved = errno;
		unlink(tmp);
		snprintf(why, sizeof why, "cannot keep the mail in %s: %s", dir, strerror(saved));
		return why;
	}
	unlink(tmp);
	if (name)
		snprintf(name, size, "%s", dst);
	return NULL;
}
