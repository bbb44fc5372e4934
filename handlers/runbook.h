/* A runbook as data (INI, read by lib/ini): what to verify, how to find
 * the variant (init system, which daemon), what to run to restart it, how
 * long to wait. The built-in runbooks (runbooks 000 and 001) are INI text
 * too; a file NAME.ini in the runbook directory adds or replaces one, so
 * adding a runbook needs no C code. */
#ifndef MAMORI_RUNBOOK_H
#define MAMORI_RUNBOOK_H
#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

#define RB_MAX_PORTS 8

/* One detection line: run cmd; exit 0 (and output containing match, when
 * set) names the variant. */
struct rb_probe {
	char *name;
	char *cmd;
	char *match;
};

struct rb_variant {
	char *name;
	char *unit;             /* init script / unit name; default: the variant's name */
	char *restart;          /* replaces the per-init restart command when set */
};

struct runbook {
	char *name;
	char *description;
	char *alert;            /* 発報内容, e.g. port_HTTP */
	/* [verify] */
	unsigned ports[RB_MAX_PORTS];
	size_t nports;
	bool listen;            /* LISTEN in /proc/net/tcp{,6} fetched over SSH */
	char *protocol;         /* lib/services.h name, "http", "dns" or NULL */
	unsigned protocol_port; /* 0: the first of ports */
	bool tls;               /* implicit TLS before the dialogue (plesk 8443) */
	char *process;          /* pgrep -x NAME over SSH (process runbooks), words = any of */
	double wait, interval;  /* re-verify deadline and poll period, seconds */
	/* [action] */
	char *via;              /* "ssh" (restart over SSH), "console", "none" */
	bool reboot;            /* last resort when the host's config allows it */
	char *default_variant;
	/* [init], [detect], [restart], [variant NAME] */
	struct rb_probe *init, *detect;
	size_t ninit, ndetect;
	struct rb_probe *restart;   /* name = init system, cmd = command */
	size_t nrestart;
	struct rb_variant *variants;
	size_t nvariants;
	struct buf text;        /* the effective INI, for --show-runbook */
	char *origin;           /* "built-in" or the file */
};

/* Load runbook NAME: DIR/NAME.ini when present (dir may be NULL), else the
 * built-in one. NULL on success, else a reason in err. */
const char *runbook_load(struct runbook *rb, const char *dir, const char *name, struct buf *err);
/* Parse INI text as runbook NAME; NULL or a reason (line number). */
const char *runbook_parse(struct runbook *rb, const char *name, const char *text, struct buf *err);
void runbook_free(struct runbook *rb);

const struct rb_variant *runbook_variant(const struct runbook *rb, const char *name);
/* The restart command for (init, variant); NULL when the runbook has none. */
const char *runbook_restart(const struct runbook *rb, const char *init, const char *variant);

/* The built-in runbooks: NULL-terminated names, and the text of one. */
extern const char *const runbook_builtin_names[];
const char *runbook_builtin(const char *name);

/* Is NAME a plain runbook/file name ([a-z0-9_-], not empty)? */
bool runbook_name_ok(const char *name);

#endif
