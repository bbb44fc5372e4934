/* check_ssh: the SSH identification string (RFC 4253 4.2): protocol version
 * and software, optionally an exact remote version or protocol. Output as
 * monitoring-plugins' check_ssh. */
#include <stdio.h>
#include <string.h>

#include "netcheck.h"
#include "proto.h"

struct config {
	struct netcheck n;
	const char *remote_version, *remote_protocol;
};

static const struct option_spec options[] = {
	{ "remote-version", 'r', "VERSION", "CRITICAL unless the server's software version is VERSION\n"
	  "(e.g. OpenSSH_9.2p1 Debian-2+deb12u3)" },
	{ "remote-protocol", 'P', "VERSION", "CRITICAL unless the protocol version is VERSION (e.g. 2.0)" },
	{ NULL, 0, NULL, NULL },
};

static const struct program prog = {
	.name = "check_ssh",
	.service = "SSH",
	.purpose = "Connects to an SSH server and checks its identification string: protocol\n"
	           "version and software version (runbook 000 port 22, runbook 001 SSH).",
	.usage = "-H HOST [-p PORT] [-r VERSION] [-P VERSION] [-w SECONDS] [-c SECONDS]\n"
	         "       HOST may also come last without -H, as the Icinga 2 ITL's ssh command passes it",
	.options = options,
	.shared = netcheck_plain_options,
	.notes = "Perfdata: time (s). The host key is not checked here: recover_ssh and\n"
	         "the SSH-based handlers verify it against known_hosts.",
	.timeout = 10,
	.timeout_state = STATE_CRITICAL,
	.operands = true,
};

static const char *on_option(void *cfg_, int key, const char *arg)
{
	struct config *cfg = cfg_;
	switch (key) {
	case 'r': cfg->remote_version = arg; return NULL;
	case 'P': cfg->remote_protocol = arg; return NULL;
	}
	return netcheck_option(&cfg->n, key, arg);
}

int main(int argc, char **argv)
{
	struct config cfg;
	struct check c;

	netcheck_init(&cfg.n, service_find("ssh"), NULL);
	cfg.remote_version = cfg.remote_protocol = NULL;
	int first = program_parse(&prog, argc, argv, on_option, &cfg);
	if (first < argc) {
		if (argc - first > 1 || cfg.n.host)
			plugin_die(STATE_UNKNOWN, "unexpected argument '%.64s' (see check_ssh --help)", argv[argc - 1]);
		const char *err = netcheck_option(&cfg.n, NK_HOST, argv[first]);
		if (err)
			plugin_die(STATE_UNKNOWN, "host '%.64s': %s", argv[first], err);
	}
	netcheck_ready(&cfg.n);
	check_init(&c, prog.service);
	if (!netcheck_open(&cfg.n, &c, NULL, NULL))
		netcheck_finish(&cfg.n, &c, false);

	/* "SSH-protoversion-softwareversion SP comments": the banner is the
	 * last line the greeting step read */
	const char *all = buf_cstr(&cfg.n.greeting);
	const char *banner = strrchr(all, '\n');
	banner = banner ? banner + 1 : all;
	char proto[32] = "", software[256] = "";
	const char *p = banner + 4;
	size_t pl = strcspn(p, "-");
	if (pl == 0 || pl >= sizeof proto || p[pl] != '-') {
		check_raise(&c, STATE_CRITICAL);
		check_summary(&c, "malformed identification string '%.100s'", banner);
		netcheck_finish(&cfg.n, &c, false);
	}
	memcpy(proto, p, pl);
	snprintf(software, sizeof software, "%s", p + pl + 1);

	/* a mismatch is CRITICAL, as monitoring-plugins' check_ssh has it */
	if (cfg.remote_protocol && strcmp(cfg.remote_protocol, proto) != 0) {
		check_raise(&c, STATE_CRITICAL);
		check_summary(&c, "%s (protocol %s) protocol version mismatch, expected '%s'", software, proto,
		              cfg.remote_protocol);
	} else if (cfg.remote_version && strcmp(cfg.remote_version, software) != 0) {
		check_raise(&c, STATE_CRITICAL);
		check_summary(&c, "%s (protocol %s) version mismatch, expected '%s'", software, proto,
		              cfg.remote_version);
	} else {
		check_summary(&c, "%s (protocol %s)", software, proto);
	}
	/* A client that leaves without its own banner is logged by sshd as
	 * "did not receive identification string"; sending ours keeps the
	 * server's log clean. */
	net_printf(&cfg.n.conn, "SSH-2.0-mamori_check_ssh\r\n");
	netcheck_finish(&cfg.n, &c, false);
}
