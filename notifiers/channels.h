/* The channels a spooled message can be resent through: one row per
 * channel in notifiers/channels.c, found by the name stored in the spool
 * file. A notifier helper adds its channel by adding one row there:
 *
 *   { "mail", mail_send_spooled, mail_send_done },
 *   { "slack", chat_send_spooled, chat_send_done },    (for example)
 *
 * and adds its sources to the library with `notifiers_libnotify_a_SOURCES
 * += ...` in its own Makefile.am block (channels.c references them, so every
 * program that links libnotify.a can resend every channel).
 *
 * The send function is also what the notifier itself calls for the first
 * attempt (notifiers/notify.c), so first send and resend are one code path
 * and the payload format has one owner. */
#ifndef MAMORI_CHANNELS_H
#define MAMORI_CHANNELS_H
#include <jansson.h>

#include "buf.h"
#include "conf.h"

/* What one send needs: the config, the message's id (stable for the
 * message's life) and its rendered payload, and the time left. */
struct channel_msg {
	const struct conf *conf;
	const char *id;
	const json_t *payload;
	double deadline;        /* monotonic_now() value to be done by */
};

/* Send one message. *state starts NULL and is kept between the calls of
 * one flush (a channel keeps its connection there, e.g. mail keeps one
 * curl handle so 1,000 messages share an SMTP connection); done() frees
 * it at the end. Return 0 when sent, -1 when not (reason in err; the
 * message is kept for the next flush), -2 when it can never be sent (bad
 * payload: the message is kept too, but the audit says so).
 * via receives where it went ("smtp://mx1:25"), for the audit log.
 * state is NULL for a notifier's own first attempt: keep nothing then. */
typedef int (*channel_send_fn)(const struct channel_msg *m, void **state, struct buf *via, struct buf *err);
typedef void (*channel_done_fn)(void *state);

struct channel {
	const char *name;        /* "mail": the spool file's "channel" */
	channel_send_fn send;
	channel_done_fn done;    /* may be NULL */
};

/* The table, ending with { NULL }. */
extern const struct channel channels[];
/* The row for name, or NULL. */
const struct channel *channel_find(const char *name);

#endif
