#include "secret.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *secret_read_file(const char *path, char *out, size_t size)
{
	static char why[160];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		snprintf(why, sizeof why, "cannot open the secret file: %s", strerror(errno));
		return why;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return "the secret file is not a regular file";
	}
	if (st.st_mode & 077) {
		close(fd);
		snprintf(why, sizeof why, "the secret file has mode %04o: it must be 0600 or stricter",
		         (unsigned)(st.st_mode & 07777));
		return why;
	}
	if (st.st_uid != geteuid() && st.st_uid != 0) {
		close(fd);
		return "the secret file belongs to another user";
	}
	ssize_t n = read(fd, out, size - 1);
	close(fd);
	if (n < 0)
		return "cannot read the secret file";
	out[n] = '\0';
	out[strcspn(out, "\r\n")] = '\0';
	if ((size_t)n == size - 1 && !memchr(out, '\n', (size_t)n) && strlen(out) == (size_t)n)
		return "the secret is too long";
	if (!out[0])
		return "the secret file is empty";
	return NULL;
}

const char *secret_from_env(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}
