/* The built-in runbooks: runbook 000 port by port and runbook 001's
 * processes, as the same INI text an operator's file would hold
 * (`recover --show-runbook NAME` prints one to copy and edit). */
#include <string.h>

#include "runbook.h"

/* Shared by every runbook that restarts over SSH: the init system, tried in
 * order (systemd where it runs, else the init script, else service(8)). */
#define INIT_AND_RESTART \
	"[init]\n" \
	"systemd = test -d /run/systemd/system\n" \
	"sysv = test -x /etc/init.d/${UNIT}\n" \
	"service = test -x /usr/sbin/service\n" \
	"\n" \
	"[restart]\n" \
	"systemd = systemctl restart ${UNIT}\n" \
	"sysv = /etc/init.d/${UNIT} restart\n" \
	"service = service ${UNIT} restart\n"

#define INSTALLED(v, pkg_rpm, pkg_deb) \
	v " = rpm -q " pkg_rpm "\n" \
	v " = dpkg -s " pkg_deb " ~ install ok installed\n"

static const char rb_ssh[] =
	"# runbook 000 5.1 and 001 SSH: sshd cannot be restarted over SSH, so the\n"
	"# host's console command (recover.ini [host NAME] console) runs it;\n"
	"# without one the incident is escalated. Reboot only where allowed.\n"
	"[runbook]\n"
	"description = SSH, port 22: restart sshd from the console (IPMI)\n"
	"alert = port_SSH\n\n"
	"[verify]\n"
	"ports = 22\n"
	"listen = no\n"
	"protocol = ssh\n"
	"wait = 60\n"
	"interval = 2\n\n"
	"[action]\n"
	"via = console\n"
	"reboot = yes\n"
	"variant = sshd\n";

static const char rb_ftp[] =
	"# runbook 000 5.2 and 001 FTP: vsftpd, or xinetd serving ftp\n"
	"[runbook]\n"
	"description = FTP, port 21: restart vsftpd or xinetd\n"
	"alert = port_FTP\n\n"
	"[verify]\n"
	"ports = 21\n"
	"listen = yes\n"
	"protocol = ftp\n"
	"wait = 60\n"
	"interval = 2\n\n"
	"[action]\n"
	"via = ssh\n"
	"variant = vsftpd\n\n"
	"[detect]\n"
	INSTALLED("vsftpd", "vsftpd", "vsftpd")
	INSTALLED("xinetd", "xinetd", "xinetd")
	"\n" INIT_AND_RESTART;

static const char rb_http[] =
	"# runbook 000 5.3 (80/443), 001 HTTP/HTTPS and URL\n"
	"[runbook]\n"
	"description = Web server, ports 80/443: restart httpd, apache2 or nginx\n"
	"alert = port_HTTP\n\n"
	"[verify]\n"
	"ports = 80 443\n"
	"listen = yes\n"
	"protocol = http\n"
	"protocol_port = 80\n"
	"wait = 60\n"
	"interval = 2\n\n"
	"[action]\n"
	"via = ssh\n"
	"variant = httpd\n\n"
	"[detect]\n"
	"httpd = rpm -q httpd\n"
	"apache2 = dpkg -s apache2 ~ install ok installed\n"
	INSTALLED("nginx", "nginx", "nginx")
	"\n" INIT_AND_RESTART;

static const char rb_dns[] =
	"# runbook 000 5.4: named (bind9 on Debian)\n"
	"[runbook]\n"
	"description = DNS, port 53: restart named\n"
	"alert = port_DNS\n\n"
	"[verify]\n"
	"ports = 53\n"
	"listen = yes\n"
	"protocol = dns\n"
	"wait = 60\n"
	"interval = 2\n\n"
	"[action]\n"
	"via = ssh\n"
	"variant = named\n\n"
	"[detect]\n"
	"named = rpm -q bind\n"
	"bind9 = dpkg -s bind9 ~ install ok installed\n"
	"\n" INIT_AND_RESTART;

static const char rb_smtp[] =
	"# runbook 000 5.5 and 001 SMTP: find the MTA in use (alternatives,\n"
	"# update-alternatives, then what runs), restart it\n"
	"[runbook]\n"
	"description = SMTP, port 25: restart postfix, sendmail, exim or qmail\n"
	"alert = port_SMTP\n\n"
	"[verify]\n"
	"ports = 25\n"
	"listen = yes\n"
	"protocol = smtp\n"
	"wait = 60\n"
	"interval = 2\n\n"
	"[action]\n"
	"via = ssh\n"
	"variant = postfix\n\n"
	"[detect]\n"
	"postfix = alternatives --display mta ~ postfix\n"
	"sendmail = alternatives --display mta ~ sendmail.sendmail\n"
	"exim = alternatives --display mta ~ exim\n"
	"qmail = alternatives --display mta ~ qmail\n"
	"postfix = update-alternatives --query mta ~ postfix\n"
	"sendmail = update-alternatives --query mta ~ sendmail.sendmail\n"
	"exim4 = update-alternatives --query mta ~ exim\n"
	"postfix = pgrep -x master\n"
	"sendmail = pgrep -x sendmail\n"
	"exim4 = pgrep -x exim4\n"
	"exim = pgrep -x exim\n"
	"qmail = pgrep -x qmail-send\n"
	"\n" INIT_AND_RESTART;

