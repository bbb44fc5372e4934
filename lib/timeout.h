/* -t SECONDS[:STATE]: one real-time alarm for the whole run. When it fires
 * the plugin prints one status line and exits with STATE; it restores
 * nothing, because the process is about to end. */
#ifndef MAMORI_TIMEOUT_H
#define MAMORI_TIMEOUT_H
#include <sys/types.h>

#include "plugin.h"

/* NULL or a reason. Seconds may have decimals, 0 < s <= 86400. */
const char *timeout_parse(const char *arg, double *seconds, enum state *st);
void timeout_start(double seconds, enum state st);
/* Seconds left before the alarm (a large number when none is set), so
 * blocking calls can use a deadline shorter than the alarm. */
double timeout_remaining(void);
/* A child to kill (its process group) when the alarm fires; 0 for none. */
void timeout_kill_on_alarm(pid_t pgid);
double monotonic_now(void);
/* The -t value in force (0 when none). */
double timeout_seconds(void);
/* The STATE of -t SECONDS[:STATE] in force. */
enum state timeout_state(void);

#endif
