/* check_imap: an IMAP server: the * OK greeting, STARTTLS or implicit TLS (993), optional login (runbook 001 IMAP/IMAPS). */
#include "logincheck.h"
#include "netcheck.h"

static const struct program prog = {
	.name = "check_imap",
	.service = "IMAP",
	.purpose = "Checks an IMAP server: the * OK greeting, STARTTLS or implicit TLS (993), optional login (runbook 001 IMAP/IMAPS).",
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
	return logincheck_main(argc, argv, &prog, "imap");
}
