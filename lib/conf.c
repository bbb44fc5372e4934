#include "conf.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ini.h"
#include "num.h"
#include "secret.h"
#include "state.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

const char *conf_path(const char *explicit_path, bool *must_exist)
{
	*must_exist = true;
	if (explicit_path && *explicit_path)
		return explicit_path;
	const char *env = getauxval(AT_SECURE) ? NULL : getenv("MAMORI_CONFIG");
	if (env && *env)
		return env;
	*must_exist = false;
	return SYSCONFDIR "/mamori/mamori.ini";
}

static struct conf_section *add_section(struct conf *c, const char *name)
{
	for (size_t i = 0; i < c->nsec; i++)
		if (!strcmp(c->sec[i].name, name))
			return &c->sec[i];  /* a reopened section continues */
	c->sec = xrealloc(c->sec, (c->nsec + 1) * sizeof *c->sec);
	struct conf_section *s = &c->sec[c->nsec++];
	memset(s, 0, sizeof *s);
	s->name = xstrdup(name);
	size_t k = strcspn(name, " \t");
	s->kind = xmalloc(k + 1);
	memcpy(s->kind, name, k);
	s->kind[k] = '\0';
	const char *l = name + k;
	while (*l == ' ' || *l == '\t')
		l++;
	s->label = xstrdup(l);
	return s;
}

static int on_value(void *user, const char *section, const char *key, const char *value)
{
	struct conf *c = user;
	struct conf_section *s = add_section(c, section);
	s->kv = xrealloc(s->kv, (s->n + 1) * sizeof *s->kv);
	s->kv[s->n].key = xstrdup(key);
	s->kv[s->n].value = xstrdup(value ? value : "");
	s->kv[s->n].line = 0;
	s->n++;
	return 1;
}

const char *conf_load_text(struct conf *c, const char *text, const char *name)
{
	static char why[PATH_MAX + 96];
	int line = ini_parse_text(text, strlen(text), on_value, c);
	if (line != 0) {
		snprintf(why, sizeof why, "%s: line %d: not INI syntax", name, line);
		return why;
	}
	return NULL;
}

const char *conf_load(struct conf *c, const char *explicit_path)
{
	static char why[PATH_MAX + 96];
	memset(c, 0, sizeof *c);
	bool must;
	const char *path = conf_path(explicit_path, &must);
	/* never waits on a FIFO, never reads a device: lib/secret */
	char reason[128];
	struct stat st;
	int fd = file_open_regular(path, 0, &st, reason, sizeof reason);
	if (fd < 0) {
		if (!must && errno == ENOENT)
			return NULL;
		snprintf(why, sizeof why, "config %s: %s", path, reason);
		return why;
	}
	c->path = xstrdup(path);
	c->private_file = !(st.st_mode & 077);
	FILE *f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		snprintf(why, sizeof why, "config %s: %s", path, strerror(errno));
		return why;
	}
	int line = ini_parse_stream(f, on_value, c);
	int e = errno;
	fclose(f);
	if (line < 0) {
		snprintf(why, sizeof why, "config %s: cannot read it: %s", path,
		         e == EFBIG ? "too large" : e == EILSEQ ? "it holds a NUL byte" : strerror(e));
		return why;
	}
	if (line > 0) {
		snprintf(why, sizeof why, "config %s: line %d: not INI syntax", path, line);
		return why;
	}
	return NULL;
}

void conf_free(struct conf *c)
{
	for (size_t i = 0; i < c->nsec; i++) {
		struct conf_section *s = &c->sec[i];
		for (size_t k = 0; k < s->n; k++) {
			free(s->kv[k].key);
			free(s->kv[k].value);
		}
		free(s->kv);
		free(s->name);
		free(s->kind);
		free(s->label);
	}
	free(c->sec);
	free(c->path);
	memset(c, 0, sizeof *c);
}

const struct conf_section *conf_section(const struct conf *c, const char *name)
{
	for (size_t i = 0; i < c->nsec; i++)
		if (!strcmp(c->sec[i].name, name))
			return &c->sec[i];
	return NULL;
}

const struct conf_section *conf_next(const struct conf *c, const char *kind, const struct conf_section *prev)
{
	size_t i = prev ? (size_t)(prev - c->sec) + 1 : 0;
	for (; i < c->nsec; i++)
		if (!strcmp(c->sec[i].kind, kind))
			return &c->sec[i];
	return NULL;
}

const char *conf_sget(const struct conf_section *s, const char *key)
{
	if (!s)
		return NULL;
	for (size_t k = s->n; k-- > 0;)
		if (!strcmp(s->kv[k].key, key))
			return s->kv[k].value;
	return NULL;
}

