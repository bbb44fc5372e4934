/* The runbooks' check set. Each row: what to run and what the runbook says
 * to do next when it is not OK (runbooks 000 and 001; the Japanese text
 * follows the originals' wording). */
#include "triage.h"

#define SSHD "/usr/sbin/sshd"
#define FTPD "/usr/sbin/vsftpd", "/usr/sbin/proftpd", "/usr/sbin/pure-ftpd", "/usr/sbin/xinetd"
#define HTTPD "/usr/sbin/apache2", "/usr/sbin/httpd", "/usr/sbin/nginx", "/usr/sbin/lighttpd"
#define NAMED "/usr/sbin/named"
#define MTA "/usr/sbin/postfix", "/usr/sbin/sendmail", "/usr/sbin/exim4", "/usr/sbin/exim", "/var/qmail/bin/qmail-send"
#define DOVECOT "/usr/sbin/dovecot"
#define PLESK "/usr/sbin/sw-cp-serverd", "/usr/local/psa/admin/sbin/httpsdctl", "/opt/psa/admin/sbin/httpsdctl"


#define RECHECK_EN "re-check the port: fine -> recovery mail (level 1); still failing -> phone and mail (level 2)"
#define RECHECK_JA "再起動後ポート状態を確認: 正常ならメールにて復旧連絡、異常なら電話及びメールにて状況報告"

