/* One table of the services the runbooks name: ports, greeting, STARTTLS
 * and quit commands. check_* plugins, triage and the event handlers'
 * re-verify step all read it; adding a service is adding a row. */
#ifndef MAMORI_SERVICES_H
#define MAMORI_SERVICES_H

enum reply_style {
	REPLY_LINE,     /* any one line (generic TCP) */
	REPLY_SSH,      /* "SSH-2.0-..." banner, maybe after other lines (RFC 4253 4.2) */
	REPLY_CODE,     /* "220-..." continued, "220 ..." last (SMTP, FTP) */
	REPLY_POP,      /* "+OK ..." or "-ERR ..." */
	REPLY_IMAP,     /* untagged "* ..." lines, then "TAG OK|NO|BAD ..." */
};

struct service {
	const char *name;          /* "smtp", as in -P / --protocol */
	const char *label;         /* status-line prefix: "SMTP" */
	unsigned port;             /* plain (or STARTTLS) port */
	unsigned tls_port;         /* implicit TLS port, 0 if none */
	enum reply_style style;
	const char *greeting_ok;   /* prefix of a good greeting */
	const char *starttls;      /* command that upgrades, NULL if none */
	const char *starttls_ok;   /* prefix of its good answer */
	const char *quit;          /* polite goodbye */
};

extern const struct service services[];
const struct service *service_find(const char *name);

#endif
