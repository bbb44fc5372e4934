/* check_pop: a POP3 server: the +OK greeting, STLS or implicit TLS (995), optional login (runbook 000 port 110, runbook 001 POP/POP3S). */
#include "logincheck.h"
#include "netcheck.h"

static const struct program prog = {
	.name = "check_pop",
	.service = "POP",
	.purpose = "Checks a POP3 server: the +OK greeting, STLS or implicit TLS (995), optional login (runbook 000 port 110, runbook 001 POP/POP3S).",
	.usage = "-H HOST [-p PORT] [-S | --starttls] [-U USER --password-file FILE] [-D DAYS[,DAYS]] [-w SECONDS] [-c SECONDS]",
	.options = logincheck_options,
	.shared = netcheck_tls_options,
	.notes = "TLS certificates are verified (chain and host name) unless --insecure.\n"
	         "Perfdata: time (s); days with -D.",
	.timeout = 10,
	.timeout_state = STATE_CRITICAL,
};

int main(int argc, char **argv)
{
	return logincheck_main(argc, argv, &prog, "pop3");
}
