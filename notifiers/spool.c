#include "spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "channels.h"
#include "timeout.h"

void spool_new_id(char id[SPOOL_ID_MAX])
{
	unsigned char r[8];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	size_t n = strftime(id, SPOOL_ID_MAX, "%Y%m%dT%H%M%SZ-", &tm);
	if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r) {
		/* no entropy source: time and pid still make it unique enough */
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		unsigned long long v = ((unsigned long long)ts.tv_nsec << 20) ^ (unsigned long long)getpid();
		memcpy(r, &v, sizeof r);
	}
	for (size_t i = 0; i < sizeof r; i++)
		snprintf(id + n + 2 * i, SPOOL_ID_MAX - n - 2 * i, "%02x", r[i]);
}

bool spool_id_valid(const char *s)
{
	/* YYYYMMDDTHHMMSSZ-xxxxxxxxxxxxxxxx */
	static const char shape[] = "ddddddddTddddddZ-hhhhhhhhhhhhhhhh";
	if (strlen(s) != sizeof shape - 1)
		return false;
	for (size_t i = 0; shape[i]; i++) {
		char c = s[i];
		bool ok = shape[i] == 'd' ? (c >= '0' && c <= '9')
		        : shape[i] == 'h' ? ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))
		        : c == shape[i];
		if (!ok)
			return false;
	}
	return true;
}

static const char *mkdirs(const char *dir)
{
	static char why[PATH_MAX + 96];
	char path[PATH_MAX];
	if ((size_t)snprintf(path, sizeof path, "%s", dir) >= sizeof path)
		return "spool directory name too long";
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			goto bad;
		*p = '/';
	}
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		goto bad;
	return NULL;
bad:
	snprintf(why, sizeof why, "cannot create %s: %s", path, strerror(errno));
	return why;
}

static json_t *msg_json(const struct spool_msg *m)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(m->id));
	json_object_set_new(o, "channel", json_string(m->channel));
	json_object_set_new(o, "target", json_string(m->target ? m->target : ""));
	json_object_set(o, "payload", m->payload);
	json_object_set_new(o, "first_time", json_integer(m->first_time));
	json_object_set_new(o, "last_time", json_integer(m->last_time));
	json_object_set_new(o, "attempts", json_integer(m->attempts));
	json_object_set_new(o, "first_error", m->first_error ? json_string(m->first_error) : json_null());
	json_object_set_new(o, "last_error", m->last_error ? json_string(m->last_error) : json_null());
	return o;
}

static char *dup_or_null(json_t *v)
{
	return json_is_string(v) ? xstrdup(json_string_value(v)) : NULL;
}

static const char *msg_from_json(json_t *o, struct spool_msg *m)
{
	memset(m, 0, sizeof *m);
	const char *id = json_string_value(json_object_get(o, "id"));
	const char *ch = json_string_value(json_object_get(o, "channel"));
	json_t *payload = json_object_get(o, "payload");
	if (!id || !spool_id_valid(id) || !ch || !json_is_object(payload))
		return "not a spool file (id, channel or payload missing)";
	snprintf(m->id, sizeof m->id, "%s", id);
	m->channel = xstrdup(ch);
	m->target = dup_or_null(json_object_get(o, "target"));
	if (!m->target)
		m->target = xstrdup("");
	m->payload = json_incref(payload);
	m->first_time = (time_t)json_integer_value(json_object_get(o, "first_time"));
	m->last_time = (time_t)json_integer_value(json_object_get(o, "last_time"));
	m->attempts = (long)json_integer_value(json_object_get(o, "attempts"));
	m->first_error = dup_or_null(json_object_get(o, "first_error"));
	m->last_error = dup_or_null(json_object_get(o, "last_error"));
	return NULL;
}

void spool_msg_free(struct spool_msg *m)
{
	free(m->channel);
	free(m->target);
	json_decref(m->payload);
	free(m->first_error);
	free(m->last_error);
	memset(m, 0, sizeof *m);
}

static void fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* tmp + fsync + rename + fsync(dir): the whole message or none. */
static const char *write_msg(const char *dir, const struct spool_msg *m)
{
	static char why[PATH_MAX + 128];
	char tmp[PATH_MAX], path[PATH_MAX];
	snprintf(tmp, sizeof tmp, "%s/.tmp.%s.%ld", dir, m->id, (long)getpid());
	snprintf(path, sizeof path, "%s/%s.json", dir, m->id);
	json_t *o = msg_json(m);
	char *text = json_dumps(o, JSON_INDENT(1) | JSON_ENSURE_ASCII);
	json_decref(o);
	if (!text)
		return "cannot encode the message as JSON";
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		snprintf(why, sizeof why, "%s: %s", tmp, strerror(errno));
		free(text);
		return why;
	}
	size_t len = strlen(text), off = 0;
	text[len] = '\n';
	len++;
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	free(text);
	if (off != len || fsync(fd) < 0) {
		snprintf(why, sizeof why, "%s: %s", tmp, off != len ? "short write" : strerror(errno));
		close(fd);
		unlink(tmp);
		return why;
	}
	close(fd);
	if (rename(tmp, path) < 0) {
		snprintf(why, sizeof why, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return why;
	}
	fsync_dir(dir);
	return NULL;
}

