/* A runbook INI (recover reads NAME.ini from the runbook directory; a bad
 * edit must be refused with a line number, never run half-read). An
 * accepted runbook has 1..8 ports, positive waits, commands whose ${NAME}s
 * are all known, and its effective text parses again to the same.
 * SOURCES: handlers/runbook.c handlers/cmd.c handlers/runbooks_builtin.c lib/ini.c */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../handlers/cmd.h"
#include "../../handlers/runbook.h"
#include "fuzz_util.h"

static void probes_ok(const struct rb_probe *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct buf err = BUF_INIT;
		if (!p[i].cmd || !cmd_names_ok(p[i].cmd, cmd_known_names, &err))
			abort();
		buf_free(&err);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size);
	struct runbook rb, again;
	memset(&rb, 0, sizeof rb);
	memset(&again, 0, sizeof again);
	struct buf err = BUF_INIT, err2 = BUF_INIT;
	if (!runbook_parse(&rb, "fuzz", text, &err)) {
		if (rb.nports > RB_MAX_PORTS || rb.wait < 0 || rb.interval < 0)
			abort();
		for (size_t i = 0; i < rb.nports; i++)
			if (!rb.ports[i] || rb.ports[i] > 65535)
				abort();
		probes_ok(rb.init, rb.ninit);
		probes_ok(rb.detect, rb.ndetect);
		probes_ok(rb.restart, rb.nrestart);
		if (runbook_parse(&again, "fuzz", buf_cstr(&rb.text), &err2) || again.nports != rb.nports ||
		    memcmp(again.ports, rb.ports, sizeof rb.ports) || again.nrestart != rb.nrestart)
			abort();
		(void)runbook_restart(&rb, "systemd", rb.default_variant);
	} else if (!err.len || memchr(err.s, '\n', err.len)) {
		abort();  /* a refusal says why, on one line */
	}
	runbook_free(&rb);
	runbook_free(&again);
	buf_free(&err);
	buf_free(&err2);
	free(text);
	return 0;
}
