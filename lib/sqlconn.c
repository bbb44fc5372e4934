#include "sqlconn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "timeout.h"

extern const struct sql_driver sql_mysql, sql_pgsql, sql_odbc;

static const struct {
	const char *name;
	const struct sql_driver *drv;   /* NULL: not built */
} drivers[] = {
#ifdef HAVE_MARIADB
	{ "mysql", &sql_mysql },
#else
	{ "mysql", NULL },
#endif
#ifdef HAVE_LIBPQ
	{ "pgsql", &sql_pgsql },
#else
	{ "pgsql", NULL },
#endif
#ifdef HAVE_ODBC
	{ "odbc", &sql_odbc },
#else
	{ "odbc", NULL },
#endif
};

const struct sql_driver *sql_driver(const char *name, bool *built)
{
	*built = false;
	for (size_t i = 0; i < sizeof drivers / sizeof drivers[0]; i++)
		if (strcmp(name, drivers[i].name) == 0) {
			*built = drivers[i].drv != NULL;
			return drivers[i].drv;
		}
	return NULL;
}

void sql_set_error(struct sql_conn *c, const char *prefix, const char *msg)
{
	size_t n = 0, cap = sizeof c->err;
	bool space = false;
	if (prefix)
		n = (size_t)snprintf(c->err, cap, "%s", prefix);
	if (n >= cap)
		n = cap - 1;
	for (const char *p = msg ? msg : "unknown error"; *p && n < cap - 1; p++) {
		unsigned char ch = (unsigned char)*p;
		if (ch <= ' ' || ch == 0x7f) {
			space = n > 0;
			continue;
		}
		if (space && n < cap - 2)
			c->err[n++] = ' ';
		space = false;
		c->err[n++] = (char)ch;
	}
	c->err[n] = '\0';
}

unsigned sql_seconds_left(double deadline)
{
	double left = deadline - monotonic_now();
	return left < 1 ? 1 : left > 86400 ? 86400 : (unsigned)left;
}

char *sql_fill_password(const char *connstr, const char *password)
{
	static const char mark[] = "${PASSWORD}";
	const char *at = strstr(connstr, mark);
	if (!at)
		return NULL;
	struct buf b = BUF_INIT;
	buf_add(&b, connstr, (size_t)(at - connstr));
	buf_putc(&b, '{');
	for (const char *s = password; *s; s++) {
		buf_putc(&b, *s);
		if (*s == '}')
			buf_putc(&b, '}');
	}
	buf_putc(&b, '}');
	buf_puts(&b, at + sizeof mark - 1);
	return b.s;
}

void sql_value_free(struct sql_value *v)
{
	free(v->text);
	v->text = NULL;
}