const char *spool_put(const struct conf *c, const char *id, const char *channel, const char *target,
                      json_t *payload, const char *error)
{
	const char *dir = conf_spool_dir(c);
	const char *err = mkdirs(dir);
	if (err)
		return err;
	struct spool_msg m = { 0 };
	snprintf(m.id, sizeof m.id, "%s", id);
	m.channel = (char *)channel;
	m.target = (char *)target;
	m.payload = payload;
	m.first_time = m.last_time = time(NULL);
	m.attempts = 1;
	m.first_error = m.last_error = (char *)error;
	return write_msg(dir, &m);
}

const char *spool_read_fd(int fd, const char *path, struct spool_msg *m)
{
	static char why[PATH_MAX + 160];
	json_error_t je;
	json_t *o = json_loadfd(fd, 0, &je);
	if (!o) {
		snprintf(why, sizeof why, "%s: %s", path, je.text);
		/* one line: jansson quotes the bad text, line breaks and all
		 * (found by fuzz_spool) */
		for (char *p = why; *p; p++)
			if ((unsigned char)*p < 0x20)
				*p = ' ';
		return why;
	}
	const char *err = msg_from_json(o, m);
	json_decref(o);
	if (err) {
		snprintf(why, sizeof why, "%s: %s", path, err);
		return why;
	}
	return NULL;
}

const char *spool_load(const struct conf *c, const char *id, bool sent, struct spool_msg *m)
{
	static char why[PATH_MAX + 64];
	char path[PATH_MAX];
	memset(m, 0, sizeof *m);
	if (!spool_id_valid(id))
		return "not a spool id (YYYYMMDDTHHMMSSZ-16 hex digits)";
	snprintf(path, sizeof path, "%s/%s%s.json", conf_spool_dir(c), sent ? "sent/" : "", id);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, sizeof why, "%s: %s", path, strerror(errno));
		return why;
	}
	const char *err = spool_read_fd(fd, path, m);
	close(fd);
	return err;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *list_dir(const char *dir, char ***ids, size_t *n)
{
	static char why[PATH_MAX + 64];
	*ids = NULL;
	*n = 0;
	DIR *d = opendir(dir);
	if (!d) {
		int err = errno;
		/* no spool directory yet is an empty spool; any other error
		 * leaves *ids NULL (nothing for the caller to free) */
		if (err == ENOENT) {
			*ids = xcalloc(1, sizeof **ids);
			return NULL;
		}
		snprintf(why, sizeof why, "%s: %s", dir, strerror(err));
		return why;
	}
	size_t cap = 16;
	char **v = xcalloc(cap, sizeof *v);
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l < 6 || strcmp(e->d_name + l - 5, ".json"))
			continue;
		char id[SPOOL_ID_MAX];
		if (l - 5 >= sizeof id)
			continue;
		memcpy(id, e->d_name, l - 5);
		id[l - 5] = '\0';
		if (!spool_id_valid(id))
			continue;
		if (*n + 1 >= cap) {
			cap *= 2;
			v = xrealloc(v, cap * sizeof *v);
		}
		v[(*n)++] = xstrdup(id);
	}
	closedir(d);
	v[*n] = NULL;
	qsort(v, *n, sizeof *v, cmp_str);
	*ids = v;
	return NULL;
}

const char *spool_ids(const struct conf *c, char ***ids, size_t *n)
{
	return list_dir(conf_spool_dir(c), ids, n);
}

void spool_ids_free(char **ids)
{
	for (size_t i = 0; ids && ids[i]; i++)
		free(ids[i]);
	free(ids);
}

/* Claim DIR/ID.json: 1 claimed (fd holds the lock), 0 busy or gone. */
static int claim(const char *path, int *fd_out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return 0;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		close(fd);
		return 0;
	}
	/* still the file we opened? a flush that just finished moved it */
	struct stat a, b;
	if (fstat(fd, &a) < 0 || stat(path, &b) < 0 || a.st_ino != b.st_ino || a.st_dev != b.st_dev) {
		close(fd);
		return 0;
	}
	*fd_out = fd;
	return 1;
}

