#include "services.h"

#include <string.h>
#include <strings.h>

const struct service services[] = {
	/* name    label   port  tls  style       greeting  starttls         ok      quit */
	{ "ssh",   "SSH",  22,   0,   REPLY_SSH,  "SSH-",   NULL,            NULL,   NULL },
	{ "ftp",   "FTP",  21,   990, REPLY_CODE, "220",    "AUTH TLS",      "234",  "QUIT" },
	{ "smtp",  "SMTP", 25,   465, REPLY_CODE, "220",    "STARTTLS",      "220",  "QUIT" },
	{ "submission", "SMTP", 587, 0, REPLY_CODE, "220",  "STARTTLS",      "220",  "QUIT" },
	{ "pop3",  "POP",  110,  995, REPLY_POP,  "+OK",    "STLS",          "+OK",  "QUIT" },
	{ "imap",  "IMAP", 143,  993, REPLY_IMAP, "* OK",   "m1 STARTTLS",   "m1 OK", "m9 LOGOUT" },
	{ "http",  "HTTP", 80,   443, REPLY_LINE, NULL,     NULL,            NULL,   NULL },
	{ "plesk", "HTTP", 8443, 8443, REPLY_LINE, NULL,    NULL,            NULL,   NULL },
	{ "dns",   "DNS",  53,   0,   REPLY_LINE, NULL,     NULL,            NULL,   NULL },
	{ NULL, NULL, 0, 0, REPLY_LINE, NULL, NULL, NULL, NULL },
};

const struct service *service_find(const char *name)
{
	for (const struct service *s = services; s->name; s++)
		if (strcasecmp(s->name, name) == 0)
			return s;
	return NULL;
}
