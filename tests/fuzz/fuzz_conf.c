/* The notifiers' config (lib/conf on lib/ini: mamori.ini, which anyone
 * with root edits by hand) and its value parsers. Input: the file text.
 * A section's kind is its first word and its label the rest, trimmed;
 * each name is one section, found by exactly that name, kinds in file
 * order; a key reads as its last value; list words are trimmed, non-empty
 * and hold no comma; seconds are in (0, 3600]; a contact is found only by
 * its whole name; an inline secret refused is never quoted.
 * SOURCES: lib/conf.c lib/ini.c lib/secret.c lib/state.c */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

static void values_ok(const struct conf *c, const char *v)
{
	char **w = conf_words(v);
	for (size_t i = 0; w[i]; i++) {
		size_t n = strlen(w[i]);
		if (!n || strchr(w[i], ',') || strchr(" \t", w[i][0]) || strchr(" \t", w[i][n - 1]))
			abort();
		/* a contact by its whole name only */
		const char *got = conf_contact(c, w[i], "email", false);
		struct buf name = BUF_INIT;
		buf_printf(&name, "contact %s", w[i]);
		const char *want = conf_get(c, buf_cstr(&name), "email");
		if (got && got != want)
			abort();
		buf_free(&name);
	}
	conf_words_free(w);
	double d;
	if (!conf_seconds(v, &d) && !(d > 0 && d <= 3600))
		abort();
	long l;
	if (!conf_long(v, -5, 5, &l) && (l < -5 || l > 5))
		abort();
	bool b;
	(void)conf_bool(v, &b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = strndup((const char *)data, size);
	struct conf c;
	memset(&c, 0, sizeof c);
	if (!conf_load_text(&c, text, "fuzz.ini")) {
		for (size_t i = 0; i < c.nsec; i++) {
			const struct conf_section *s = &c.sec[i];
			size_t k = strlen(s->kind);
			if (strncmp(s->name, s->kind, k) || strpbrk(s->kind, " \t") || strchr(" \t", s->label[0] ? s->label[0] : 'x'))
				abort();
			if (conf_section(&c, s->name) != s)
				abort();  /* one section per name */
			const struct conf_section *n = NULL;
			do
				n = conf_next(&c, s->kind, n);
			while (n && n != s);
			if (n != s)
				abort();
			for (size_t j = 0; j < s->n; j++) {
				const char *last = conf_sget(s, s->kv[j].key);
				for (size_t m = j + 1; m < s->n; m++)
					if (!strcmp(s->kv[m].key, s->kv[j].key))
						goto later;
				if (last != s->kv[j].value)
					abort();
			later:
				values_ok(&c, s->kv[j].value);
			}
			/* an inline secret in a file others can read: refused, and the
			 * reason is the same whatever the secret is (not quoted) */
			const char *pw = conf_sget(s, "password");
			if (pw && *pw && !conf_sget(s, "password_file") && !conf_sget(s, "password_env")) {
				struct buf out = BUF_INIT;
				bool found;
				const char *err = conf_secret(&c, s, "password", &out, &found);
				if (!err || found || out.len)
					abort();
				char *first = strdup(err);
				struct conf_kv *kv = NULL;
				for (size_t j = 0; j < s->n; j++)
					if (!strcmp(s->kv[j].key, "password"))
						kv = &s->kv[j];
				char *saved = kv->value;
				kv->value = (char *)"\x01other";
				err = conf_secret(&c, s, "password", &out, &found);
				kv->value = saved;
				if (!err || strcmp(err, first))
					abort();
				free(first);
				buf_free(&out);
			}
		}
	}
	conf_free(&c);
	free(text);
	return 0;
}
