/* One line of nagios.log (mamori report reads years of them; a plugin's
 * output lands in them verbatim). The report reader splits on LF; each
 * line is parsed in place (a CR before the LF cut, as report_read does).
 * A parsed line's fields hold no line break nor ';' in a name, its names
 * are UTF-8, its state is one of the four. (A CR inside a field may stay:
 * the CSV output quotes it, the text and HTML outputs escape it.)
 * SOURCES: lib/nagios_log.c */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nagios_log.h"
#include "fuzz_util.h"

static void field_ok(const char *f)
{
	if (f && strchr(f, '\n'))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size);
	for (char *line = text, *next; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		size_t n = strlen(line);
		if (n && line[n - 1] == '\r')
			line[n - 1] = '\0';
		struct nlog_event ev;
		memset(&ev, 0, sizeof ev);
		enum nlog_kind k = nlog_parse(line, &ev);
		if (k == NLOG_BAD || k == NLOG_OTHER)
			continue;
		field_ok(ev.host);
		field_ok(ev.service);
		field_ok(ev.contact);
		field_ok(ev.command);
		if (!ev.host || strchr(ev.host, ';') || (ev.service && strchr(ev.service, ';')))
			abort();
		if (!nlog_utf8(ev.host) || (ev.service && !nlog_utf8(ev.service)))
			abort();
		if (ev.is_host != !ev.service)
			abort();  /* a host line has no service, a service line has one */
		if ((k == NLOG_ALERT || k == NLOG_STATE) && (ev.state < 0 || ev.state > 3))
			abort();
	}
	free(text);
	return 0;
}
