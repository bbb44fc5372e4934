/* check_sql --connection-string with ${PASSWORD}: the secret (any bytes a
 * password file holds) goes in once, brace-quoted as ODBC quotes values,
 * '}' doubled, so it can never end the value and add an attribute.
 * Input: the connection string, NUL, the password.
 * SOURCES: lib/sqlconn.c */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sqlconn.h"
#include "fuzz_util.h"

/* the back ends are not linked: sql_driver() only names them */
const struct sql_driver sql_mysql, sql_pgsql, sql_odbc;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size);
	const char *connstr = text, *password = text + strlen(text) + 1;
	char *filled = sql_fill_password(connstr, password);
	const char *at = strstr(connstr, "${PASSWORD}");
	if (!at != !filled)
		abort();
	/* "${PASSWORD}}" is the string's own brace after the value: a driver
	 * reads "{...}}" as an escaped '}', whatever we do */
	if (filled && at[strlen("${PASSWORD}")] != '}') {
		size_t pre = (size_t)(at - connstr);
		if (strncmp(filled, connstr, pre) || filled[pre] != '{')
			abort();
		/* read the braced value back as an ODBC driver does */
		const char *p = filled + pre + 1;
		size_t k = 0;
		for (;; p++) {
			if (*p == '}' && p[1] == '}') {
				if (password[k++] != '}')
					abort();
				p++;
			} else if (*p == '}') {
				break;
			} else if (!*p || *p != password[k++]) {
				abort();
			}
		}
		if (password[k] || strcmp(p + 1, at + strlen("${PASSWORD}")))
			abort();  /* all of it, once, and the rest of the string as it was */
	}
	free(filled);
	free(text);
	return 0;
}
