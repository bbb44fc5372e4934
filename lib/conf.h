/* The notifiers' configuration: one INI file (parsed by lib/ini).
 *
 * Path: --config FILE, else the environment variable MAMORI_CONFIG, else
 * SYSCONFDIR/mamori/mamori.ini. The default file may be missing (every
 * setting then comes from options); a file named by --config or
 * MAMORI_CONFIG must exist.
 *
 * Sections are "KIND" or "KIND LABEL"; sections of one kind keep the
 * order of the file, which is what failover order means:
 *
 *   [mamori]          spool_dir=, audit_log=, template_dir=, sent_keep_days=
 *   [mail]            from=, to=, cc=, template=, charset=, cainfo=
 *   [smtp primary]    url=smtp://mail.example.com:587  (smtps:// = implicit TLS)
 *                     starttls=yes|no (default yes for smtp://: required)
 *                     user=, password_file=, password_env=, timeout=5
 *   [smtp backup]     ...tried when the one before fails
 *   [contact NAME]    email=, phone=, ... (a recipient that is not an
 *                     address is looked up here)
 *   [slack LABEL], [chatwork LABEL], [teams LABEL], [twilio LABEL] ...
 *                     the chat and call notifiers' sections
 *
 * Secrets (conf_secret): KEY_file=PATH (the file must be mode 0600 or
 * stricter and belong to the caller or root: lib/secret), KEY_env=NAME (an
 * environment variable), or KEY=VALUE inline, which is accepted only when
 * the config file itself is mode 0600 or stricter. */
#ifndef MAMORI_CONF_H
#define MAMORI_CONF_H
#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

struct conf_kv {
	char *key, *value;
	int line;
};

struct conf_section {
	char *name;     /* as written between the brackets, trimmed: "smtp primary" */
	char *kind;     /* first word: "smtp" */
	char *label;    /* the rest, "" when none: "primary" */
	struct conf_kv *kv;
	size_t n;
	int line;
};

struct conf {
	char *path;             /* the file read, NULL when none */
	bool private_file;      /* the file is mode 0600 or stricter */
	struct conf_section *sec;
	size_t nsec;
};

/* The file to read: explicit (may be NULL), else MAMORI_CONFIG, else the
 * default. *must_exist set true for the first two. */
const char *conf_path(const char *explicit_path, bool *must_exist);

/* Read the config (conf_path rules). An empty config (no file) is valid.
 * NULL on success, else a reason with the file and line. c is always
 * safe to conf_free afterwards. */
const char *conf_load(struct conf *c, const char *explicit_path);
/* Parse text as if it were a file (for tests and for conf_load). */
const char *conf_load_text(struct conf *c, const char *text, const char *name);
void conf_free(struct conf *c);

/* The section named exactly name ("mail", "smtp primary"), or NULL. */
const struct conf_section *conf_section(const struct conf *c, const char *name);
/* Sections of one kind in file order: pass NULL to get the first. */
const struct conf_section *conf_next(const struct conf *c, const char *kind, const struct conf_section *prev);
/* The value of key in the section, NULL when absent (the last one wins
 * when a key repeats). */
const char *conf_sget(const struct conf_section *s, const char *key);
/* conf_sget on the section named name. */
const char *conf_get(const struct conf *c, const char *name, const char *key);

/* A secret of section s named key (see the rules above) into out.
 * *found false when none of KEY_file, KEY_env, KEY is set (not an error).
 * NULL on success, else a reason. */
const char *conf_secret(const struct conf *c, const struct conf_section *s, const char *key,
                        struct buf *out, bool *found);

/* Value parsers: NULL or a reason. */
/* The words of a comma list ("a@x, ops ,b@y"): trimmed, empty ones
 * skipped; a NULL-terminated array for conf_words_free. */
char **conf_words(const char *list);
void conf_words_free(char **words);
/* A recipient word as an address or a number: the word itself when it is
 * one already (direct), else the KEY (email, phone) of [contact WORD];
 * NULL when it is neither. */
const char *conf_contact(const struct conf *c, const char *word, const char *key, bool direct);

const char *conf_bool(const char *v, bool *out);        /* yes/no/true/false/on/off/1/0 */
const char *conf_seconds(const char *v, double *out);   /* 0 < s <= 3600 */
const char *conf_long(const char *v, long min, long max, long *out);

/* Directories and files with their defaults (static storage):
 * spool dir: [mamori] spool_dir, else STATEDIR/spool (lib/state: the
 * MAMORI_STATE_DIR environment variable is honoured);
 * audit log: [mamori] audit_log, else STATEDIR/audit.log;
 * template dir: [mamori] template_dir, else SYSCONFDIR/mamori/templates. */
const char *conf_spool_dir(const struct conf *c);
const char *conf_audit_log(const struct conf *c);
const char *conf_template_dir(const struct conf *c);

#endif
