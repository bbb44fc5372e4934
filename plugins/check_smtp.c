/* check_smtp: the SMTP dialogue of runbook 000 port 25 / runbook 001 SMTP:
 * greeting, EHLO, STARTTLS (25/587) or implicit TLS (465), optional AUTH,
 * MAIL FROM, extra commands, QUIT. Options and status line as
 * monitoring-plugins' check_smtp. */
#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base64.h"
#include "netcheck.h"
#include "proto.h"
#include "secret.h"
#include "tls.h"

enum { MAX_CMDS = 8, MAX_CAPS = 8, OPT_PASSFILE = 3000, OPT_CAP };

struct config {
	struct netcheck n;
	const char *fqdn, *from, *authtype, *user, *pass, *passfile;
	const char *cmd[MAX_CMDS], *resp[MAX_CMDS];
	size_t ncmd, nresp;
	const char *caps[MAX_CAPS];
	size_t ncaps;
	bool lmtp;
	struct buf ehlo;  /* the last EHLO answer */
};

static const struct option_spec options[] = {
	{ "fqdn", 'F', "NAME", "Name to give in EHLO (default: this host's name)" },
	{ "from", 'f', "ADDRESS", "Also send MAIL FROM:<ADDRESS>; it must be accepted (250)" },
	{ "command", 'C', "STRING", "Send this command after EHLO (repeatable)" },
	{ "response", 'R', "REGEX", "The answer to the matching -C must match this POSIX regex" },
	{ "capability", OPT_CAP, "NAME", "EHLO must advertise NAME (STARTTLS, AUTH, SIZE...; repeatable)" },
	{ "authtype", 'A', "TYPE", "Authenticate: none (default), PLAIN or LOGIN" },
	{ "authuser", 'U', "USER", "User for AUTH" },
	{ "authpass", 'P', "PASSWORD", "Password for AUTH (visible in ps: prefer --authpass-file)" },
	{ "authpass-file", OPT_PASSFILE, "FILE", "Read the AUTH password from FILE (mode 0600 or stricter);\n"
	  "$MAMORI_PASSWORD also works" },
	{ "lmtp", 'L', NULL, "Speak LMTP (LHLO instead of EHLO)" },
	{ "ignore-quit-failure", 'q', NULL, "Accepted for compatibility: a failed QUIT never changes the state" },
	{ NULL, 0, NULL, NULL },
};

static const struct program prog = {
	.name = "check_smtp",
	.service = "SMTP",
	.purpose = "Checks an SMTP server: greeting, EHLO, STARTTLS or implicit TLS, optional AUTH,\n"
	           "MAIL FROM and further commands.",
	.usage = "-H HOST [-p PORT] [-S | --ssl] [-F FQDN] [-A PLAIN|LOGIN -U USER --authpass-file FILE]\n"
	         "       [-f FROM] [-C CMD -R REGEX]... [--capability NAME]... [-D DAYS[,DAYS]] [-w S] [-c S]",
	.options = options,
	.shared = netcheck_smtp_options,
	.notes = "-S is STARTTLS, as in monitoring-plugins; --ssl is implicit TLS (SMTPS, port 465).\n"
	         "TLS certificates are verified (chain and host name) unless --insecure.\n"
	         "Perfdata: time (s); days with -D.",
	.timeout = 10,
	.timeout_state = STATE_CRITICAL,
};

static const char *on_option(void *cfg_, int key, const char *arg)
{
	struct config *cfg = cfg_;
	switch (key) {
	case 'F': cfg->fqdn = arg; return NULL;
	case 'f': cfg->from = arg; return NULL;
	case 'C':
		if (cfg->ncmd == MAX_CMDS)
			return "at most 8 commands";
		cfg->cmd[cfg->ncmd++] = arg;
		return NULL;
	case 'R': {
		if (cfg->nresp == MAX_CMDS)
			return "at most 8 responses";
		regex_t re;
		if (regcomp(&re, arg, REG_EXTENDED | REG_NOSUB) != 0)
			return "not a valid regular expression";
		regfree(&re);
		cfg->resp[cfg->nresp++] = arg;
		return NULL;
	}
	case OPT_CAP:
		if (cfg->ncaps == MAX_CAPS)
			return "at most 8 capabilities";
		cfg->caps[cfg->ncaps++] = arg;
		return NULL;
	case 'A':
		if (strcasecmp(arg, "none") && strcasecmp(arg, "plain") && strcasecmp(arg, "login"))
			return "authtype must be none, PLAIN or LOGIN";
		cfg->authtype = strcasecmp(arg, "none") ? arg : NULL;
		return NULL;
	case 'U': cfg->user = arg; return NULL;
	case 'P': cfg->pass = arg; return NULL;
	case OPT_PASSFILE: cfg->passfile = arg; return NULL;
	case 'L': cfg->lmtp = true; return NULL;
	case 'q': return NULL;
	}
	return netcheck_option(&cfg->n, key, arg);
}

