/* One run of a runbook against one host: verify, detect the variant, act
 * (over SSH, through the console, reboot), re-verify, report the outcome.
 * With dry_run the same walk prints every step instead of doing it. */
#ifndef MAMORI_ENGINE_H
#define MAMORI_ENGINE_H
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "buf.h"
#include "cmd.h"
#include "config.h"
#include "remote.h"
#include "runbook.h"

struct engine {
	const struct runbook *rb;
	const struct recover_config *cfg;
	const struct rc_host *hc;          /* [host NAME], or NULL */
	const char *host, *address, *service, *problem_id, *state_text;
	const char *target;                /* address to reach: [host] address, $HOSTADDRESS$, name */
	unsigned ssh_port;
	const char *ssh_user;
	unsigned port;                     /* --port: replaces the runbook's ports */
	bool dry_run;
	FILE *plan;                        /* dry-run output */
	/* run state */
	double deadline;                   /* monotonic */
	time_t detected;
	struct remote *remote;
	bool remote_tried;
	enum remote_error remote_why;
	struct buf remote_err;
	struct vars vars;
	char variant[64], init[32], unit[128];
	char detected_text[32], recovered_text[32], detected_epoch[24];
	struct buf action;                 /* 対応内容: what was done */
	struct buf summary;                /* one line for the notifiers */
	char verify_detail[256];
};

void engine_init(struct engine *e);
void engine_free(struct engine *e);

/* Verify the service (LISTEN over SSH, protocol from here, process):
 * 1 fine, 0 failing, -1 cannot tell (SSH refused). */
int engine_verify(struct engine *e, const char *step);
/* Act and re-verify; returns true when the service is back. *refused is set
 * when the host could not be reached safely (host key, auth). */
bool engine_act(struct engine *e, bool *refused);
/* Run the notifier commands of a level (1 recovered, 2 escalation). */
void engine_notify(struct engine *e, int level, const char *outcome);
/* The whole plan, printed (dry run). */
void engine_plan(struct engine *e);

/* Audit log, one JSON line per step in STATEDIR/recover.audit.jsonl. */
void audit(const struct engine *e, const char *step, char *const argv[], int status, double secs,
           const char *outcome, const char *detail);

#endif
