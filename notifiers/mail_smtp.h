/* Mail's channel: deliver a rendered message over SMTP with libcurl,
 * trying the servers in order (runbook 003: the next one when one is down
 * or times out), each bounded by its own timeout and by the run's
 * deadline.
 *
 * Servers: the payload's "servers" (given with notify_mail --smtp), else
 * the config's [smtp LABEL] sections in file order, else smtp://localhost
 * (Monit's default: localhost:25, 5 seconds). Per server:
 *   url       smtp://HOST[:PORT] (STARTTLS) or smtps://HOST[:PORT] (implicit TLS)
 *   starttls  yes: STARTTLS required (the default, except to a loopback
 *             address where there is nothing to protect); no: plain
 *   timeout   seconds for this server, connection and dialogue (default 5)
 *   user, password_file / password_env / password: SMTP AUTH (refused
 *             over a plain connection to a non-loopback server)
 * TLS certificates are verified ([mail] cainfo= or --cainfo for a private
 * CA).
 *
 * The payload (JSON object):
 *   { "from": "a@b", "rcpt": ["x@y", ...], "data": "the message, CRLF",
 *     "servers": [ {"url": ..., "timeout": 5, "starttls": true}, ... ]?,
 *     "cainfo": "/path"? }
 * One curl handle per server URL is kept in the flush state, so a flush
 * of many messages reuses each SMTP connection. */
#ifndef MAMORI_MAIL_SMTP_H
#define MAMORI_MAIL_SMTP_H

#include "channels.h"

int mail_send_spooled(const struct channel_msg *m, void **state, struct buf *via, struct buf *err);
void mail_send_done(void *state);

#endif
