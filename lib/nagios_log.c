#include "nagios_log.h"

#include <string.h>

/* Split off the next ';'-separated field; NULL when there is none. */
static char *field(char **p)
{
	if (!*p)
		return NULL;
	char *f = *p, *semi = strchr(f, ';');
	if (semi) {
		*semi = '\0';
		*p = semi + 1;
	} else {
		*p = NULL;
	}
	return f;
}

bool nlog_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		unsigned c = *p, n;
		unsigned long cp;
		if (c < 0x80) {
			p++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			n = 1, cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2, cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3, cp = c & 0x07;
		} else {
			return false;
		}
		for (unsigned i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		p += n + 1;
	}
	return true;
}

int nlog_state(const char *s, bool is_host)
{
	static const char *const svc[] = { "OK", "WARNING", "CRITICAL", "UNKNOWN" };
	static const char *const hst[] = { "UP", "DOWN", "UNREACHABLE" };
	const char *const *names = is_host ? hst : svc;
	int n = is_host ? 3 : 4;
	for (int i = 0; i < n; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

static bool hard_soft(const char *s, bool *hard)
{
	if (!strcmp(s, "HARD"))
		*hard = true;
	else if (!strcmp(s, "SOFT"))
		*hard = false;
	else
		return false;
	return true;
}

/* The kinds of line we decode: the text after "] ", the kind, host or not. */
static const struct {
	const char *prefix;
	enum nlog_kind kind;
	bool is_host;
} kinds[] = {
	{ "SERVICE ALERT: ", NLOG_ALERT, false },
	{ "HOST ALERT: ", NLOG_ALERT, true },
	{ "CURRENT SERVICE STATE: ", NLOG_STATE, false },
	{ "CURRENT HOST STATE: ", NLOG_STATE, true },
	{ "INITIAL SERVICE STATE: ", NLOG_STATE, false },
	{ "INITIAL HOST STATE: ", NLOG_STATE, true },
	{ "SERVICE NOTIFICATION: ", NLOG_NOTIFICATION, false },
	{ "HOST NOTIFICATION: ", NLOG_NOTIFICATION, true },
	{ "SERVICE EVENT HANDLER: ", NLOG_HANDLER, false },
	{ "HOST EVENT HANDLER: ", NLOG_HANDLER, true },
	{ "SERVICE DOWNTIME ALERT: ", NLOG_DOWNTIME, false },
	{ "HOST DOWNTIME ALERT: ", NLOG_DOWNTIME, true },
};

/* The fields after the prefix; false when they do not fit the kind. */
static bool fields(enum nlog_kind kind, char *p, struct nlog_event *ev)
{
	if (kind == NLOG_NOTIFICATION)
		ev->contact = field(&p);
	ev->host = field(&p);
	if (!ev->is_host)
		ev->service = field(&p);
	char *state = field(&p);
	if (!ev->host || !*ev->host || (!ev->is_host && (!ev->service || !*ev->service)) || !state)
		return false;
	if (!nlog_utf8(ev->host) || (ev->service && !nlog_utf8(ev->service)))
		return false;
	switch (kind) {
	case NLOG_DOWNTIME:
		if (!strcmp(state, "STARTED"))
			ev->downtime_start = true;
		else if (strcmp(state, "STOPPED") && strcmp(state, "CANCELLED"))
			return false;
		return true;
	case NLOG_NOTIFICATION:
		/* the state may be "ACKNOWLEDGEMENT (CRITICAL)", "CUSTOM (OK)" ... */
		ev->state = nlog_state(state, ev->is_host);
		ev->command = field(&p);
		return ev->command && *ev->command && nlog_utf8(ev->command) && nlog_utf8(ev->contact);
	default: {
		/* ALERT, STATE and EVENT HANDLER: STATE;HARD|SOFT;attempt;... */
		char *type = field(&p), *attempt = field(&p);
		ev->state = nlog_state(state, ev->is_host);
		if (ev->state < 0 || !type || !hard_soft(type, &ev->hard) || !attempt)
			return false;
		if (kind == NLOG_HANDLER)
			ev->command = p;
		return true;
	}
	}
}

enum nlog_kind nlog_parse(char *line, struct nlog_event *ev)
{
	memset(ev, 0, sizeof *ev);
	ev->state = -1;
	if (line[0] != '[')
		return NLOG_BAD;
	long long t = 0;
	char *p = line + 1;
	if (*p < '0' || *p > '9')
		return NLOG_BAD;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (t > 99999999999LL)   /* past year 5000: not a timestamp */
			return NLOG_BAD;
		t = t * 10 + (*p - '0');
	}
	if (p[0] != ']' || p[1] != ' ')
		return NLOG_BAD;
	p += 2;
	ev->time = t;
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		size_t n = strlen(kinds[i].prefix);
		if (strncmp(p, kinds[i].prefix, n))
			continue;
		ev->is_host = kinds[i].is_host;
		ev->kind = fields(kinds[i].kind, p + n, ev) ? kinds[i].kind : NLOG_BAD;
		return ev->kind;
	}
	ev->kind = NLOG_OTHER;
	return NLOG_OTHER;
}
