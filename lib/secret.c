#include "secret.h"
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *kind_of(mode_t m)
{
	return S_ISDIR(m) ? "a directory" : S_ISFIFO(m) ? "a FIFO" : S_ISCHR(m) ? "a character device"
	     : S_ISBLK(m) ? "a block device" : S_ISSOCK(m) ? "a socket" : "not a plain file";
}

int file_open_regular(const char *path, int extra_flags, struct stat *st, char *why, size_t size)
{
	/* O_NONBLOCK: opening a FIFO with no writer would otherwise wait
	 * for one, before any fstat could refuse it */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | extra_flags);
	if (fd < 0) {
		int e = errno;
		struct stat lst, tst;
		bool link = (e == ENOENT || e == ELOOP) && lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode);
		if (link && stat(path, &tst) < 0 && errno == ENOENT)
			snprintf(why, size, "a dangling symlink");
		else if (link && e == ELOOP && (extra_flags & O_NOFOLLOW))
			snprintf(why, size, "a symlink (refused: the file itself is wanted)");
		else
			snprintf(why, size, "%s", strerror(e));
		errno = e;
		return -1;
	}
	if (fstat(fd, st) < 0) {
		int e = errno;
		snprintf(why, size, "%s", strerror(e));
		close(fd);
		errno = e;
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		snprintf(why, size, "not a regular file: %s", kind_of(st->st_mode));
		close(fd);
		errno = S_ISDIR(st->st_mode) ? EISDIR : EINVAL;
		return -1;
	}
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	return fd;
}

const char *file_read_all(const char *path, size_t max, struct buf *out)
{
	static char why[4096 + 160];
	char r[128];
	struct stat st;
	int fd = file_open_regular(path, 0, &st, r, sizeof r);
	if (fd < 0) {
		snprintf(why, sizeof why, "%.4000s: %s", path, r);
		return why;
	}
	if ((unsigned long long)st.st_size > max) {
		close(fd);
		snprintf(why, sizeof why, "%.4000s: larger than %zu bytes", path, max);
		return why;
	}
	/* the size may grow after fstat: the bound holds while reading too */
	int rc = read_fd_buf(fd, out, max, false);
	int e = errno;
	close(fd);
	if (rc < 0) {
		if (e == EFBIG)
			snprintf(why, sizeof why, "%.4000s: larger than %zu bytes", path, max);
		else
			snprintf(why, sizeof why, "%.4000s: %s", path, strerror(e));
		return why;
	}
	buf_cstr(out);
	return NULL;
}

const char *file_check_pem(const char *path)
{
	static char why[160];
	enum { PEM_MAX = 4 * 1024 * 1024 };
	char r[128];
	struct stat st;
	int fd = file_open_regular(path, 0, &st, r, sizeof r);
	if (fd < 0) {
		snprintf(why, sizeof why, "cannot read it: %s", r);
		return why;
	}
	why[0] = '\0';
	if (access(path, R_OK) != 0)   /* the real user's right, as the TLS library will open it */
		snprintf(why, sizeof why, "cannot read it: %s", strerror(errno));
	else if (st.st_size == 0)
		snprintf(why, sizeof why, "empty");
	else if (st.st_size > PEM_MAX)
		snprintf(why, sizeof why, "larger than %d bytes: not a PEM file", PEM_MAX);
	else {
		/* PEM is text with a -----BEGIN line near its start (after
		 * some comment lines in some CA bundles) */
		char head[65536];
		ssize_t n = read(fd, head, sizeof head - 1);
		if (n < 0)
			snprintf(why, sizeof why, "%s", strerror(errno));
		else {
			head[n] = '\0';
			if (memchr(head, '\0', (size_t)n))
				snprintf(why, sizeof why, "not a PEM file (it holds a NUL byte)");
			else if (!strstr(head, "-----BEGIN "))
				snprintf(why, sizeof why, "not a PEM file (no -----BEGIN line)");
		}
	}
	close(fd);
	return why[0] ? why : NULL;
}

const char *secret_read_file(const char *path, char *out, size_t size)
{
	static char why[4096 + 160];
	char r[128];
	struct stat st;
	out[0] = '\0';
	int fd = file_open_regular(path, O_NOFOLLOW, &st, r, sizeof r);
	if (fd < 0) {
		snprintf(why, sizeof why, "secret file %.4000s: cannot open it: %s", path, r);
		return why;
	}
	if (st.st_mode & 077) {
		close(fd);
		snprintf(why, sizeof why, "secret file %.4000s: mode %04o: it must be 0600 or stricter",
		         path, (unsigned)(st.st_mode & 07777));
		return why;
	}
	if (st.st_uid != geteuid() && st.st_uid != 0) {
		close(fd);
		snprintf(why, sizeof why, "secret file %.4000s: belongs to another user", path);
		return why;
	}
	ssize_t n = read(fd, out, size - 1);
	int e = errno;
	close(fd);
	if (n < 0) {
		snprintf(why, sizeof why, "secret file %.4000s: %s", path, strerror(e));
		return why;
	}
	out[n] = '\0';
	/* the first line by bytes, not by strlen: a NUL must not hide in it */
	size_t line = 0;
	while (line < (size_t)n && out[line] != '\n' && out[line] != '\r')
		line++;
	const char *bad = line == (size_t)n && (size_t)n == size - 1 ? "the secret is too long"
	                : memchr(out, '\0', line) ? "the secret holds a NUL byte"
	                : NULL;
	out[line] = '\0';
	if (!bad && !out[0])
		bad = n == 0 ? "empty" : "the first line is empty";
	if (bad) {
		memset(out, 0, size);   /* not a half secret left in memory */
		snprintf(why, sizeof why, "secret file %.4000s: %s", path, bad);
		return why;
	}
	return NULL;
}

const char *secret_from_env(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}
