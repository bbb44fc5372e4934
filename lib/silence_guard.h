/* Who may silence what, and for how long: the checks a 静観依頼 mail
 * passes before `mamori silence from-mail` stores its windows (issue 10:
 * a forged request must not silence every alert before an attack).
 *
 * Config (lib/conf):
 *   [silence-senders NAME]     one group of customers' senders
 *     senders = yamada@example.co.jp, @example.co.jp
 *     hosts = web01, web02.example.jp, db*     what they may silence (globs)
 *     alerts = HTTP, PING      optional: only these; すべての警報 = these
 *     auth = dmarc, dkim       optional: overrides [mail-auth] methods
 *     token_file = PATH        optional: a shared token the body must hold
 *   [silence]
 *     max_window = 24h         longest window a mail may ask for
 *     past_tolerance = 15m     how far in the past the start may be */
#ifndef MAMORI_SILENCE_GUARD_H
#define MAMORI_SILENCE_GUARD_H
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "conf.h"
#include "silence_mail.h"

/* Judge req (parsed from raw at now). check_sender false: only the
 * bounds. NULL when accepted (who: the sender and what vouched, or ""),
 * else a one-line reason. req->alerts may be narrowed to the group's. */
const char *silence_guard(const struct conf *c, const char *raw, size_t len, struct silence_request *req,
                          time_t now, bool check_sender, char *who, size_t wsize);

#endif