/* Send a command, require a reply code class; detail names what failed. */
static enum net_result step(struct netcheck *n, const char *cmd, const char *shown, int want,
                            struct buf *reply)
{
	int code = 0;
	enum net_result r = proto_command(&n->conn, n->svc, cmd, reply, &code);
	if (r == NET_OK && code / 100 != want / 100) {
		char first[160];
		proto_first_line(buf_cstr(reply), first, sizeof first);
		snprintf(n->conn.detail, sizeof n->conn.detail, "%s answered '%s'", shown, first);
		return NET_PROTO_FAIL;
	}
	return r;
}

static enum net_result ehlo(struct netcheck *n, struct check *c, void *ctx)
{
	(void)c;
	struct config *cfg = ctx;
	char cmd[300];
	snprintf(cmd, sizeof cmd, "%s %s", cfg->lmtp ? "LHLO" : "EHLO", cfg->fqdn);
	return step(n, cmd, cfg->lmtp ? "LHLO" : "EHLO", 250, &cfg->ehlo);
}

/* "250-AUTH PLAIN LOGIN" lines: is NAME the first word of one? */
static bool advertised(const char *ehlo_text, const char *name)
{
	size_t nl = strlen(name);
	for (const char *line = ehlo_text; line && *line;) {
		const char *w = line + (strlen(line) > 4 ? 4 : strlen(line));
		if (line != ehlo_text && strncasecmp(w, name, nl) == 0 && (w[nl] == ' ' || w[nl] == '\n' || !w[nl]))
			return true;
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return false;
}

static void b64(const char *in, size_t len, char *out, size_t size)
{
	if ((len + 2) / 3 * 4 + 1 > size) {
		out[0] = '\0';
		return;
	}
	base64_encode(in, len, out);
}

static enum net_result authenticate(struct config *cfg, const char *pass)
{
	struct netcheck *n = &cfg->n;
	struct buf reply = BUF_INIT;
	char enc[2048], cmd[2100];
	enum net_result r;
	if (strcasecmp(cfg->authtype, "plain") == 0) {
		char raw[1200];
		size_t ul = strlen(cfg->user), pl = strlen(pass);
		if (ul + pl + 2 > sizeof raw) {
			snprintf(n->conn.detail, sizeof n->conn.detail, "user and password too long");
			return NET_PROTO_FAIL;
		}
		raw[0] = '\0';
		memcpy(raw + 1, cfg->user, ul);
		raw[ul + 1] = '\0';
		memcpy(raw + ul + 2, pass, pl);
		b64(raw, ul + pl + 2, enc, sizeof enc);
		snprintf(cmd, sizeof cmd, "AUTH PLAIN %s", enc);
		r = step(n, cmd, "AUTH PLAIN", 235, &reply);
	} else {
		r = step(n, "AUTH LOGIN", "AUTH LOGIN", 334, &reply);
		if (r == NET_OK) {
			b64(cfg->user, strlen(cfg->user), enc, sizeof enc);
			r = step(n, enc, "AUTH LOGIN user", 334, &reply);
		}
		if (r == NET_OK) {
			b64(pass, strlen(pass), enc, sizeof enc);
			r = step(n, enc, "AUTH LOGIN password", 235, &reply);
		}
	}
	buf_free(&reply);
	return r;
}

static const char *password(struct config *cfg, char *buf, size_t size)
{
	if (cfg->passfile) {
		const char *err = secret_read_file(cfg->passfile, buf, size);
		if (err)
			plugin_die(STATE_UNKNOWN, "%s", err);
		return buf;
	}
	if (cfg->pass)
		return cfg->pass;
	const char *env = secret_from_env("MAMORI_PASSWORD");
	if (!env)
		plugin_die(STATE_UNKNOWN, "AUTH needs --authpass-file, MAMORI_PASSWORD or -P");
	return env;
}

int main(int argc, char **argv)
{
	static struct config cfg;
	struct check c;
	char host[256], passbuf[1024];

	netcheck_init(&cfg.n, service_find("smtp"), tls_start);
	cfg.n.expect = "220";
	cfg.n.s_is_starttls = true;
	program_parse(&prog, argc, argv, on_option, &cfg);
	netcheck_ready(&cfg.n);
	if (!cfg.fqdn) {
		if (gethostname(host, sizeof host) != 0 || !host[0])
			snprintf(host, sizeof host, "localhost");
		host[sizeof host - 1] = '\0';
		cfg.fqdn = host;
	}
	if (strpbrk(cfg.fqdn, "\r\n ") || (cfg.from && strpbrk(cfg.from, "\r\n<>")))
		plugin_die(STATE_UNKNOWN, "--fqdn and --from may not hold spaces, line breaks or <>");
	if (cfg.nresp > cfg.ncmd)
		plugin_die(STATE_UNKNOWN, "more --response than --command");
	if (cfg.authtype && !cfg.user)
		plugin_die(STATE_UNKNOWN, "--authtype needs --authuser");
	const char *pass = cfg.authtype ? password(&cfg, passbuf, sizeof passbuf) : NULL;
	check_init(&c, prog.service);

	if (!netcheck_open(&cfg.n, &c, ehlo, &cfg))
		netcheck_finish(&cfg.n, &c, true);
	struct netcheck *n = &cfg.n;
	enum net_result r = ehlo(n, &c, &cfg);   /* again after STARTTLS, as RFC 3207 says */
	const char *failed = cfg.lmtp ? "LHLO" : "EHLO";
	for (size_t i = 0; r == NET_OK && i < cfg.ncaps; i++)
		if (!advertised(buf_cstr(&cfg.ehlo), cfg.caps[i])) {
			snprintf(n->conn.detail, sizeof n->conn.detail, "EHLO does not advertise %s", cfg.caps[i]);
			r = NET_PROTO_FAIL;
			failed = "capabilities";
		}
	if (r == NET_OK && cfg.authtype) {
		r = authenticate(&cfg, pass);
		failed = "AUTH";
	}
	memset(passbuf, 0, sizeof passbuf);
	struct buf reply = BUF_INIT;
	if (r == NET_OK && cfg.from) {
		char cmd[600];
		snprintf(cmd, sizeof cmd, "MAIL FROM:<%.500s>", cfg.from);
		r = step(n, cmd, "MAIL FROM", 250, &reply);
		if (r == NET_OK)
			r = step(n, "RSET", "RSET", 250, &reply);
		failed = "MAIL FROM";
	}
	for (size_t i = 0; r == NET_OK && i < cfg.ncmd; i++) {
		int code;
		failed = cfg.cmd[i];
		r = proto_command(&n->conn, n->svc, cfg.cmd[i], &reply, &code);
		if (r == NET_OK && i < cfg.nresp) {
			regex_t re;
			regcomp(&re, cfg.resp[i], REG_EXTENDED | REG_NOSUB);
			if (regexec(&re, buf_cstr(&reply), 0, NULL, 0) != 0) {
				char first[160];
				proto_first_line(buf_cstr(&reply), first, sizeof first);
				snprintf(n->conn.detail, sizeof n->conn.detail, "'%s' answered '%s', expected /%s/",
				         cfg.cmd[i], first, cfg.resp[i]);
				r = NET_PROTO_FAIL;
			}
			regfree(&re);
		}
	}
	buf_free(&reply);
	if (r != NET_OK) {
		check_raise(&c, STATE_CRITICAL);
		netcheck_fail(n, &c, r, failed);
		netcheck_finish(n, &c, true);
	}
	char first[200];
	proto_first_line(buf_cstr(&n->greeting), first, sizeof first);
	check_summary(&c, "%.3f sec. response time, %s", net_elapsed(&n->conn), first);
	if (n->tls_on)
		check_summary(&c, ", %s %s", n->starttls ? "STARTTLS" : "TLS", n->peer.version);
	if (cfg.authtype)
		check_summary(&c, ", AUTH %s as %s", cfg.authtype, cfg.user);
	buf_free(&cfg.ehlo);
	netcheck_finish(n, &c, true);
}
