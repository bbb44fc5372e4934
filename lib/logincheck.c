#include "logincheck.h"

#include <string.h>

#include "netcheck.h"
#include "proto.h"
#include "secret.h"
#include "tls.h"

enum { OPT_USER = 'U', OPT_PASSFILE = 2000 };

const struct option_spec logincheck_options[] = {
	{ "user", OPT_USER, "USER", "Also log in as USER (password from --password-file or $MAMORI_PASSWORD)" },
	{ "password-file", OPT_PASSFILE, "FILE", "Read the password from FILE (mode 0600 or stricter)" },
	{ NULL, 0, NULL, NULL },
};

struct config {
	struct netcheck n;
	const char *user, *passfile;
};

static const char *on_option(void *cfg_, int key, const char *arg)
{
	struct config *cfg = cfg_;
	switch (key) {
	case OPT_USER: cfg->user = arg; return NULL;
	case OPT_PASSFILE: cfg->passfile = arg; return NULL;
	}
	return netcheck_option(&cfg->n, key, arg);
}

int logincheck_main(int argc, char **argv, const struct program *prog, const char *service)
{
	struct config cfg = { 0 };
	struct check c;
	char password[1024] = "";

	netcheck_init(&cfg.n, service_find(service), tls_start);
	program_parse(prog, argc, argv, on_option, &cfg);
	netcheck_ready(&cfg.n);
	if (cfg.user) {
		const char *env = secret_from_env("MAMORI_PASSWORD");
		const char *err = NULL;
		if (cfg.passfile)
			err = secret_read_file(cfg.passfile, password, sizeof password);
		else if (env && strlen(env) >= sizeof password)
			err = "MAMORI_PASSWORD is too long (1023 bytes at most)";
		else if (env)
			strcpy(password, env);
		else
			err = "--user needs --password-file or MAMORI_PASSWORD";
		if (err)
			plugin_die(STATE_UNKNOWN, "%s", err);
	} else if (cfg.passfile) {
		plugin_die(STATE_UNKNOWN, "--password-file needs --user");
	}
	check_init(&c, prog->service);
	if (!netcheck_open(&cfg.n, &c, NULL, NULL))
		netcheck_finish(&cfg.n, &c, false);

	if (cfg.user) {
		enum net_result r = proto_login(&cfg.n.conn, cfg.n.svc, cfg.user, password);
		memset(password, 0, sizeof password);
		if (r != NET_OK) {
			/* a refused login is a broken service for the user: CRITICAL */
			check_raise(&c, STATE_CRITICAL);
			netcheck_fail(&cfg.n, &c, r, "login");
			netcheck_finish(&cfg.n, &c, true);
		}
	}
	netcheck_tcp_summary(&cfg.n, &c);
	char first[200];
	proto_first_line(buf_cstr(&cfg.n.greeting), first, sizeof first);
	check_summary(&c, " [%s]", first);
	if (cfg.n.tls_on)
		check_summary(&c, " %s %s", cfg.n.starttls ? "STARTTLS" : "TLS", cfg.n.peer.version);
	if (cfg.user)
		check_summary(&c, ", logged in as %s", cfg.user);
	netcheck_finish(&cfg.n, &c, true);
}
