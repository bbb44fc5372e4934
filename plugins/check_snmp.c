/* check_snmp: values from an SNMP agent (v1, v2c, v3), judged per OID, and
 * the resource modes of runbook 004 for hosts that only speak SNMP. Options
 * are monitoring-plugins' check_snmp's, so command definitions carry over;
 * the SNMP work is in lib/snmp_*.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "options.h"
#include "plugin.h"
#include "secret.h"
#include "snmp_get.h"
#include "snmp_resource.h"
#include "snmp_session.h"
#include "timeout.h"

enum { OPT_RATE = 256, OPT_RATE_MULT, OPT_OFFSET, OPT_INVERT, OPT_COMMUNITY_FILE, OPT_AUTHPASS_FILE,
       OPT_PRIVPASS_FILE, OPT_MODE, OPT_STORAGE, OPT_PROCESS, OPT_SERVICE };

struct config {
	struct snmp_conf s;
	struct snmp_get_conf g;
	struct snmp_res_conf rc;
	enum snmp_mode mode;
	const char *warn, *crit, *labels, *units, *mibs;
	const char *community_file, *authpass_file, *privpass_file;
	bool level_set;
	const char **names;
	size_t nnames;
	int names_for;
};

static const struct option_spec options[] = {
	{ "hostname", 'H', "ADDRESS", "The agent's host name or address" },
	{ "port", 'p', "PORT", "UDP port (default 161)" },
	{ "protocol", 'P', "1|2c|3", "SNMP version (default 2c; monitoring-plugins' default is 1)" },
	{ "community", 'C', "STRING", "Community for v1 and v2c (default \"public\"). It shows in ps: prefer\n"
	  "--community-file or the environment variable MAMORI_SNMP_COMMUNITY" },
	{ "community-file", OPT_COMMUNITY_FILE, "FILE", "Read the community from the first line of FILE (mode 0600 or stricter)" },
	{ "secname", 'U', "USER", "SNMPv3 user (security name)" },
	{ "seclevel", 'L', "LEVEL", "SNMPv3 security level: noAuthNoPriv, authNoPriv or authPriv (default:\n"
	  "authPriv with -X, else authNoPriv with -A, else noAuthNoPriv)" },
	{ "authproto", 'a', "PROTO", "SNMPv3 authentication: MD5, SHA (default), SHA-256 or SHA-512" },
	{ "authpasswd", 'A', "PASSPHRASE", "SNMPv3 authentication passphrase (or --authpass-file, or\n"
	  "MAMORI_SNMP_AUTHPASS)" },
	{ "authpass-file", OPT_AUTHPASS_FILE, "FILE", "Read the authentication passphrase from FILE (mode 0600)" },
	{ "privproto", 'x', "PROTO", "SNMPv3 privacy: DES (default, as monitoring-plugins), AES or AES-256" },
	{ "privpasswd", 'X', "PASSPHRASE", "SNMPv3 privacy passphrase (or --privpass-file, or MAMORI_SNMP_PRIVPASS)" },
	{ "privpass-file", OPT_PRIVPASS_FILE, "FILE", "Read the privacy passphrase from FILE (mode 0600)" },
	{ "context", 'N', "CONTEXT", "SNMPv3 context name" },
	{ "oid", 'o', "OID[,OID...]", "The objects to get: numeric (1.3.6.1.2.1.1.3.0) or names (sysUpTime.0,\n"
	  "ifInOctets.2, IF-MIB::ifDescr.1). Up to 64, commas or blanks between them; repeatable" },
	{ "miblist", 'm', "LIST", "MIBs net-snmp loads to resolve names the built-in table lacks (default ALL)" },
	{ "warning", 'w', "RANGE[,RANGE...]", "WARNING when a value is outside RANGE; one per OID, in -o's order\n"
	  "(an empty or missing one: no threshold). In --mode: see below" },
	{ "critical", 'c', "RANGE[,RANGE...]", "CRITICAL likewise" },
	{ "string", 's', "STRING", "CRITICAL unless the value is exactly STRING (OIDs without -w/-c)" },
	{ "ereg", 'r', "REGEX", "CRITICAL unless the value matches REGEX (PCRE2 when built with it)" },
	{ "eregi", 'R', "REGEX", "As -r, case-insensitive" },
	{ "invert-search", OPT_INVERT, NULL, "CRITICAL when -s or -r matches, instead of when it does not" },
	{ "label", 'l', "LABEL[,LABEL...]", "Labels for the values, one per OID (default: the OID's name)" },
	{ "units", 'u', "UNIT[,UNIT...]", "Units shown after the values, one per OID" },
	{ "multiplier", 'M', "FACTOR", "Multiply numeric values by FACTOR" },
	{ "offset", OPT_OFFSET, "NUMBER", "Add NUMBER to numeric values (after -M)" },
	{ "rate", OPT_RATE, NULL, "Judge the change per second since the last run (state file per host and\n"
	  "OID); the first run says \"rate: first sample\" and is OK" },
	{ "rate-multiplier", OPT_RATE_MULT, "N", "Per N seconds instead of per second (60: per minute)" },
	{ "perf-oids", 'O', NULL, "Label perfdata with numeric OIDs instead of names" },
	{ "retries", 'e', "N", "Retries after the first try (default 5); -t bounds them all" },
	{ "mode", OPT_MODE, "MODE", "A resource check instead of -o: cpu, memory, storage, processes, load,\n"
	  "winservice (see below)" },
	{ "storage", OPT_STORAGE, "PATTERN", "--mode storage: the hrStorageTable rows whose description matches\n"
	  "the shell PATTERN (repeatable; default: every fixed disk)" },
	{ "process", OPT_PROCESS, "NAME", "--mode processes: count only processes named NAME (repeatable)" },
	{ "service", OPT_SERVICE, "NAME[,NAME...]", "--mode winservice: the Windows services that must be active\n"
	  "(repeatable; names as the service table lists them, any case)" },
	{ NULL, 0, NULL, NULL },
};

static const struct program prog = {
	.name = "check_snmp",
	.service = "SNMP",
	.purpose = "Checks values from an SNMP agent (v1, v2c, v3): numbers against thresholds,\n"
	           "strings against an expected value or a regex, counters as rates; or, with\n"
	           "--mode, the CPU, memory, storage, processes and load of a host, and the\n"
	           "state of Windows services, from the standard MIBs.",
	.usage = "-H HOST -o OID[,OID...] [-P 1|2c|3] [-C COMMUNITY | --community-file FILE]\n"
	         "       [-w RANGES] [-c RANGES] [-s STRING | -r REGEX] [--rate] [-l LABELS] [-u UNITS]\n"
	         "       [-U USER -L LEVEL -a PROTO -A PASS -x PROTO -X PASS] [-p PORT] [-e RETRIES]\n"
	         "   or: -H HOST --mode cpu|memory|storage|processes|load [-w RANGE] [-c RANGE]\n"
	         "   or: -H HOST --mode winservice --service NAME[,NAME...]",
	.options = options,
	.notes = "Modes: cpu (busy %: hrProcessorLoad averaged over the CPUs; before the agent\n"
	         "has a minute of history, UCD ssCpuRaw counters since the last run), memory\n"
	         "(used % as check_mem: total - available, UCD-SNMP-MIB, else hrStorageRam),\n"
	         "storage (per hrStorageTable disk: -w/-c as check_disk, \"10%\" = free space at\n"
	         "or below 10%, or a range on the used %), processes (hrSWRunTable count,\n"
	         "-w/-c ranges as check_procs; failing UCD prTable entries are CRITICAL), load\n"
	         "(laLoad, -w/-c as check_load: W1,W5,W15), winservice (svSvcTable of Windows'\n"
	         "SNMP service: a named service missing or not active is CRITICAL).\n"
	         "No answer within -t (which bounds every try and retry) is CRITICAL, or the\n"
	         "STATE of -t SECONDS:STATE (-t 10:unknown answers as monitoring-plugins 2.3).",
	.timeout = 10,
	.timeout_state = STATE_CRITICAL,
};

static void push(const char ***v, size_t *n, const char *s)
{
	*v = xrealloc(*v, (*n + 1) * sizeof **v);
	(*v)[(*n)++] = s;
}

static const char *on_option(void *cfg_, int key, const char *arg)
{
	struct config *cfg = cfg_;
	long l;
	const char *err;
	switch (key) {
	case 'H':
		if (!*arg || strlen(arg) > 255 || strpbrk(arg, " \t/"))
			return "not a host name or address";
		cfg->s.host = arg;
		return NULL;
	case 'p': return opt_long(arg, 1, 65535, &cfg->s.port);
	case 'P':
		if (strcmp(arg, "1") == 0) cfg->s.version = 1;
		else if (strcmp(arg, "2c") == 0 || strcmp(arg, "2") == 0) cfg->s.version = 2;
		else if (strcmp(arg, "3") == 0) cfg->s.version = 3;
		else return "the protocol is 1, 2c or 3";
		return NULL;
	case 'C': cfg->s.community = arg; return NULL;
	case OPT_COMMUNITY_FILE: cfg->community_file = arg; return NULL;
	case 'U': cfg->s.secname = arg; return NULL;
	case 'L':
		if (strcasecmp(arg, "noAuthNoPriv") == 0) cfg->s.level = SNMP_NOAUTH_NOPRIV;
		else if (strcasecmp(arg, "authNoPriv") == 0) cfg->s.level = SNMP_AUTH_NOPRIV;
		else if (strcasecmp(arg, "authPriv") == 0) cfg->s.level = SNMP_AUTH_PRIV;
		else return "the security level is noAuthNoPriv, authNoPriv or authPriv";
		cfg->level_set = true;
		return NULL;
	case 'a':
		if (strcasecmp(arg, "MD5") == 0) cfg->s.auth = SNMP_AUTH_MD5;
		else if (strcasecmp(arg, "SHA") == 0 || strcasecmp(arg, "SHA1") == 0) cfg->s.auth = SNMP_AUTH_SHA;
		else if (strcasecmp(arg, "SHA-256") == 0 || strcasecmp(arg, "SHA256") == 0) cfg->s.auth = SNMP_AUTH_SHA256;
		else if (strcasecmp(arg, "SHA-512") == 0 || strcasecmp(arg, "SHA512") == 0) cfg->s.auth = SNMP_AUTH_SHA512;
		else return "the auth protocol is MD5, SHA, SHA-256 or SHA-512";
		return NULL;
	case 'x':
		if (strcasecmp(arg, "DES") == 0) cfg->s.priv = SNMP_PRIV_DES;
		else if (strcasecmp(arg, "AES") == 0 || strcasecmp(arg, "AES128") == 0) cfg->s.priv = SNMP_PRIV_AES;
		else if (strcasecmp(arg, "AES-256") == 0 || strcasecmp(arg, "AES256") == 0) cfg->s.priv = SNMP_PRIV_AES256;
		else return "the privacy protocol is DES, AES or AES-256";
		return NULL;
	case 'A': cfg->s.authpass = arg; return NULL;
	case 'X': cfg->s.privpass = arg; return NULL;
	case OPT_AUTHPASS_FILE: cfg->authpass_file = arg; return NULL;
	case OPT_PRIVPASS_FILE: cfg->privpass_file = arg; return NULL;
	case 'N': cfg->s.context = arg; return NULL;
	case 'o': return snmp_get_add_oids(&cfg->g, arg);
	case 'm': cfg->mibs = arg; return NULL;
	case 'w': cfg->warn = arg; return NULL;
	case 'c': cfg->crit = arg; return NULL;
	case 's': cfg->g.expect = arg; return NULL;
	case 'r': case 'R':
		cfg->g.regex = arg;
		cfg->g.caseless = key == 'R';
		return NULL;
	case OPT_INVERT: cfg->g.invert = true; return NULL;
	case 'l': cfg->labels = arg; return NULL;
	case 'u': cfg->units = arg; return NULL;
	case 'M': return opt_double(arg, -1e15, 1e15, &cfg->g.mult);
	case OPT_OFFSET: return opt_double(arg, -1e15, 1e15, &cfg->g.offset);
	case OPT_RATE: cfg->g.rate = true; return NULL;
	case OPT_RATE_MULT: return opt_double(arg, 1e-6, 1e9, &cfg->g.rate_mult);
	case 'O': cfg->g.perf_oids = true; return NULL;
	case 'e':
		if ((err = opt_long(arg, 0, 20, &l)))
			return err;
		cfg->s.retries = (int)l;
		return NULL;
	case OPT_MODE: {
		int m = snmp_mode_parse(arg);
		if (m < 0)
			return "the mode is cpu, memory, storage, processes, load or winservice";
		cfg->mode = (enum snmp_mode)m;
		return NULL;
	}
	case OPT_STORAGE: case OPT_PROCESS: case OPT_SERVICE:
		if (!*arg || strlen(arg) > 255)
			return "empty or too long name";
		if (cfg->names_for && cfg->names_for != key)
			return "--storage, --process and --service do not mix";
		cfg->names_for = key;
		if (key == OPT_SERVICE) {
			/* service names hold blanks ("Print Spooler"), never commas */
			char *copy = xstrdup(arg), *save = NULL;
			for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
				push(&cfg->names, &cfg->nnames, t);
		} else {
			push(&cfg->names, &cfg->nnames, arg);
		}
		return NULL;
	}
	return "unhandled option";
}

