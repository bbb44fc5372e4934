#include "audit.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static const char *program = "mamori";

void audit_program(const char *name)
{
	program = name;
}

/* mkdir -p of the log's directory (the state dir may not exist yet). */
static void make_parent(const char *path)
{
	char dir[PATH_MAX];
	if ((size_t)snprintf(dir, sizeof dir, "%s", path) >= sizeof dir)
		return;
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return;
	*slash = '\0';
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(dir, 0755);
		*p = '/';
	}
	mkdir(dir, 0700);
}

static void set_str(json_t *o, const char *key, const char *v)
{
	json_object_set_new(o, key, v ? json_string(v) : json_null());
}

void audit_write(const struct conf *c, const struct audit_entry *e)
{
	const char *path = conf_audit_log(c);
	struct timeval tv;
	struct tm tm;
	char when[64];
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	size_t n = strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(when + n, sizeof when - n, ".%03ldZ", (long)(tv.tv_usec / 1000));

	json_t *o = json_object();
	json_object_set_new(o, "time", json_string(when));
	set_str(o, "channel", e->channel);
	set_str(o, "target", e->target);
	set_str(o, "id", e->id);
	set_str(o, "result", e->result);
	if (e->via)
		set_str(o, "via", e->via);
	set_str(o, "error", e->error);
	if (e->duration_ms >= 0)
		json_object_set_new(o, "duration_ms", json_real((double)(long)(e->duration_ms * 10) / 10));
	if (e->attempt > 0)
		json_object_set_new(o, "attempt", json_integer(e->attempt));
	json_object_set_new(o, "program", json_string(program));
	json_object_set_new(o, "pid", json_integer(getpid()));
	/* values were sanitised to UTF-8 before; an invalid one would make
	 * json_string return NULL and drop the key, not break the line */
	char *line = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(6));
	json_decref(o);
	if (!line)
		return;

	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 && errno == ENOENT) {
		make_parent(path);
		fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	}
	if (fd < 0) {
		fprintf(stderr, "%s: audit log %s: %s\n", program, path, strerror(errno));
		free(line);
		return;
	}
	size_t len = strlen(line);
	line[len] = '\n';  /* replaces the NUL: one write for the whole line */
	flock(fd, LOCK_EX);
	ssize_t w = write(fd, line, len + 1);
	flock(fd, LOCK_UN);
	if (w != (ssize_t)(len + 1))
		fprintf(stderr, "%s: audit log %s: short write\n", program, path);
	close(fd);
	free(line);
}
