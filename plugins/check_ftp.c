/* check_ftp: an FTP server: the 220 greeting, AUTH TLS or implicit TLS (990), optional login (runbook 000 port 21, runbook 001 FTP). */
#include "logincheck.h"
#include "netcheck.h"

static const struct program prog = {
	.name = "check_ftp",
	.service = "FTP",
	.purpose = "Checks an FTP server: the 220 greeting, AUTH TLS or implicit TLS (990), optional login (runbook 000 port 21, runbook 001 FTP).",
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
	return logincheck_main(argc, argv, &prog, "ftp");
}