const char *spool_drop(const struct conf *c, const char *id, bool *found)
{
	static char why[PATH_MAX + 64];
	char path[PATH_MAX];
	*found = false;
	if (!spool_id_valid(id))
		return "not a spool id (YYYYMMDDTHHMMSSZ-16 hex digits)";
	snprintf(path, sizeof path, "%s/%s.json", conf_spool_dir(c), id);
	int fd;
	if (!claim(path, &fd)) {
		if (access(path, F_OK) == 0)
			return "the message is being sent right now";
		return NULL;
	}
	struct spool_msg m;
	const char *err = spool_read_fd(fd, path, &m);
	if (unlink(path) < 0) {
		snprintf(why, sizeof why, "%s: %s", path, strerror(errno));
		close(fd);
		if (!err)
			spool_msg_free(&m);
		return why;
	}
	*found = true;
	struct audit_entry e = { .channel = err ? NULL : m.channel, .target = err ? NULL : m.target, .id = id,
	                         .result = "dropped", .duration_ms = -1 };
	audit_write(c, &e);
	if (!err)
		spool_msg_free(&m);
	close(fd);
	return NULL;
}

/* Delete sent/ files older than [mamori] sent_keep_days. */
static void prune_sent(const char *sent, long keep_days)
{
	DIR *d = opendir(sent);
	if (!d)
		return;
	time_t limit = time(NULL) - keep_days * 86400;
	struct dirent *e;
	while ((e = readdir(d))) {
		struct stat st;
		if (e->d_name[0] == '.' || fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISREG(st.st_mode) && st.st_mtime < limit)
			unlinkat(dirfd(d), e->d_name, 0);
	}
	closedir(d);
}

enum { MAX_CHANNELS = 32 };

const char *spool_flush(const struct conf *c, const char *channel, double deadline, long max,
                        struct spool_stats *st)
{
	memset(st, 0, sizeof *st);
	const char *dir = conf_spool_dir(c);
	long keep = 7;
	const char *kv = conf_get(c, "mamori", "sent_keep_days");
	if (kv && conf_long(kv, 0, 3650, &keep))
		keep = 7;
	char sent[PATH_MAX];
	snprintf(sent, sizeof sent, "%s/sent", dir);
	if (keep > 0)
		prune_sent(sent, keep);

	char **ids;
	size_t n;
	const char *err = spool_ids(c, &ids, &n);
	if (err)
		return err;
	if (n && keep > 0)
		mkdirs(sent);
	void *states[MAX_CHANNELS] = { 0 };
	struct buf why = BUF_INIT, via = BUF_INIT;
	for (size_t i = 0; i < n; i++) {
		if (monotonic_now() >= deadline || (max > 0 && st->sent + st->failed >= max)) {
			st->skipped += (long)(n - i);
			break;
		}
		char path[PATH_MAX];
		int fd;
		snprintf(path, sizeof path, "%s/%s.json", dir, ids[i]);
		if (!claim(path, &fd)) {
			st->busy++;
			continue;
		}
		struct spool_msg m;
		if (spool_read_fd(fd, path, &m)) {
			close(fd);
			st->skipped++;
			continue;
		}
		const struct channel *ch = channel_find(m.channel);
		if ((channel && strcmp(channel, m.channel)) || !ch) {
			if (!ch) {
				struct audit_entry e = { .channel = m.channel, .target = m.target, .id = m.id,
				                         .result = "resend-failed", .error = "no such channel in this build",
				                         .duration_ms = -1 };
				audit_write(c, &e);
			}
			spool_msg_free(&m);
			close(fd);
			st->skipped++;
			continue;
		}
		size_t row = (size_t)(ch - channels);
		struct channel_msg cm = { .conf = c, .id = m.id, .payload = m.payload, .deadline = deadline };
		buf_reset(&why);
		buf_reset(&via);
		double t0 = monotonic_now();
		int r = ch->send(&cm, row < MAX_CHANNELS ? &states[row] : NULL, &via, &why);
		double ms = (monotonic_now() - t0) * 1000;
		struct audit_entry e = { .channel = m.channel, .target = m.target, .id = m.id,
		                         .via = via.len ? buf_cstr(&via) : NULL, .duration_ms = ms,
		                         .attempt = m.attempts + 1 };
		if (r == 0) {
			e.result = "resent";
			char to[PATH_MAX + 64];
			snprintf(to, sizeof to, "%s/%s.json", sent, m.id);
			/* no fsync: losing this rename in a crash means one resend,
			 * the documented duplicate window */
			if (keep <= 0 || rename(path, to) < 0)
				unlink(path);
			st->sent++;
		} else {
			e.result = "resend-failed";
			e.error = why.len ? buf_cstr(&why) : "failed";
			free(m.last_error);
			m.last_error = xstrdup(e.error);
			if (!m.first_error)
				m.first_error = xstrdup(e.error);
			m.attempts++;
			m.last_time = time(NULL);
			write_msg(dir, &m);
			st->failed++;
		}
		audit_write(c, &e);
		spool_msg_free(&m);
		close(fd);
	}
	for (size_t r = 0; channels[r].name && r < MAX_CHANNELS; r++)
		if (states[r] && channels[r].done)
			channels[r].done(states[r]);
	buf_free(&why);
	buf_free(&via);
	spool_ids_free(ids);
	return NULL;
}
