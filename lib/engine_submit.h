/* Results and downtimes handed to the monitoring engine: the external
 * command file of Nagios 4 / Naemon (a FIFO), or the Icinga 2 REST API.
 * Used by `mamori mail2alert` (passive check results) and `mamori silence`
 * (windows as downtimes).
 *
 * Every value is cleaned here, the last gate before the engine: control
 * characters (CR, LF ...) removed, invalid UTF-8 replaced, lengths
 * bounded; a host or service name holding ';' (the command file's field
 * separator) is refused. One command is one write() below PIPE_BUF, so it
 * can neither interleave with another writer's nor be cut in two; on the
 * API, one call with JSON built by jansson.
 *
 * Config ([engine] section, lib/conf):
 *   type = nagios             command_file = /var/lib/nagios4/rw/nagios.cmd
 *   type = icinga2            url = https://icinga.example.jp:5665
 *                             ca = /etc/mamori/icinga-ca.crt  user = mamori
 *                             password_file = /etc/mamori/icinga-api.pw (0600)
 *   timeout = 10              seconds for one submission */
#ifndef MAMORI_ENGINE_SUBMIT_H
#define MAMORI_ENGINE_SUBMIT_H
#include <stdbool.h>
#include <time.h>

#include "buf.h"
#include "conf.h"

enum engine_type { ENGINE_NONE, ENGINE_NAGIOS, ENGINE_ICINGA2 };

struct engine {
	enum engine_type type;
	const char *command_file;
	const char *url, *ca, *user;
	struct buf password;
	double timeout;
};

/* [engine] of the config; type ENGINE_NONE when the section is absent.
 * NULL or a reason. */
const char *engine_config(const struct conf *c, struct engine *e);
void engine_free(struct engine *e);
/* "nagios /path" or "icinga2 https://..." for messages and the audit log */
const char *engine_describe(const struct engine *e);

struct check_result {
	const char *host;
	const char *service;    /* NULL or "": a host check result */
	int state;              /* 0..3; for a host 0 UP, anything else DOWN */
	const char *output;
	const char *source;     /* Icinga 2 check_source, may be NULL */
};

struct downtime {
	const char *host;
	const char *service;    /* NULL or "": the host and all its services */
	time_t start, end;
	const char *author, *comment;
};

/* Cleaned copies (see above). A name: NULL or a reason ("host name holds
 * ';'"); a text is always accepted, cut at max bytes. */
const char *engine_clean_name(const char *in, const char *what, struct buf *out);
void engine_clean_text(const char *in, size_t max, struct buf *out);
/* in (len bytes) with each invalid UTF-8 byte as U+FFFD, line breaks and
 * all kept: a mail's decoded text before the rules' regexes see it. */
void utf8_repair(const char *in, size_t len, struct buf *out);

/* Submit. dry_run: only describe (the command line or the JSON) into
 * shown. NULL on success, else a reason; shown gets what was sent. */
const char *engine_check_result(const struct engine *e, const struct check_result *r, bool dry_run,
                                struct buf *shown);
const char *engine_downtime(const struct engine *e, const struct downtime *d, bool dry_run, struct buf *shown);

#endif
