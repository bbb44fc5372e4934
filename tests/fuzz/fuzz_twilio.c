/* notify_call's reading of Twilio Studio's Execution Context answer (what
 * comes back from the API, or from whatever answers in its place): the
 * flow's result and the key pressed. A result is one of the campaign's,
 * the detail one short line, and nothing is read without a result.
 * SOURCES: notifiers/call_twilio.c notifiers/call_campaign.c lib/conf.c lib/ini.c lib/secret.c lib/state.c notifiers/audit.c
 * LIBS: -ljansson -lcurl */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "call_providers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *j = json_loadb((const char *)data, size, JSON_ALLOW_NUL, NULL);
	bool answered = false;
	struct buf detail = BUF_INIT;
	enum call_result r = twilio_context(j, &answered, &detail);
	if (r == CALL_PENDING && detail.len)
		abort();
	if (detail.len > strlen("last key ") + 8 || memchr(buf_cstr(&detail), '\n', detail.len) ||
	    memchr(buf_cstr(&detail), '\r', detail.len))
		abort();
	if (r != CALL_PENDING && !*call_result_name(r))
		abort();
	buf_free(&detail);
	json_decref(j);
	return 0;
}