/* A secret from the option, else its file, else the environment. */
static const char *secret(const char *given, const char *file, const char *env, char *buf, size_t size)
{
	if (given)
		return given;
	if (file) {
		const char *err = secret_read_file(file, buf, size);
		if (err)
			plugin_die(STATE_UNKNOWN, "%s: %s", file, err);
		return buf;
	}
	return secret_from_env(env);
}

int main(int argc, char **argv)
{
	static char community[256], authpass[256], privpass[256];
	struct config cfg = { .s = { .port = 161, .version = 2, .auth = SNMP_AUTH_SHA, .priv = SNMP_PRIV_DES,
	                             .retries = 5 },
	                      .g = { .rate_mult = 1, .mult = 1 } };
	struct check c;
	const char *err;

	program_parse(&prog, argc, argv, on_option, &cfg);
	if (!cfg.s.host)
		plugin_die(STATE_UNKNOWN, "-H HOST is required");
	if (cfg.mode == SNMP_MODE_GET && cfg.g.n == 0)
		plugin_die(STATE_UNKNOWN, "-o OID (or --mode) is required");
	if (cfg.mode != SNMP_MODE_GET && cfg.g.n)
		plugin_die(STATE_UNKNOWN, "-o and --mode do not mix");
	if (cfg.mode != SNMP_MODE_GET && (cfg.g.expect || cfg.g.regex || cfg.g.rate || cfg.labels || cfg.units))
		plugin_die(STATE_UNKNOWN, "-s, -r, -R, --rate, -l and -u go with -o, not --mode");
	if (cfg.names_for && cfg.mode == SNMP_MODE_GET)
		plugin_die(STATE_UNKNOWN, "--storage, --process and --service need --mode");
	if (cfg.g.expect && cfg.g.regex)
		plugin_die(STATE_UNKNOWN, "-s and -r do not mix");

	cfg.s.community = secret(cfg.s.community, cfg.community_file, "MAMORI_SNMP_COMMUNITY", community,
	                         sizeof community);
	if (!cfg.s.community)
		cfg.s.community = "public";
	if (cfg.s.version == 3) {
		if (!cfg.s.secname)
			plugin_die(STATE_UNKNOWN, "SNMPv3 needs -U USER");
		cfg.s.authpass = secret(cfg.s.authpass, cfg.authpass_file, "MAMORI_SNMP_AUTHPASS", authpass, sizeof authpass);
		cfg.s.privpass = secret(cfg.s.privpass, cfg.privpass_file, "MAMORI_SNMP_PRIVPASS", privpass, sizeof privpass);
		if (!cfg.level_set)
			cfg.s.level = cfg.s.privpass ? SNMP_AUTH_PRIV : cfg.s.authpass ? SNMP_AUTH_NOPRIV : SNMP_NOAUTH_NOPRIV;
		if (cfg.s.level >= SNMP_AUTH_NOPRIV && !cfg.s.authpass)
			plugin_die(STATE_UNKNOWN, "-L %s needs an auth passphrase (-A, --authpass-file or MAMORI_SNMP_AUTHPASS)",
			           cfg.s.level == SNMP_AUTH_PRIV ? "authPriv" : "authNoPriv");
		if (cfg.s.level == SNMP_AUTH_PRIV && !cfg.s.privpass)
			plugin_die(STATE_UNKNOWN, "-L authPriv needs a privacy passphrase (-X, --privpass-file or MAMORI_SNMP_PRIVPASS)");
	}

	char key[300];
	snprintf(key, sizeof key, "%s:%ld", cfg.s.host, cfg.s.port);
	bool need_mibs = false;
	if (cfg.mode == SNMP_MODE_GET) {
		cfg.g.key = key;
		if ((cfg.warn && (err = snmp_get_set_list(&cfg.g, 'w', cfg.warn))) ||
		    (cfg.crit && (err = snmp_get_set_list(&cfg.g, 'c', cfg.crit))) ||
		    (cfg.labels && (err = snmp_get_set_list(&cfg.g, 'l', cfg.labels))) ||
		    (cfg.units && (err = snmp_get_set_list(&cfg.g, 'u', cfg.units))) || (err = snmp_get_compile(&cfg.g)))
			plugin_die(STATE_UNKNOWN, "%s", err);
		need_mibs = snmp_get_resolve_builtin(&cfg.g);
	} else {
		cfg.rc = (struct snmp_res_conf){ .warn = cfg.warn, .crit = cfg.crit, .names = cfg.names,
		                                 .nnames = cfg.nnames, .key = key };
		if ((err = snmp_resource_prepare(cfg.mode, &cfg.rc)))
			plugin_die(STATE_UNKNOWN, "%s", err);
	}
	if (cfg.mibs)
		setenv("MIBS", cfg.mibs, 1);
	snmpq_init(need_mibs, cfg.s.version == 3, plugin_verbose);
	if (need_mibs && (err = snmp_get_resolve_mibs(&cfg.g)))
		plugin_die(STATE_UNKNOWN, "%s", err);

	struct snmpq *q;
	if ((err = snmpq_open(&q, &cfg.s)))
		plugin_die(strncmp(err, "no response", 11) == 0 ? timeout_state() : STATE_UNKNOWN, "%s", err);
	check_init(&c, prog.service);
	if (cfg.mode == SNMP_MODE_GET)
		snmp_get_run(q, &cfg.g, &c);
	else
		snmp_resource_run(q, cfg.mode, &cfg.rc, &c);
	snmpq_close(q);
	check_exit(&c);
}