const char *conf_get(const struct conf *c, const char *name, const char *key)
{
	return conf_sget(conf_section(c, name), key);
}

const char *conf_secret(const struct conf *c, const struct conf_section *s, const char *key,
                        struct buf *out, bool *found)
{
	static char why[PATH_MAX + 256];
	char name[128];
	*found = false;
	snprintf(name, sizeof name, "%s_file", key);
	const char *file = conf_sget(s, name);
	if (file && *file) {
		char secret[4096];
		const char *err = secret_read_file(file, secret, sizeof secret);
		if (err) {
			snprintf(why, sizeof why, "[%s] %s=%s: %s", s->name, name, file, err);
			return why;
		}
		buf_puts(out, secret);
		explicit_bzero(secret, sizeof secret);
		*found = true;
		return NULL;
	}
	snprintf(name, sizeof name, "%s_env", key);
	const char *env = conf_sget(s, name);
	if (env && *env) {
		const char *v = secret_from_env(env);
		if (!v) {
			snprintf(why, sizeof why, "[%s] %s: the environment variable %s is not set", s->name, name, env);
			return why;
		}
		buf_puts(out, v);
		*found = true;
		return NULL;
	}
	const char *inline_v = conf_sget(s, key);
	if (inline_v && *inline_v) {
		if (!c->private_file) {
			snprintf(why, sizeof why, "[%s] %s: a secret written in %s needs that file to be mode 0600 "
			         "(or use %s_file=)", s->name, key, c->path ? c->path : "the config", key);
			return why;
		}
		buf_puts(out, inline_v);
		*found = true;
	}
	return NULL;
}

const char *conf_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" }, *const no[] = { "no", "false", "off", "0" };
	for (int i = 0; i < 4; i++) {
		if (!strcasecmp(v, yes[i])) {
			*out = true;
			return NULL;
		}
		if (!strcasecmp(v, no[i])) {
			*out = false;
			return NULL;
		}
	}
	return "not yes or no";
}

const char *conf_seconds(const char *v, double *out)
{
	double d;
	if (!num_parse_double(v, &d) || d <= 0 || d > 3600)
		return "not a number of seconds from 0 to 3600";
	*out = d;
	return NULL;
}

const char *conf_long(const char *v, long min, long max, long *out)
{
	static char why[96];
	if (num_parse_long(v, min, max, out))
		return NULL;
	snprintf(why, sizeof why, "not a whole number from %ld to %ld", min, max);
	return why;
}

static const char *in_state_dir(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", state_dir(), name);
	return out;
}

const char *conf_spool_dir(const struct conf *c)
{
	static char path[PATH_MAX];
	const char *v = conf_get(c, "mamori", "spool_dir");
	return v && *v ? v : in_state_dir(path, sizeof path, "spool");
}

const char *conf_audit_log(const struct conf *c)
{
	static char path[PATH_MAX];
	const char *v = conf_get(c, "mamori", "audit_log");
	return v && *v ? v : in_state_dir(path, sizeof path, "audit.log");
}

const char *conf_template_dir(const struct conf *c)
{
	const char *v = conf_get(c, "mamori", "template_dir");
	return v && *v ? v : SYSCONFDIR "/mamori/templates";
}

char **conf_words(const char *list)
{
	char **v = xcalloc(1, sizeof *v);
	size_t n = 0;
	const char *p = list ? list : "";
	while (*p) {
		size_t len = strcspn(p, ",");
		const char *a = p, *b = p + len;
		while (a < b && (*a == ' ' || *a == '\t'))
			a++;
		while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
			b--;
		if (b > a) {
			v = xrealloc(v, (n + 2) * sizeof *v);
			v[n] = xmalloc((size_t)(b - a) + 1);
			memcpy(v[n], a, (size_t)(b - a));
			v[n][b - a] = '\0';
			v[++n] = NULL;
		}
		p += len + (p[len] == ',');
	}
	return v;
}

void conf_words_free(char **words)
{
	for (size_t i = 0; words && words[i]; i++)
		free(words[i]);
	free(words);
}

const char *conf_contact(const struct conf *c, const char *word, const char *key, bool direct)
{
	if (direct)
		return word;
	/* the whole word: one cut short would name another contact */
	struct buf sec = BUF_INIT;
	buf_printf(&sec, "contact %s", word);
	const char *v = conf_get(c, buf_cstr(&sec), key);
	buf_free(&sec);
	return v;
}