const struct triage_item triage_items[] = {
	/* runbook 001: resources */
	{ "load", "001 Load Average", SCOPE_LOCAL, "check_load",
	  { "-r", "-w", "2,1.8,1.5", "-c", "4,3.5,3" }, { 0 },
	  "run `top`, put its output in the mail to the customer; restart a process only if the load is extreme and it is the cause",
	  "top コマンドにて状況を確認し、実行結果をメールに記載しお客様へ連絡 (非常に高負荷でプロセス再起動が必要と判断した場合は該当プロセスを再起動)" },
	{ "cpu", "004 CPU", SCOPE_LOCAL, "check_cpu",
	  { "-s", "1", "-w", "90", "-c", "98", "--iowait-warning", "30", "--iowait-critical", "60" }, { 0 },
	  "run `top`: which processes use the CPU, or which wait for I/O (iowait); report to the customer",
	  "top コマンドにて CPU を使用しているプロセスを確認し、お客様へ連絡" },
	{ "memory", "004 Memory", SCOPE_LOCAL, "check_mem", { "-w", "90", "-c", "95" }, { 0 },
	  "run `free` and `top` (sorted by memory); put the output in the mail to the customer",
	  "free コマンドの実行によるリソース確認、実行結果をメールに記載しお客様へ通知" },
	{ "swap", "001 SWAP", SCOPE_LOCAL, "check_swap", { "-w", "50%", "-c", "20%", "-n", "ok" }, { 0 },
	  "run `free`; put the output in the mail to the customer",
	  "free コマンドの実行によるリソース確認、実行結果をメールに記載しお客様へ通知" },
	{ "disk", "001 DISK", SCOPE_LOCAL, "check_disk",
	  { "-w", "10%", "-c", "5%", "-W", "10%", "-K", "5%", "-l" }, { 0 },
	  "run `df`; put the output in the mail to the customer; delete data only on the customer's instruction",
	  "df コマンドにてディスク使用率を確認し、実行結果をメールに記載しお客様へ連絡 (削除が必要であればお客様から指示をいただく)" },

	/* runbook 000: port alerts, the `netstat -nltup` step */
	{ "port 22", "000 5.1", SCOPE_LOCAL, "check_listen", { "-p", "22", "-o" }, { SSHD },
	  "if ssh login fails: log in from the IPMI console, `systemctl restart sshd` (/etc/init.d/sshd restart), " RECHECK_EN "; IPMI unreachable -> on-site",
	  "IPMI からコンソールログインし sshd 再起動 (# /etc/init.d/sshd restart)。" RECHECK_JA "。IPMI 接続出来ない場合は現地対応" },
	{ "port 21", "000 5.2", SCOPE_LOCAL, "check_listen", { "-p", "21", "-o" }, { FTPD },
	  "find the ftp package (`rpm -qa | grep ftp` / `dpkg -l | grep ftp`), restart vsftpd (or xinetd), " RECHECK_EN,
	  "ftp のパッケージ確認 (# rpm -qa | grep ftp)、vsftpd 再起動 (xinetd の場合は xinetd 再起動)。" RECHECK_JA },
	{ "port 80", "000 5.3", SCOPE_LOCAL, "check_listen", { "-p", "80", "-o" }, { HTTPD },
	  "open http://IP/ in a browser; restart httpd (`systemctl restart httpd` / apache2 / nginx), " RECHECK_EN,
	  "ブラウザよりページ確認 (http://IP アドレス/)、apache 再起動 (# /etc/init.d/httpd restart)。" RECHECK_JA },
	{ "port 443", "000 5.3", SCOPE_LOCAL, "check_listen", { "-p", "443", "-o" }, { HTTPD },
	  "open https://IP/ in a browser; restart httpd (`systemctl restart httpd` / apache2 / nginx), " RECHECK_EN,
	  "ブラウザよりページ確認 (https://IP アドレス/)、apache 再起動 (# /etc/init.d/httpd restart)。" RECHECK_JA },
	{ "port 53", "000 5.4", SCOPE_LOCAL, "check_listen", { "-p", "53/any", "-o" }, { NAMED },
	  "restart named (`systemctl restart named` / bind9), " RECHECK_EN,
	  "named 再起動 (# /etc/init.d/named restart)。" RECHECK_JA },
	{ "port 25", "000 5.5", SCOPE_LOCAL, "check_listen", { "-p", "25", "-o" }, { MTA },
	  "find the MTA in use (`alternatives --display mta`), restart postfix, sendmail or qmail, " RECHECK_EN,
	  "現在利用している MTA の確認 (# alternatives --display mta)、postfix / sendmail / qmail 再起動。" RECHECK_JA },
	{ "port 110", "000 5.6", SCOPE_LOCAL, "check_listen", { "-p", "110", "-o" }, { DOVECOT },
	  "restart dovecot (`systemctl restart dovecot`), " RECHECK_EN,
	  "dovecot 再起動 (# /etc/init.d/dovecot restart)。" RECHECK_JA },
	{ "port 8443", "000 5.7", SCOPE_LOCAL, "check_listen", { "-p", "8443", "-o" }, { PLESK },
	  "restart Plesk (`/etc/init.d/psa start`; `systemctl restart sw-cp-server`), " RECHECK_EN,
	  "plesk 再起動 (# /etc/init.d/psa start)。" RECHECK_JA },

	/* runbook 001: processes (ps check, then restart the unit) */
	{ "proc sshd", "001 SSH", SCOPE_LOCAL, "check_procs", { "-C", "sshd", "-c", "1:" }, { SSHD },
	  "log in from the console, `systemctl restart sshd`; not recovered -> reboot the server; still not -> investigate",
	  "コンソールよりログインし sshd 再起動 (# systemctl restart sshd)、復旧しない場合はサーバ再起動" },
	{ "proc httpd", "001 HTTP", SCOPE_LOCAL, "check_procs",
	  { "--ereg-argument-array", "^(/usr/sbin/)?(httpd|apache2|nginx)([ :]|$)", "-c", "1:" }, { HTTPD },
	  "`systemctl restart httpd` (apache2/nginx); not recovered -> investigate; report to the customer",
	  "httpd プロセスの再起動 (# systemctl restart httpd)、復旧しない場合は適宜調査、作業内容をお客様へ連絡" },
	{ "proc mariadb", "001 MySQL", SCOPE_LOCAL, "check_procs",
	  { "--ereg-argument-array", "(^|/)(mariadbd|mysqld)( |$)", "-c", "1:" },
	  { "/usr/sbin/mariadbd", "/usr/sbin/mysqld", "/usr/libexec/mysqld" },
	  "`systemctl restart mariadb`; not recovered -> investigate; report to the customer",
	  "mariadb プロセスの再起動 (# systemctl restart mariadb)、復旧しない場合は適宜調査、作業内容をお客様へ連絡" },
	{ "proc rsyslog", "001 Rsyslog", SCOPE_LOCAL, "check_procs", { "-C", "rsyslogd", "-c", "1:" },
	  { "/usr/sbin/rsyslogd" },
	  "`systemctl restart rsyslog`; not recovered -> investigate; report to the customer",
	  "rsyslog プロセスの再起動 (# systemctl restart rsyslog)、復旧しない場合は適宜調査、作業内容をお客様へ連絡" },
	{ "proc fail2ban", "001 Fail2ban", SCOPE_LOCAL, "check_procs", { "-C", "fail2ban-server", "-c", "1:" },
	  { "/usr/bin/fail2ban-server" },
	  "`systemctl restart fail2ban`; not recovered -> investigate; report to the customer",
	  "fail2ban プロセスの再起動 (# systemctl restart fail2ban)、復旧しない場合は適宜調査、作業内容をお客様へ連絡" },
	{ "proc spamd", "001 SPAM", SCOPE_LOCAL, "check_procs",
	  { "--ereg-argument-array", "(^|/)spamd( |$)", "-c", "1:" }, { "/usr/sbin/spamd" },
	  "`systemctl restart spamassassin`; not recovered -> investigate; report to the customer",
	  "spamd プロセスの再起動 (# systemctl restart spamassassin)、復旧しない場合は適宜調査、作業内容をお客様へ連絡" },
	{ "proc xinetd", "001 Xinetd", SCOPE_LOCAL, "check_procs", { "-C", "xinetd", "-c", "1:" },
	  { "/usr/sbin/xinetd" },
	  "`systemctl restart xinetd`; not recovered -> investigate; report to the customer",
	  "xinetd プロセスの再起動 (# systemctl restart xinetd)、復旧しない場合は適宜調査、作業内容をお客様へ連絡" },
	{ "proc dovecot", "001 POP/IMAP", SCOPE_LOCAL, "check_procs", { "-C", "dovecot", "-c", "1:" }, { DOVECOT },
	  "`systemctl restart dovecot`; not recovered -> investigate; report to the customer",
	  "dovecot プロセスの再起動 (# systemctl restart dovecot)、復旧しない場合は適宜調査、作業内容をお客様へ連絡" },
	{ "proc postfix", "001 SMTP", SCOPE_LOCAL, "check_procs", { "-C", "master", "-a", "postfix", "-c", "1:" },
	  { "/usr/sbin/postfix" },
	  "`systemctl restart postfix`; not recovered -> investigate; report to the customer",
	  "postfix プロセスの再起動 (# systemctl restart postfix)、復旧しない場合は適宜調査、作業内容をお客様へ連絡" },
	{ "proc named", "000 5.4", SCOPE_LOCAL, "check_procs", { "-C", "named", "-c", "1:" }, { NAMED },
	  "restart named (`systemctl restart named` / bind9); report to the customer",
	  "named 再起動 (# /etc/init.d/named restart)" },
	{ "proc vsftpd", "001 FTP", SCOPE_LOCAL, "check_procs", { "-C", "vsftpd", "-c", "1:" },
	  { "/usr/sbin/vsftpd" },
	  "restart vsftpd (or `systemctl restart xinetd` where FTP runs from xinetd); not recovered -> investigate",
	  "vsftpd 再起動 (xinetd の場合は # systemctl restart xinetd)、復旧しない場合は適宜調査" },
	{ "proc plesk", "001 PLESK", SCOPE_LOCAL, "check_procs", { "-C", "sw-cp-serverd", "-c", "1:" }, { PLESK },
	  "`systemctl restart sw-cp-server`; not recovered -> investigate; report to the customer",
	  "sw-cp-server プロセスの再起動 (# systemctl restart sw-cp-server)、復旧しない場合は適宜調査" },
};

const size_t triage_item_count = sizeof triage_items / sizeof triage_items[0];
