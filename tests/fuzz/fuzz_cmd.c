/* handlers' commands from runbook text with ${NAME} values: the text is
 * split into words first, so a value (a host, a service, a unit from a
 * Nagios macro) never adds or removes a word, whatever it holds.
 * Input: the command text, NUL, the value.
 * SOURCES: handlers/cmd.c */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../handlers/cmd.h"
#include "fuzz_util.h"

static size_t words(char **argv)
{
	size_t n = 0;
	while (argv[n])
		n++;
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size);
	const char *value = text + strlen(text) + 1;  /* at worst the second NUL */
	struct vars plain = { 0 }, hostile = { 0 };
	vars_set(&plain, "HOST", "h");
	vars_set(&plain, "SERVICE", "s");
	vars_set(&plain, "UNIT", "u");
	vars_set(&hostile, "HOST", value);
	vars_set(&hostile, "SERVICE", value);
	vars_set(&hostile, "UNIT", value);
	struct buf e1 = BUF_INIT, e2 = BUF_INIT;
	char **a = cmd_build(text, &plain, &e1);
	char **b = cmd_build(text, &hostile, &e2);
	if (a && b && words(a) != words(b))
		abort();  /* the value became (or swallowed) a word */
	if (valid_host(value) && (strpbrk(value, " \t\r\n$`;'\"\\") || !*value))
		abort();
	if (valid_service(value) && strpbrk(value, "\t\r\n$`;'\"\\"))
		abort();
	if (valid_unit(value) && (strpbrk(value, " \t\r\n$`;'\"\\/") || !*value))
		abort();
	struct buf e3 = BUF_INIT;
	(void)cmd_names_ok(text, cmd_known_names, &e3);
	cmd_free(a);
	cmd_free(b);
	buf_free(&e1);
	buf_free(&e2);
	buf_free(&e3);
	free(text);
	return 0;
}
