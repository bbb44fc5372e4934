/* recover.ini: how to reach the hosts (SSH user, key, known_hosts, sudo),
 * the acting policy, the notifier commands of the two contact levels of
 * runbook 000, and per-host settings (SSH port, console and reboot
 * commands for runbook 000 5.1 and 001 PING). */
#ifndef MAMORI_HANDLER_CONFIG_H
#define MAMORI_HANDLER_CONFIG_H
#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

struct rc_host {
	char *name;
	char *address;          /* where to SSH to, instead of $HOSTADDRESS$ */
	unsigned ssh_port;      /* 0: [ssh] port */
	char *ssh_user;
	char *console;          /* local argv restarting sshd through the console */
	char *reboot;           /* local argv power-cycling the host */
	bool allow_reboot;
	char *console_host;     /* ${CONSOLE_HOST} in console/reboot */
};

struct recover_config {
	char *path;             /* the file read, NULL when none */
	/* [ssh] */
	char *ssh_user;
	unsigned ssh_port;
	char *ssh_key, *passphrase_file, *known_hosts;
	double ssh_timeout, command_timeout;
	int sudo;               /* -1 auto (when the user is not root), 0 no, 1 yes */
	/* [policy] */
	long soft_attempt;      /* act on CRITICAL SOFT at this attempt */
	long max_restarts, cycles;
	double cycle;           /* seconds of one cycle (the check interval) */
	double deadline;        /* the whole detached run (runbook 004: 15 min) */
	bool allow_reboot;      /* default for hosts */
	/* [notify] level1 / level2: argv templates, several allowed */
	char **level1, **level2;
	size_t nlevel1, nlevel2;
	double notify_timeout;
	char *runbook_dir;
	struct rc_host *hosts;
	size_t nhosts;
};

/* Defaults, then the file (a missing file is fine only when !must_exist). */
const char *config_load(struct recover_config *c, const char *path, bool must_exist, struct buf *err);
const struct rc_host *config_host(const struct recover_config *c, const char *name);
void config_free(struct recover_config *c);

#endif
