/* What every network check shares: the host/port/family/threshold/TLS
 * options, connecting, implicit TLS or STARTTLS, the certificate's days,
 * the greeting, and the monitoring-plugins-style status line and `time`
 * perfdata. A protocol plugin adds only its own dialogue. */
#ifndef MAMORI_NETCHECK_H
#define MAMORI_NETCHECK_H
#include <stdbool.h>

#include "net.h"
#include "options.h"
#include "plugin.h"
#include "range.h"
#include "services.h"
#include "tls.h"

enum netcheck_key {
	NK_HOST = 'H', NK_PORT = 'p', NK_IPV4 = '4', NK_IPV6 = '6', NK_WARN = 'w', NK_CRIT = 'c',
	NK_EXPECT = 'e', NK_MISMATCH = 'M', NK_REFUSE = 'r', NK_CERTDAYS = 'D',
	NK_S = 'S',                     /* --ssl or --starttls: see s_is_starttls */
	NK_SSL = 1000, NK_STARTTLS, NK_CAFILE, NK_INSECURE, NK_SNI, NK_CLIENT_CERT, NK_CLIENT_KEY,
	NK_REFUSE_LONG,
};

/* -S means implicit TLS (check_tcp, check_ftp, check_pop, check_imap, as in
 * monitoring-plugins) or STARTTLS (check_smtp, likewise). */
extern const struct option_spec netcheck_plain_options[];       /* no TLS (check_ssh) */
extern const struct option_spec netcheck_tcp_options[];         /* check_tcp: -e is its own */
extern const struct option_spec netcheck_tls_options[];       /* -S = --ssl */
extern const struct option_spec netcheck_smtp_options[];      /* -S = --starttls */

typedef enum net_result (*tls_start_fn)(struct conn *, const struct tls_opts *, struct tls_peer *);

struct netcheck {
	const struct service *svc;
	const char *host;
	unsigned port;                  /* 0: the service's */
	int family;
	struct range warn, crit;        /* response time, seconds */
	const char *expect;             /* greeting must contain */
	enum state mismatch, refuse;
	bool implicit_tls, starttls, insecure;
	struct tls_opts tls;
	bool days_set;
	double days_warn, days_crit;
	tls_start_fn tls_start;         /* set by plugins that link lib/tls.c */
	bool s_is_starttls;             /* -S means STARTTLS (check_smtp), else implicit TLS */
	/* results */
	struct conn conn;
	struct buf greeting;
	struct tls_peer peer;
	bool tls_on;
	bool cert_judged;               /* the plugin reports the certificate itself */
	double timeout;
};

void netcheck_init(struct netcheck *n, const struct service *svc, tls_start_fn start_tls);
/* Handles a key of the shared tables; NULL when done, else a reason. Keys it
 * does not know give "unhandled option". */
const char *netcheck_option(struct netcheck *n, int key, const char *arg);
/* After option parsing: defaults and consistency ("-H is required"). */
void netcheck_ready(struct netcheck *n);

/* Connect (and TLS for --ssl), read the greeting, do STARTTLS when asked
 * (before_starttls runs first, e.g. SMTP's EHLO). On failure the check's
 * state and summary are set and false is returned: call netcheck_finish. */
typedef enum net_result (*netcheck_step)(struct netcheck *n, struct check *c, void *ctx);
bool netcheck_open(struct netcheck *n, struct check *c, netcheck_step before_starttls, void *ctx);
/* Judge a failed step: state by kind (refused -> -r state, mismatch -> -M
 * state, the rest CRITICAL) and a summary naming what failed. */
void netcheck_fail(struct netcheck *n, struct check *c, enum net_result r, const char *step);
/* Response time thresholds, certificate days, quit, perfdata; exits. */
_Noreturn void netcheck_finish(struct netcheck *n, struct check *c, bool quit);
/* "0.002 second response time on 127.0.0.1 port 21" as monitoring-plugins'
 * check_tcp writes it. */
void netcheck_tcp_summary(struct netcheck *n, struct check *c);

#endif
