/* The path every notifier (notify_mail, notify_chat, notify_call) takes:
 *
 *   notify_init          defaults
 *   program_parse        with .shared = notify_options and an option
 *                        callback that first offers each key to
 *                        notify_option (own options after it)
 *   notify_prepare       config, environment macros, derived fields,
 *                        the --timeout alarm
 *   [render the message into a JSON payload: the channel's own code]
 *   notify_deliver       silence check, flush this channel's spool,
 *                        send, spool on failure, audit; returns the
 *                        exit code
 *   notify_free
 *
 * Exit codes (all notifiers): 0 sent (or silenced, or --dry-run);
 * 1 not sent and could not be spooled either (the message is lost: the
 * engine's log shows the line); 2 not sent now, spooled for `mamori spool
 * flush`; 3 bad input (options, config, template). One line on stdout says
 * what happened ("notify_mail: sent to ... via smtp://...").
 *
 * --timeout: Icinga 2's scripts use -t for the notification type, so the
 * notifiers' timeout is long-only, --timeout SECONDS (default 30). The
 * send gets the time left minus NOTIFY_SPOOL_RESERVE seconds, kept for
 * writing the spool file; the alarm at the full timeout is the last
 * resort (exit 1). The spool flush before the send gets at most a third
 * of the time. */
#ifndef MAMORI_NOTIFY_H
#define MAMORI_NOTIFY_H
#include <jansson.h>
#include <stdbool.h>

#include "conf.h"
#include "macros.h"
#include "options.h"

#define NOTIFY_SPOOL_RESERVE 1.0
#define NOTIFY_DEFAULT_TIMEOUT 30.0

enum notify_exit { NOTIFY_SENT = 0, NOTIFY_LOST = 1, NOTIFY_SPOOLED = 2, NOTIFY_BAD_INPUT = 3 };

struct notify {
	const char *channel;        /* "mail": the channels.c row used to send */
	const char *program;        /* "notify_mail": audit and messages */
	struct notice notice;
	struct conf conf;
	const char *config_path;    /* --config */
	const char *template_name;  /* --template, NULL: the notifier's default */
	double timeout;             /* --timeout */
	double deadline;            /* monotonic_now() + timeout, set by notify_prepare */
	bool dry_run;               /* --dry-run: print the payload, send nothing */
	bool no_flush;              /* --no-flush: do not resend this channel's spool first */
	bool ignore_silence;        /* --ignore-silence */
};

/* Long-only keys of notify_options (beyond notice_options). */
enum {
	NOTIFY_OPT_CONFIG = 300, NOTIFY_OPT_TEMPLATE, NOTIFY_OPT_TIMEOUT, NOTIFY_OPT_DRY_RUN,
	NOTIFY_OPT_NO_FLUSH, NOTIFY_OPT_IGNORE_SILENCE,
	NOTIFY_OPT_LAST_ = 319,
};

/* notice_options + --config --template --timeout --dry-run --no-flush
 * --ignore-silence: use as program.shared. Ends with { NULL }. */
extern const struct option_spec notify_options[];

void notify_init(struct notify *n, const char *channel, const char *program);
/* Option callback part: NULL handled, else a reason; *mine false when the
 * key is not one of notify_options. */
const char *notify_option(struct notify *n, int key, const char *arg, bool *mine);
/* Load config, finish the notice, start the alarm. operands: argv after
 * the options (Icinga 2's `-v true|false` leaves its value there: "true"
 * and "false" are accepted and ignored, anything else is an error). NULL
 * or a reason (exit 3). */
const char *notify_prepare(struct notify *n, int argc, char **argv, int first_operand);

/* The template: --template, else [SECTION] template= of the config, else
 * def. NULL or a reason. */
struct template;
const char *notify_template(struct notify *n, const char *section, const char *def, struct template *t);

/* Deliver one rendered message: id from spool_new_id (the caller used it
 * in the payload already, e.g. Message-ID), target for humans (audit,
 * list). Prints one result line, returns the exit code. */
int notify_deliver(struct notify *n, const char *id, const char *target, json_t *payload);
/* Is the notice held by a silence window (and not --ignore-silence)? Says
 * so on stdout and in the audit log under channel; a silence file that
 * cannot be read holds nothing. notify_deliver asks it; notify_call, which
 * places calls instead of delivering a payload, asks it itself. */
bool notify_silenced(struct notify *n, const char *channel, const char *id, const char *target);

void notify_free(struct notify *n);

#endif
