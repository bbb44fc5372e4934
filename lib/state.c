#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "proc.h"
#include "timeout.h"

const char *state_dir(void)
{
	const char *d = getauxval(AT_SECURE) ? NULL : getenv("MAMORI_STATE_DIR");
	return d && *d ? d : STATEDIR;
}

/* plugin + "." + key with every byte outside [A-Za-z0-9._-] as %XX (and
 * a leading '.', so no key names "." or ".." or a hidden file) */
bool state_file_name(char *out, size_t size, const char *plugin, const char *key)
{
	size_t n = (size_t)snprintf(out, size, "%s.", plugin);
	if (n >= size)
		return false;
	for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
		bool plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		             ((*p == '.' || *p == '_' || *p == '-') && p != (const unsigned char *)key);
		if (n + 4 >= size)
			return false;
		n += (size_t)snprintf(out + n, size - n, plain ? "%c" : "%%%02X", *p);
	}
	return true;
}

/* mkdir -p: parents 0755 as a package would make them, the state dir 0700 */
static int make_dirs(const char *dir)
{
	char path[PATH_MAX];
	if ((size_t)snprintf(path, sizeof path, "%s", dir) >= sizeof path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(path, 0700) < 0 && errno != EEXIST ? -1 : 0;
}

const char *state_open(struct state_file *sf, const char *dir, const char *plugin, const char *key)
{
	static char why[PATH_MAX + 128];
	char name[NAME_MAX + 1];
	sf->lockfd = -1;
	if (!dir)
		dir = state_dir();
	if (!state_file_name(name, sizeof name - 5, plugin, key))
		return "the state key is too long";
	if ((size_t)snprintf(sf->path, sizeof sf->path, "%s/%s", dir, name) >= sizeof sf->path)
		return "the state path is too long";
	if (make_dirs(dir) < 0) {
		snprintf(why, sizeof why, "cannot create the state directory %s: %s", dir, strerror(errno));
		return why;
	}
	char lock[PATH_MAX + 8];
	snprintf(lock, sizeof lock, "%s.lock", sf->path);
	sf->lockfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (sf->lockfd < 0) {
		snprintf(why, sizeof why, "cannot open %s: %s", lock, strerror(errno));
		return why;
	}
	/* another run of the same check holds it: wait, but not past -t */
	while (flock(sf->lockfd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			snprintf(why, sizeof why, "cannot lock %s: %s", lock, strerror(errno));
			state_close(sf);
			return why;
		}
		if (timeout_remaining() < 0.2) {
			state_close(sf);
			return "another run of this check holds its state";
		}
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	return NULL;
}

const char *state_read(struct state_file *sf, struct buf *out)
{
	static char why[PATH_MAX + 64];
	buf_reset(out);
	/* a state is small; 16 MB is far past any real one */
	if (read_file_buf(AT_FDCWD, sf->path, out, 16 << 20, false) < 0) {
		if (errno == ENOENT) {
			buf_add(out, "", 0);
			return NULL;
		}
		snprintf(why, sizeof why, "cannot read %s: %s", sf->path, strerror(errno));
		return why;
	}
	return NULL;
}

const char *state_write(struct state_file *sf, const void *data, size_t len)
{
	static char why[PATH_MAX + 64];
	char tmp[PATH_MAX + 16];
	snprintf(tmp, sizeof tmp, "%s.tmp", sf->path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		goto bad;
	const char *p = data;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			goto bad;
		}
		p += n;
		len -= (size_t)n;
	}
	if (fsync(fd) < 0 || close(fd) < 0 || rename(tmp, sf->path) < 0)
		goto bad;
	/* the rename itself must reach the disk */
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s", sf->path);
	char *slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		int dfd = open(dir[0] ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
	}
	return NULL;
bad:
	snprintf(why, sizeof why, "cannot write %s: %s", sf->path, strerror(errno));
	unlink(tmp);
	return why;
}

void state_close(struct state_file *sf)
{
	if (sf->lockfd >= 0)
		close(sf->lockfd);  /* releases the flock */
	sf->lockfd = -1;
}
