/* Template expansion with hostile macro values (a service output is text
 * from the monitored world): whatever the values, a mail header value has
 * no line break, XML has no markup from a value, a JSON string value parses
 * back to the value, and every output is valid UTF-8. The input is the
 * template text and the values, separated by NUL bytes.
 * SOURCES: lib/template.c lib/secret.c lib/template_builtin.c lib/macros.c lib/options.c lib/definition.c
 * LIBS: -ljansson */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "macros.h"
#include "template.h"

static struct buf out;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	char *parts[4] = { 0 };
	for (int i = 0; i < 4; i++) {
		const char *z = memchr(p, '\0', (size_t)(end - p));
		size_t n = z ? (size_t)(z - p) : (size_t)(end - p);
		parts[i] = strndup(p, n);
		p = z ? z + 1 : end;
	}
	struct notice n;
	notice_init(&n);
	notice_set(&n, NF_HOST, parts[1]);
	notice_set(&n, NF_OUTPUT, parts[2]);
	notice_set(&n, NF_SERVICE, parts[3]);
	notice_set(&n, NF_DATETIME, parts[3]);

	/* the fuzzed template itself (as a template file), in every mode */
	struct template t = { 0 };
	template_parse(&t, parts[0]);
	for (int esc = ESC_TEXT; esc <= ESC_XML; esc++) {
		buf_reset(&out);
		tmpl_render(&out, t.subject, (enum tmpl_escape)esc, &n);
		tmpl_render(&out, t.body, (enum tmpl_escape)esc, &n);
		if (!utf8_valid(out.s ? out.s : "", out.len))
			abort();
	}
	template_free(&t);
	/* a value alone: the escaping guarantees */
	buf_reset(&out);
	tmpl_render(&out, "${OUTPUT}", ESC_HEADER, &n);
	if (out.len && (memchr(out.s, '\n', out.len) || memchr(out.s, '\r', out.len)))
		abort();
	buf_reset(&out);
	tmpl_render(&out, "${OUTPUT}", ESC_XML, &n);
	if (out.len && (memchr(out.s, '<', out.len) || memchr(out.s, '>', out.len)))
		abort();
	buf_reset(&out);
	buf_puts(&out, "\"");
	tmpl_render(&out, "${OUTPUT}", ESC_JSON, &n);
	buf_puts(&out, "\"");
	json_error_t e;
	json_t *j = json_loadb(out.s, out.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
	if (!j || !json_is_string(j) || strcmp(json_string_value(j), notice_get(&n, NF_OUTPUT)))
		abort();
	json_decref(j);
	/* cutting never splits a character */
	const char *o = notice_get(&n, NF_OUTPUT);
	size_t cut = utf8_prefix(o, strlen(o), 1024);
	if (cut > 1024 || !utf8_valid(o, cut))
		abort();
	notice_free(&n);
	for (int i = 0; i < 4; i++)
		free(parts[i]);
	return 0;
}
