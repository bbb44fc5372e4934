/* The audit log: one JSON line per step, written with one write(2) so
 * concurrent handlers never interleave. */
#include "engine.h"

#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "remote.h"
#include "state.h"

static void iso_time(time_t t, char *out, size_t size)
{
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(out, size, "%Y-%m-%dT%H:%M:%S%z", &tm);
}

void audit(const struct engine *e, const char *step, char *const argv[], int status, double secs,
           const char *outcome, const char *detail)
{
	char when[40];
	iso_time(time(NULL), when, sizeof when);
	json_t *o = json_object();
	json_object_set_new(o, "time", json_string(when));
	json_object_set_new(o, "host", json_string(e->host ? e->host : ""));
	json_object_set_new(o, "service", json_string(e->service ? e->service : ""));
	json_object_set_new(o, "runbook", json_string(e->rb ? e->rb->name : ""));
	json_object_set_new(o, "step", json_string(step));
	/* who acted, and on which login */
	struct passwd *pw = getpwuid(geteuid());
	json_object_set_new(o, "user", json_string(pw ? pw->pw_name : "?"));
	if (e->target && e->ssh_user) {
		char t[400];
		snprintf(t, sizeof t, "%s@%s:%u", e->ssh_user, e->target, e->ssh_port);
		json_object_set_new(o, "target", json_string(t));
	}
	if (argv) {
		struct buf cmd = BUF_INIT;
		remote_quote_argv(&cmd, (const char *const *)argv);
		json_object_set_new(o, "command", json_stringn(cmd.s ? cmd.s : "", cmd.len));
		buf_free(&cmd);
	} else {
		json_object_set_new(o, "command", json_null());
	}
	json_object_set_new(o, "exit", status >= 0 ? json_integer(status) : json_null());
	json_object_set_new(o, "duration", json_real((double)(long)(secs * 1000) / 1000));
	json_object_set_new(o, "outcome", json_string(outcome));
	if (detail && *detail) {
		/* remote text may be anything: keep only valid UTF-8 */
		json_t *d = json_string(detail);
		json_object_set_new(o, "detail", d ? d : json_string("(not UTF-8)"));
	}
	json_object_set_new(o, "pid", json_integer(getpid()));
	char *line = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!line)
		return;
	char path[4096];
	snprintf(path, sizeof path, "%s/recover.audit.jsonl", state_dir());
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd >= 0) {
		struct buf b = BUF_INIT;
		buf_puts(&b, line);
		buf_putc(&b, '\n');
		/* one write: concurrent handlers' lines never interleave */
		ssize_t w = write(fd, b.s, b.len);
		(void)w;
		buf_free(&b);
		close(fd);
	}
	free(line);
}