static const char rb_pop[] =
	"# runbook 000 5.6 and 001 POP/POP3S: dovecot\n"
	"[runbook]\n"
	"description = POP3, port 110 (995): restart dovecot\n"
	"alert = port_POP3\n\n"
	"[verify]\n"
	"ports = 110\n"
	"listen = yes\n"
	"protocol = pop3\n"
	"wait = 60\n"
	"interval = 2\n\n"
	"[action]\n"
	"via = ssh\n"
	"variant = dovecot\n\n"
	INIT_AND_RESTART;

static const char rb_imap[] =
	"# runbook 001 IMAP/IMAPS: dovecot\n"
	"[runbook]\n"
	"description = IMAP, port 143 (993): restart dovecot\n"
	"alert = port_IMAP\n\n"
	"[verify]\n"
	"ports = 143\n"
	"listen = yes\n"
	"protocol = imap\n"
	"wait = 60\n"
	"interval = 2\n\n"
	"[action]\n"
	"via = ssh\n"
	"variant = dovecot\n\n"
	INIT_AND_RESTART;

static const char rb_plesk[] =
	"# runbook 000 5.7 (psa) and 001 PLESK (sw-cp-server)\n"
	"[runbook]\n"
	"description = Plesk panel, port 8443: restart sw-cp-server (psa)\n"
	"alert = port_PLESK\n\n"
	"[verify]\n"
	"ports = 8443\n"
	"listen = yes\n"
	"protocol = http\n"
	"tls = yes\n"
	"wait = 90\n"
	"interval = 3\n\n"
	"[action]\n"
	"via = ssh\n"
	"variant = sw-cp-server\n\n"
	"[detect]\n"
	"sw-cp-server = test -e /lib/systemd/system/sw-cp-server.service\n"
	"sw-cp-server = test -x /etc/init.d/sw-cp-server\n"
	"psa = test -x /etc/init.d/psa\n"
	"\n" INIT_AND_RESTART;

#define PROCESS_RUNBOOK(label, desc, proc, variant) \
	"# runbook 001 " label ": ps, then restart\n" \
	"[runbook]\n" \
	"description = " desc "\n" \
	"alert = proc_" label "\n\n" \
	"[verify]\n" \
	"listen = no\n" \
	"process = " proc "\n" \
	"wait = 60\n" \
	"interval = 2\n\n" \
	"[action]\n" \
	"via = ssh\n" \
	"variant = " variant "\n\n"

static const char rb_mysql[] =
	PROCESS_RUNBOOK("MySQL", "MySQL/MariaDB server process: restart mariadb", "mariadbd mysqld", "mariadb")
	"[detect]\n"
	"mariadb = rpm -q mariadb-server\n"
	"mariadb = dpkg -s mariadb-server ~ install ok installed\n"
	"mysqld = rpm -q mysql-server\n"
	"mysql = dpkg -s mysql-server ~ install ok installed\n"
	"\n" INIT_AND_RESTART;

static const char rb_rsyslog[] =
	PROCESS_RUNBOOK("Rsyslog", "rsyslogd process: restart rsyslog", "rsyslogd", "rsyslog")
	INIT_AND_RESTART;

static const char rb_fail2ban[] =
	PROCESS_RUNBOOK("Fail2ban", "fail2ban-server process: restart fail2ban", "fail2ban-server", "fail2ban")
	INIT_AND_RESTART;

static const char rb_spamd[] =
	PROCESS_RUNBOOK("SPAM", "spamd process: restart spamassassin (spamd on newer Debian)", "spamd",
	                "spamassassin")
	"[detect]\n"
	"spamassassin = rpm -q spamassassin\n"
	"spamd = dpkg -s spamd ~ install ok installed\n"
	"spamassassin = dpkg -s spamassassin ~ install ok installed\n"
	"\n" INIT_AND_RESTART;

static const char rb_xinetd[] =
	PROCESS_RUNBOOK("Xinetd", "xinetd super-server process: restart xinetd", "xinetd", "xinetd")
	INIT_AND_RESTART;

static const char rb_ping[] =
	"# runbook 001 PING: a host that does not answer is rebooted through its\n"
	"# console command (recover.ini [host NAME] reboot), only where allowed\n"
	"[runbook]\n"
	"description = Host does not answer PING: reboot it through the console\n"
	"alert = PING\n\n"
	"[verify]\n"
	"listen = no\n"
	"protocol = ping\n"
	"wait = 300\n"
	"interval = 5\n\n"
	"[action]\n"
	"via = none\n"
	"reboot = yes\n";

const char *const runbook_builtin_names[] = {
	"ssh", "ftp", "http", "dns", "smtp", "pop", "imap", "plesk",
	"mysql", "rsyslog", "fail2ban", "spamd", "xinetd", "ping", NULL,
};

static const char *const texts[] = {
	rb_ssh, rb_ftp, rb_http, rb_dns, rb_smtp, rb_pop, rb_imap, rb_plesk,
	rb_mysql, rb_rsyslog, rb_fail2ban, rb_spamd, rb_xinetd, rb_ping,
};

const char *runbook_builtin(const char *name)
{
	for (size_t i = 0; runbook_builtin_names[i]; i++)
		if (!strcmp(runbook_builtin_names[i], name))
			return texts[i];
	return NULL;
}
