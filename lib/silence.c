#include "silence.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proc.h"
#include "state.h"

/* the file lib/state makes for (plugin "silence", key "json") */
const char *silence_path(void)
{
	static char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/silence.json", state_dir());
	return path;
}

static void window_free(struct silence_window *w)
{
	free(w->host);
	free(w->comment);
	if (w->alerts)
		for (char **a = w->alerts; *a; a++)
			free(*a);
	free(w->alerts);
}

void silence_list_free(struct silence_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		window_free(&l->w[i]);
	free(l->w);
	l->w = NULL;
	l->n = 0;
}

/* One window from its JSON object; NULL or what is wrong with it. Strict:
 * a window we cannot read fully is a corrupt file, never a partial match. */
static const char *window_from_json(json_t *o, struct silence_window *w)
{
	memset(w, 0, sizeof *w);
	if (!json_is_object(o))
		return "a window is not an object";
	json_t *id = json_object_get(o, "id"), *host = json_object_get(o, "host");
	json_t *start = json_object_get(o, "start"), *end = json_object_get(o, "end");
	json_t *alerts = json_object_get(o, "alerts"), *comment = json_object_get(o, "comment");
	json_t *created = json_object_get(o, "created");
	if (!json_is_string(id) || !json_string_length(id) || json_string_length(id) >= sizeof w->id)
		return "a window has no valid id";
	if (!json_is_string(host) || !json_string_length(host))
		return "a window has no host";
	if (!json_is_integer(start) || !json_is_integer(end) || json_integer_value(end) <= json_integer_value(start))
		return "a window has no valid start and end";
	if (alerts && !json_is_null(alerts) && !json_is_array(alerts))
		return "a window's alerts are not a list";
	if (comment && !json_is_null(comment) && !json_is_string(comment))
		return "a window's comment is not a string";
	snprintf(w->id, sizeof w->id, "%s", json_string_value(id));
	w->host = xstrdup(json_string_value(host));
	w->start = (time_t)json_integer_value(start);
	w->end = (time_t)json_integer_value(end);
	w->created = json_is_integer(created) ? (time_t)json_integer_value(created) : 0;
	w->comment = xstrdup(json_is_string(comment) ? json_string_value(comment) : "");
	size_t n = json_is_array(alerts) ? json_array_size(alerts) : 0;
	w->alerts = xcalloc(n + 1, sizeof *w->alerts);
	for (size_t i = 0; i < n; i++) {
		json_t *a = json_array_get(alerts, i);
		if (!json_is_string(a) || !json_string_length(a)) {
			window_free(w);
			memset(w, 0, sizeof *w);
			return "a window's alert name is not a string";
		}
		w->alerts[i] = xstrdup(json_string_value(a));
	}
	return NULL;
}

/* Parse the file's text; an empty text is an empty list. */
static const char *parse_windows(const char *text, size_t len, struct silence_list *l)
{
	static char why[256];
	l->w = NULL;
	l->n = 0;
	if (len == 0)
		return NULL;
	json_error_t jerr;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		snprintf(why, sizeof why, "not JSON (line %d: %s)", jerr.line, jerr.text);
		return why;
	}
	json_t *arr = json_object_get(root, "windows");
	if (!json_is_object(root) || !json_is_array(arr)) {
		json_decref(root);
		return "no \"windows\" list";
	}
	size_t n = json_array_size(arr);
	l->w = xcalloc(n ? n : 1, sizeof *l->w);
	for (size_t i = 0; i < n; i++) {
		const char *e = window_from_json(json_array_get(arr, i), &l->w[l->n]);
		if (e) {
			snprintf(why, sizeof why, "window %zu: %s", i + 1, e);
			json_decref(root);
			silence_list_free(l);
			return why;
		}
		l->n++;
	}
	json_decref(root);
	return NULL;
}

const char *silence_load(struct silence_list *l)
{
	static char why[PATH_MAX + 300];
	struct buf b = BUF_INIT;
	const char *path = silence_path();
	l->w = NULL;
	l->n = 0;
	if (read_file_buf(AT_FDCWD, path, &b, 16 << 20, false) < 0) {
		int e = errno;
		buf_free(&b);
		if (e == ENOENT)
			return NULL;
		snprintf(why, sizeof why, "cannot read %s: %s", path, strerror(e));
		return why;
	}
	const char *e = parse_windows(b.s, b.len, l);
	buf_free(&b);
	if (e) {
		snprintf(why, sizeof why, "%s: %s", path, e);
		return why;
	}
	return NULL;
}

