/* Config files (notifiers, handlers, mail rules, AWS credentials): any
 * bytes are read or refused by line; a key is never empty and no key or
 * value holds a line break.
 * SOURCES: lib/ini.c */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ini.h"

static int check(void *user, const char *section, const char *key, const char *value)
{
	(void)user;
	if (!*key || strpbrk(key, "\r\n") || strpbrk(value, "\r\n") || strchr(section, '\n'))
		abort();
	return key[0] != 'X';  /* a handler may refuse a line */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	(void)ini_parse_text((const char *)data, size, check, NULL);
	return 0;
}
