#include "cmd.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void vars_set(struct vars *v, const char *name, const char *value)
{
	for (size_t i = 0; i < v->n; i++)
		if (!strcmp(v->name[i], name)) {
			v->value[i] = value;
			return;
		}
	if (v->n < VARS_MAX) {
		v->name[v->n] = name;
		v->value[v->n++] = value;
	}
}

const char *vars_get(const struct vars *v, const char *name)
{
	for (size_t i = 0; i < v->n; i++)
		if (!strcmp(v->name[i], name))
			return v->value[i];
	return NULL;
}

static bool expand(struct buf *out, const char *w, size_t len, const struct vars *v, struct buf *err)
{
	for (size_t i = 0; i < len; i++) {
		if (w[i] == '$' && i + 1 < len && w[i + 1] == '{') {
			const char *end = memchr(w + i + 2, '}', len - i - 2);
			if (!end) {
				buf_printf(err, "unterminated ${ in a command");
				return false;
			}
			char name[64];
			size_t n = (size_t)(end - (w + i + 2));
			if (n == 0 || n >= sizeof name) {
				buf_printf(err, "bad variable name in a command");
				return false;
			}
			memcpy(name, w + i + 2, n);
			name[n] = '\0';
			const char *val = vars_get(v, name);
			if (!val) {
				buf_printf(err, "${%s} is not known here", name);
				return false;
			}
			buf_puts(out, val);
			i = (size_t)(end - w);
		} else {
			buf_putc(out, w[i]);
		}
	}
	return true;
}

char **cmd_build(const char *text, const struct vars *v, struct buf *err)
{
	size_t n = 0, cap = 8;
	char **argv = xcalloc(cap, sizeof *argv);
	const char *p = text;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		struct buf raw = BUF_INIT, word = BUF_INIT;
		bool quoted = false;
		while (*p && *p != ' ' && *p != '\t') {
			if (*p == '\'' || *p == '"') {
				char q = *p++;
				const char *e = strchr(p, q);
				if (!e) {
					buf_printf(err, "unterminated quote in: %s", text);
					buf_free(&raw);
					cmd_free(argv);
					return NULL;
				}
				buf_add(&raw, p, (size_t)(e - p));
				p = e + 1;
				quoted = true;
			} else {
				buf_putc(&raw, *p++);
			}
		}
		if (!expand(&word, raw.s ? raw.s : "", raw.len, v, err)) {
			buf_free(&raw);
			buf_free(&word);
			cmd_free(argv);
			return NULL;
		}
		(void)quoted;
		buf_free(&raw);
		if (n + 2 > cap)
			argv = xrealloc(argv, (cap *= 2) * sizeof *argv);
		argv[n++] = xstrdup(buf_cstr(&word));
		argv[n] = NULL;
		buf_free(&word);
	}
	if (n == 0) {
		buf_printf(err, "empty command");
		cmd_free(argv);
		return NULL;
	}
	return argv;
}

char **cmd_prefix(char **argv, const char *const prefix[])
{
	size_t np = 0, na = 0;
	while (prefix[np])
		np++;
	while (argv[na])
		na++;
	char **out = xcalloc(np + na + 1, sizeof *out);
	for (size_t i = 0; i < np; i++)
		out[i] = xstrdup(prefix[i]);
	for (size_t i = 0; i < na; i++)
		out[np + i] = argv[i];
	free(argv);
	return out;
}

void cmd_free(char **argv)
{
	if (!argv)
		return;
	for (char **a = argv; *a; a++)
		free(*a);
	free(argv);
}

static bool only(const char *s, const char *extra, size_t max)
{
	if (!s || !*s || strlen(s) > max)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      strchr(extra, *p)))
			return false;
	return true;
}

bool valid_host(const char *s)
{
	return only(s, ".:-", 253) && s[0] != '-';
}

bool valid_unit(const char *s)
{
	return only(s, "@._-", 128) && s[0] != '-';
}

bool valid_service(const char *s)
{
	return only(s, "@._-/ ", 128) && s[0] != '-';
}

const char *const cmd_known_names[] = {
	"HOST", "ADDRESS", "TARGET", "SERVICE", "RUNBOOK", "ALERT", "PORT", "STATE", "PROBLEM_ID",
	"CONSOLE_HOST", "DETECTED", "DETECTED_EPOCH", "RECOVERED", "DURATION", "VARIANT", "UNIT", "LEVEL", "OUTCOME",
	"ACTION", "SUMMARY", NULL,
};

bool cmd_names_ok(const char *text, const char *const known[], struct buf *err)
{
	for (const char *p = strstr(text, "${"); p; p = strstr(p + 2, "${")) {
		const char *end = strchr(p + 2, '}');
		if (!end) {
			buf_printf(err, "unterminated ${ in: %s", text);
			return false;
		}
		size_t n = (size_t)(end - p - 2);
		bool found = false;
		for (const char *const *k = known; *k && !found; k++)
			found = strlen(*k) == n && !strncmp(*k, p + 2, n);
		if (!found) {
			buf_printf(err, "${%.*s} is not a known name in: %s", (int)(n > 40 ? 40 : n), p + 2, text);
			return false;
		}
	}
	return true;
}

const char *cmd_file_trusted(int fd)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return "cannot stat it";
	if (S_ISDIR(st.st_mode))
		return "a directory";
	if (!S_ISREG(st.st_mode))
		return NULL;   /* /dev/null as "no settings" */
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return "writable by group or others (its commands would run as us)";
	if (st.st_uid != 0 && st.st_uid != geteuid())
		return "owned by another user (its commands would run as us)";
	return NULL;
}