static json_t *window_to_json(const struct silence_window *w)
{
	json_t *alerts = json_array();
	if (w->alerts)
		for (char **a = w->alerts; *a; a++)
			json_array_append_new(alerts, json_string(*a));
	return json_pack("{s:s, s:s, s:o, s:I, s:I, s:s, s:I}", "id", w->id, "host", w->host,
	                 "alerts", alerts, "start", (json_int_t)w->start, "end", (json_int_t)w->end,
	                 "comment", w->comment ? w->comment : "", "created", (json_int_t)w->created);
}

/* An operator who runs `mamori silence add` as root must not leave a
 * root-owned 0600 file the notifiers (the monitoring user, who owns the
 * state directory) cannot read: they would send through every window. */
static void give_to_dir_owner(const char *path)
{
	struct stat dir;
	if (geteuid() != 0 || stat(state_dir(), &dir) < 0 || dir.st_uid == 0)
		return;
	char lock[PATH_MAX + 8];
	snprintf(lock, sizeof lock, "%s.lock", path);
	if (chown(path, dir.st_uid, dir.st_gid) < 0 || chown(lock, dir.st_uid, dir.st_gid) < 0)
		return;  /* then the readers say "cannot read" and send: safe */
}

/* The locked read-modify-write every change goes through. */
typedef const char *(*change_fn)(struct silence_list *l, void *arg);

static const char *change(change_fn fn, void *arg)
{
	static char why[PATH_MAX + 300];
	struct state_file sf;
	const char *e = state_open(&sf, NULL, "silence", "json");
	if (e)
		return e;
	struct buf b = BUF_INIT;
	struct silence_list l = { NULL, 0 };
	e = state_read(&sf, &b);
	if (!e) {
		e = parse_windows(b.s ? b.s : "", b.len, &l);
		/* refuse to overwrite a file we cannot read: a person repairs it */
		if (e) {
			snprintf(why, sizeof why, "%s: %s (fix or remove it by hand)", sf.path, e);
			e = why;
		}
	}
	if (!e)
		e = fn(&l, arg);
	if (!e) {
		json_t *arr = json_array();
		for (size_t i = 0; i < l.n; i++)
			json_array_append_new(arr, window_to_json(&l.w[i]));
		json_t *root = json_pack("{s:i, s:o}", "version", 1, "windows", arr);
		char *text = json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
		json_decref(root);
		if (!text) {
			e = "cannot encode the windows";
		} else {
			struct buf out = BUF_INIT;
			buf_printf(&out, "%s\n", text);
			free(text);
			e = state_write(&sf, out.s, out.len);
			buf_free(&out);
			if (!e)
				give_to_dir_owner(sf.path);
		}
	}
	silence_list_free(&l);
	buf_free(&b);
	state_close(&sf);
	return e;
}

static bool id_taken(const struct silence_list *l, const char *id)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->w[i].id, id))
			return true;
	return false;
}

struct add_arg {
	struct silence_window *w;
	size_t n;
};

static const char *do_add(struct silence_list *l, void *arg_)
{
	struct add_arg *a = arg_;
	l->w = xrealloc(l->w, (l->n + a->n + 1) * sizeof *l->w);
	for (size_t i = 0; i < a->n; i++) {
		struct silence_window *src = &a->w[i];
		if (!src->host || !*src->host || src->end <= src->start)
			return "a window needs a host and an end after its start";
		/* 8 hex digits: short enough to type in `remove`, unique here */
		do {
			unsigned char r[4];
			if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
				return "no random bytes for an id";
			snprintf(src->id, sizeof src->id, "%02x%02x%02x%02x", r[0], r[1], r[2], r[3]);
		} while (id_taken(l, src->id));
		struct silence_window *d = &l->w[l->n++];
		memset(d, 0, sizeof *d);
		snprintf(d->id, sizeof d->id, "%s", src->id);
		d->host = xstrdup(src->host);
		d->comment = xstrdup(src->comment ? src->comment : "");
		d->start = src->start;
		d->end = src->end;
		d->created = src->created ? src->created : time(NULL);
		size_t na = 0;
		while (src->alerts && src->alerts[na])
			na++;
		d->alerts = xcalloc(na + 1, sizeof *d->alerts);
		for (size_t k = 0; k < na; k++)
			d->alerts[k] = xstrdup(src->alerts[k]);
	}
	return NULL;
}

