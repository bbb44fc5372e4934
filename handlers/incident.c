#include "incident.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "state.h"
#include "timeout.h"

static void copy_str(char *dst, size_t size, json_t *v)
{
	const char *s = json_string_value(v);
	snprintf(dst, size, "%s", s ? s : "");
}

bool incident_parse(struct incident *in, const char *text)
{
	memset(in, 0, sizeof *in);
	if (!text || !*text)
		return true;
	json_error_t e;
	json_t *o = json_loads(text, 0, &e);
	if (!o || !json_is_object(o)) {
		json_decref(o);
		return false;
	}
	in->open = json_is_true(json_object_get(o, "open"));
	in->opened = (time_t)json_integer_value(json_object_get(o, "opened"));
	in->acted = json_is_true(json_object_get(o, "acted"));
	in->gave_up = json_is_true(json_object_get(o, "gave_up"));
	in->escalated = json_is_true(json_object_get(o, "escalated"));
	json_t *r = json_object_get(o, "restarts");
	size_t i;
	json_t *t;
	json_array_foreach(r, i, t) {
		if (in->nrestarts < INCIDENT_MAX_RESTARTS && json_is_integer(t))
			in->restarts[in->nrestarts++] = (time_t)json_integer_value(t);
	}
	copy_str(in->last_action, sizeof in->last_action, json_object_get(o, "last_action"));
	copy_str(in->last_outcome, sizeof in->last_outcome, json_object_get(o, "last_outcome"));
	copy_str(in->problem_id, sizeof in->problem_id, json_object_get(o, "problem_id"));
	in->last_time = (time_t)json_integer_value(json_object_get(o, "last_time"));
	in->runs = (long)json_integer_value(json_object_get(o, "runs"));
	in->running_pid = (long)json_integer_value(json_object_get(o, "running_pid"));
	json_decref(o);
	return true;
}

void incident_format(const struct incident *in, struct buf *out)
{
	json_t *o = json_object();
	json_t *r = json_array();
	for (size_t i = 0; i < in->nrestarts; i++)
		json_array_append_new(r, json_integer((json_int_t)in->restarts[i]));
	json_object_set_new(o, "open", json_boolean(in->open));
	json_object_set_new(o, "opened", json_integer((json_int_t)in->opened));
	json_object_set_new(o, "acted", json_boolean(in->acted));
	json_object_set_new(o, "gave_up", json_boolean(in->gave_up));
	json_object_set_new(o, "escalated", json_boolean(in->escalated));
	json_object_set_new(o, "restarts", r);
	json_object_set_new(o, "last_action", json_string(in->last_action));
	json_object_set_new(o, "last_outcome", json_string(in->last_outcome));
	json_object_set_new(o, "last_time", json_integer((json_int_t)in->last_time));
	json_object_set_new(o, "runs", json_integer(in->runs));
	json_object_set_new(o, "running_pid", json_integer(in->running_pid));
	json_object_set_new(o, "problem_id", json_string(in->problem_id));
	char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	buf_reset(out);
	if (s) {
		buf_puts(out, s);
		buf_putc(out, '\n');
	}
	free(s);
	json_decref(o);
}

void incident_note_restart(struct incident *in, time_t now)
{
	if (in->nrestarts == INCIDENT_MAX_RESTARTS) {
		memmove(in->restarts, in->restarts + 1, (INCIDENT_MAX_RESTARTS - 1) * sizeof *in->restarts);
		in->nrestarts--;
	}
	in->restarts[in->nrestarts++] = now;
}

size_t incident_recent(const struct incident *in, time_t now, double window)
{
	size_t n = 0;
	for (size_t i = 0; i < in->nrestarts; i++)
		if ((double)(now - in->restarts[i]) < window)
			n++;
	return n;
}

/* The incident's lock for the whole run: a second handler for the same
 * incident finds it taken and leaves (wait > 0: wait that long for it). */
int incident_lock(const char *key, double wait)
{
	char path[PATH_MAX];
	size_t n = (size_t)snprintf(path, sizeof path, "%s/recover.", state_dir());
	for (const unsigned char *p = (const unsigned char *)key; *p && n + 4 < sizeof path - 8; p++) {
		bool plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		             *p == '.' || *p == '_' || *p == '-';
		n += (size_t)snprintf(path + n, sizeof path - n, plain ? "%c" : "%%%02X", *p);
	}
	snprintf(path + n, sizeof path - n, ".busy");
	mkdir(state_dir(), 0700);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -1;
	double end = monotonic_now() + wait;
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if ((errno != EWOULDBLOCK && errno != EINTR) || monotonic_now() >= end) {
			close(fd);
			return -2;
		}
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	return fd;
}

bool incident_load(const char *key, struct incident *in, bool *corrupt)
{
	struct state_file sf;
	struct buf text = BUF_INIT;
	*corrupt = false;
	if (state_open(&sf, NULL, "recover", key))
		return false;
	const char *why = state_read(&sf, &text);
	state_close(&sf);
	if (why || !incident_parse(in, buf_cstr(&text))) {
		/* a state we cannot read must not stop the runbook: start afresh */
		incident_parse(in, "");
		*corrupt = true;
	}
	buf_free(&text);
	return true;
}

const char *incident_save(const char *key, const struct incident *in)
{
	struct state_file sf;
	const char *why = state_open(&sf, NULL, "recover", key);
	if (why)
		return why;
	struct buf text = BUF_INIT;
	incident_format(in, &text);
	why = state_write(&sf, text.s, text.len);
	state_close(&sf);
	buf_free(&text);
	return why;
}
