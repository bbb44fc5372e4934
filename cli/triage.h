/* `mamori triage`: the runbooks' check set against one host, as a table.
 * The items are data (triage_items.c): adding a check is adding a row. */
#ifndef MAMORI_TRIAGE_H
#define MAMORI_TRIAGE_H
#include <stdbool.h>
#include <stddef.h>

enum triage_scope {
	SCOPE_LOCAL = 1,    /* measures this machine: only when HOST is local */
	SCOPE_NETWORK = 2,  /* talks to HOST over the network */
};

struct triage_item {
	const char *name;           /* unique, short: "load", "port 22" */
	const char *runbook;        /* where its procedure is: "000 5.1", "001 SSH" */
	enum triage_scope scope;
	const char *plugin;         /* program in the plugin directory */
	const char *args[16];       /* "$HOST" is replaced by the host; NULL ends */
	/* Run only when one of these exists here (the daemon the runbook
	 * restarts, the log it reads); empty: always. --all runs it regardless. */
	const char *needs[8];
	const char *next_en;        /* the runbook's next step, for a non-OK state */
	const char *next_ja;
	const char *recover;        /* the runbook of recover_NAME for this item, or NULL */
};

extern const struct triage_item triage_items[];
extern const size_t triage_item_count;

int triage_main(int argc, char **argv);

#endif