const char *silence_add(struct silence_window *w, size_t n)
{
	struct add_arg a = { w, n };
	return change(do_add, &a);
}

struct remove_arg {
	const char *id;
	bool *found;
	time_t now;
	size_t *dropped;
};

static const char *do_remove(struct silence_list *l, void *arg_)
{
	struct remove_arg *a = arg_;
	size_t k = 0;
	for (size_t i = 0; i < l->n; i++) {
		bool drop = a->id ? !strcmp(l->w[i].id, a->id) : l->w[i].end <= a->now;
		if (drop) {
			window_free(&l->w[i]);
			if (a->found)
				*a->found = true;
			if (a->dropped)
				(*a->dropped)++;
		} else {
			l->w[k++] = l->w[i];
		}
	}
	l->n = k;
	return NULL;
}

const char *silence_remove(const char *id, bool *found)
{
	*found = false;
	struct remove_arg a = { id, found, 0, NULL };
	return change(do_remove, &a);
}

const char *silence_expire(time_t now, size_t *dropped)
{
	*dropped = 0;
	struct remove_arg a = { NULL, NULL, now, dropped };
	return change(do_remove, &a);
}

/* "web01" names "web01.example.jp" and the other way round: customers
 * write short names, engines often use the FQDN. A trailing dot is the
 * same name. */
static bool host_eq(const char *entry, const char *host)
{
	size_t le = strlen(entry), lh = strlen(host);
	if (le && entry[le - 1] == '.')
		le--;
	if (lh && host[lh - 1] == '.')
		lh--;
	if (le == lh)
		return strncasecmp(entry, host, le) == 0;
	const char *shorter = le < lh ? entry : host, *longer = le < lh ? host : entry;
	size_t ls = le < lh ? le : lh;
	if (memchr(shorter, '.', ls))
		return false;
	return strncasecmp(shorter, longer, ls) == 0 && longer[ls] == '.';
}

bool silence_window_matches(const struct silence_window *w, const char *host, const char *address,
                            const char *alert, time_t now)
{
	if (now < w->start || now >= w->end)
		return false;
	bool h = (host && *host && host_eq(w->host, host)) ||
	         (address && *address && !strcasecmp(w->host, address));
	if (!h)
		return false;
	if (!w->alerts || !w->alerts[0])
		return true;
	/* named alerts silence only those services, never the host itself */
	if (!alert || !*alert)
		return false;
	for (char **a = w->alerts; *a; a++)
		if (!strcasecmp(*a, alert))
			return true;
	return false;
}

int silence_match_addr(const char *host, const char *address, const char *alert, time_t now,
                       struct silence_hit *hit, struct buf *err)
{
	struct silence_list l;
	const char *e = silence_load(&l);
	if (e) {
		if (err)
			buf_puts(err, e);
		return -1;
	}
	int r = 0;
	for (size_t i = 0; i < l.n && !r; i++) {
		if (!silence_window_matches(&l.w[i], host, address, alert, now))
			continue;
		r = 1;
		if (hit) {
			snprintf(hit->id, sizeof hit->id, "%s", l.w[i].id);
			hit->start = l.w[i].start;
			hit->end = l.w[i].end;
			/* cut on a character boundary: the comment goes into mails */
			size_t n = strlen(l.w[i].comment);
			if (n >= sizeof hit->comment) {
				n = sizeof hit->comment - 1;
				while (n > 0 && ((unsigned char)l.w[i].comment[n] & 0xC0) == 0x80)
					n--;
			}
			memcpy(hit->comment, l.w[i].comment, n);
			hit->comment[n] = '\0';
		}
	}
	silence_list_free(&l);
	return r;
}

int silence_match(const char *host, const char *alert, time_t now, struct silence_hit *hit, struct buf *err)
{
	return silence_match_addr(host, NULL, alert, now, hit, err);
}
