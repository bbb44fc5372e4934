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

	/* runbook 004: network usage over a 1 s sample; runbook 002: who is logged in */
	{ "network", "004 network", SCOPE_LOCAL, "check_netif", { "-s", "1", "--errors-warning", "1" }, { 0 },
	  "look at `ip -s link` and the switch port: errors point at the cable, port or driver; report to the customer",
	  "ip -s link で送受信量・エラーを確認 (エラーはケーブル・ポート・ドライバを疑う)、お客様へ連絡" },
	{ "logins", "002 logins", SCOPE_LOCAL, "check_logins", { "-w", "10", "-c", "30" }, { 0 },
	  "run `who` and `last`: who is logged in from where; unknown users or sources -> treat as an intrusion, report at once",
	  "who / last コマンドでログイン中のユーザと接続元を確認、不審なログインは直ちにお客様へ連絡" },

	/* runbook 002: keyword classes in the system logs, read whole (-O keeps
	 * triage's position apart from the engine's checks of the same files) */
	{ "log syslog", "002 logs", SCOPE_LOCAL, "check_log",
	  { "-F", "/var/log/syslog", "--class", "all", "--from-start", "-O", "triage", "-w", "100", "-c", "1000" },
	  { "/var/log/syslog" },
	  "read the matched lines (`mamori triage -v`); errors and refused/denied lines name the failing service",
	  "一致した行を確認 (mamori triage -v)、エラー・拒否の行から障害サービスを特定" },
	{ "log auth", "002 logs", SCOPE_LOCAL, "check_log",
	  { "-F", "/var/log/auth.log", "--class", "auth,dictionary,access,passwd", "--from-start", "-O", "triage",
	    "-w", "20", "-c", "200" },
	  { "/var/log/auth.log" },
	  "many authentication failures: a dictionary attack? check `lastb`, the sources, and fail2ban",
	  "認証失敗が多数: 辞書攻撃の可能性。lastb で接続元を確認し fail2ban の動作を確認" },

	/* runbook 001: mail queue, threshold 200; a hijacked account is the usual cause */
	{ "mail queue", "001 mail queue", SCOPE_LOCAL, "check_mailq", { "-w", "200", "-c", "400", "--top", "3" },
	  { "/usr/sbin/postfix", "/usr/sbin/sendmail" },
	  "`mailq`: the top senders are in the long output; a hijacked mail account is the usual cause: change its password and tell the customer",
	  "mailq コマンドでメールキュー数を確認、メールアカウントのパスワードが不正奪取されている可能性があれば該当アカウントのパスワードを変更し、お客様へ連絡" },

	/* runbook 004: vulnerability notices */
	{ "updates", "004 vulnerabilities", SCOPE_LOCAL, "check_updates", { 0 }, { "/usr/bin/dpkg" },
	  "tell the customer which security updates are pending; apply them (`apt-get upgrade`) in an agreed window",
	  "未適用のセキュリティ更新をお客様へ連絡し、合意した作業時間帯に適用 (# apt-get upgrade)" },

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

	/* runbook 001 PING: is the host reachable at all */
	{ "ping", "001 PING", SCOPE_NETWORK, "check_ping",
	  { "-H", "$HOST", "-p", "5", "-i", "0.2", "-w", "200,20%", "-c", "500,60%" }, { 0 },
	  "the server does not answer PING: check it from the console; if it is down, restart the server; report to the customer",
	  "PING によるサーバへの接続を確認、サーバが停止している場合はサーバ再起動などの復旧作業を実施し、作業内容をお客様へ連絡" },
	/* runbooks 000 5.3 and 001 HTTP/URL: the page shows */
	{ "http", "000 5.3 / 001 HTTP", SCOPE_NETWORK, "check_http", { "-H", "$HOST", "-u", "/", "-e", "HTTP/" },
	  { HTTPD },
	  "check `ps` for httpd; `systemctl restart httpd` (apache2/nginx), re-check the page; not recovered -> phone and mail",
	  "ps コマンドで httpd プロセスを確認、httpd プロセスの再起動 (# systemctl restart httpd)、復旧しない場合は適宜調査" },
	{ "https", "000 5.3 / 001 HTTPS", SCOPE_NETWORK, "check_http",
	  { "-H", "$HOST", "-S", "-u", "/", "-e", "HTTP/", "-C", "30,14" }, { HTTPD },
	  "check `ps` for httpd; `systemctl restart httpd`; a certificate alert: renew it before it expires",
	  "ps コマンドで httpd プロセスを確認、httpd プロセスの再起動 (# systemctl restart httpd)、証明書の期限も確認" },
	{ "plesk", "000 5.7 / 001 PLESK", SCOPE_NETWORK, "check_http",
	  { "-H", "$HOST", "-p", "8443", "-S", "-u", "/", "-e", "HTTP/" }, { PLESK },
	  "the Plesk panel does not show: `systemctl restart sw-cp-server` (/etc/init.d/psa start); not recovered -> investigate",
	  "Plesk 管理画面が表示されるか確認、sw-cp-server プロセスの再起動 (# systemctl restart sw-cp-server)" },
	{ "dns", "000 5.4", SCOPE_NETWORK, "check_dns", { "-s", "$HOST", "-H", "localhost", "-q", "A", "-t", "5" }, { NAMED },
	  "restart named (`systemctl restart named` / bind9), re-check that it answers; not recovered -> phone and mail",
	  "named 再起動 (# /etc/init.d/named restart)、応答を再確認し、異常なら電話及びメールにて状況報告" },

	/* runbooks 000/001 from the network side: the service answers its protocol */
	{ "ssh", "000 5.1 / 001 SSH", SCOPE_NETWORK, "check_ssh", { "-H", "$HOST" }, { SSHD },
	  "try an ssh login; if it fails: IPMI console, `systemctl restart sshd`; still down -> reboot the server (001 SSH), then phone and mail",
	  "SSH で該当サーバへの接続確認。接続できない場合はコンソールより sshd 再起動 (# systemctl restart sshd)、復旧しない場合はサーバ再起動" },
	{ "ftp", "000 5.2 / 001 FTP", SCOPE_NETWORK, "check_ftp", { "-H", "$HOST" }, { FTPD },
	  "restart vsftpd or xinetd (`systemctl restart xinetd`); not recovered -> investigate; report to the customer",
	  "FTP で接続確認。接続できない場合は xinetd 再起動 (# systemctl restart xinetd)、復旧しない場合は適宜調査" },
	{ "smtp", "000 5.5 / 001 SMTP", SCOPE_NETWORK, "check_smtp", { "-H", "$HOST", "-S" }, { MTA },
	  "find the MTA in use (`alternatives --display mta`), `systemctl restart postfix`; not recovered -> phone and mail",
	  "外部環境から 25 番ポートへの接続確認、postfix プロセスの再起動 (# systemctl restart postfix)、復旧しない場合は適宜調査" },
	{ "smtps", "001 SMTPS", SCOPE_NETWORK, "check_smtp", { "-H", "$HOST", "--ssl" }, { MTA },
	  "`systemctl restart postfix`; check the TLS certificate and the smtps service in master.cf",
	  "外部環境から 465 番ポートへの接続確認、postfix プロセスの再起動 (# systemctl restart postfix)" },
	{ "pop3", "000 5.6 / 001 POP", SCOPE_NETWORK, "check_pop", { "-H", "$HOST", "--starttls" }, { DOVECOT },
	  "`systemctl restart dovecot`; not recovered -> investigate; report to the customer",
	  "外部環境から 110 番ポートへの接続確認、dovecot プロセスの再起動 (# systemctl restart dovecot)" },
	{ "pop3s", "001 POP3S", SCOPE_NETWORK, "check_pop", { "-H", "$HOST", "--ssl" }, { DOVECOT },
	  "`systemctl restart dovecot`; not recovered -> investigate; report to the customer",
	  "外部環境から 995 番ポートへの接続確認、dovecot プロセスの再起動 (# systemctl restart dovecot)" },
	{ "imap", "001 IMAP", SCOPE_NETWORK, "check_imap", { "-H", "$HOST", "--starttls" }, { DOVECOT },
	  "`systemctl restart dovecot`; not recovered -> investigate; report to the customer",
	  "外部環境から 143 番ポートへの接続確認、dovecot プロセスの再起動 (# systemctl restart dovecot)" },
	{ "imaps", "001 IMAPS", SCOPE_NETWORK, "check_imap", { "-H", "$HOST", "--ssl" }, { DOVECOT },
	  "`systemctl restart dovecot`; not recovered -> investigate; report to the customer",
	  "外部環境から 993 番ポートへの接続確認、dovecot プロセスの再起動 (# systemctl restart dovecot)" },
	{ "dns port", "000 5.4", SCOPE_NETWORK, "check_tcp", { "-H", "$HOST", "-p", "53" }, { NAMED },
	  "restart named (`systemctl restart named` / bind9), " RECHECK_EN,
	  "named 再起動 (# /etc/init.d/named restart)。" RECHECK_JA },
	{ "tls 443", "004 certificate", SCOPE_NETWORK, "check_ssl_cert", { "-H", "$HOST", "-p", "443", "-w", "30", "-c", "14" },
	  { HTTPD },
	  "renew the certificate before it expires (or fix the chain / host name it names); report to the customer",
	  "SSL 証明書の有効期限を確認し、期限前に更新 (証明書チェーン・ホスト名の不一致も確認)、お客様へ連絡" },

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
