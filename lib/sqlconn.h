/* check_sql's database back ends behind one small table of operations:
 * load the client library, connect, fetch the first column of the first
 * row of a query, close. Each back end (sql_mysql.c, sql_pgsql.c,
 * sql_odbc.c) is compiled only when configure found its library, and loads
 * that library itself (dlopen) on first use, so that a MySQL check does
 * not pay at every start for relocating libpq and its Kerberos, LDAP and
 * GnuTLS dependencies, nor a PostgreSQL check for libmariadb.
 * (Not "sql.h": unixODBC's own header has that name.) */
#ifndef MAMORI_SQLCONN_H
#define MAMORI_SQLCONN_H
#include <stdbool.h>
#include <stddef.h>

/* What a step ended with; the plugin turns it into a state. */
enum sql_status {
	SQL_DONE,        /* connected / the query ran */
	SQL_FAILED,      /* refused, no such host or database, bad login, query error */
	SQL_TIMEOUT,     /* no answer before the deadline */
	SQL_SETUP,       /* the library cannot be loaded, or the arguments cannot work */
};

enum sql_tls { SQL_TLS_DEFAULT, SQL_TLS_REQUIRE, SQL_TLS_VERIFY_CA, SQL_TLS_VERIFY_FULL };

struct sql_params {
	const char *host;        /* NULL: the library's default (usually its socket) */
	long port;               /* 0: the default */
	const char *socket;      /* Unix socket: the file (mysql) or its directory (pgsql) */
	const char *user, *password, *database;
	const char *dsn;         /* odbc: a data source name ... */
	const char *connstr;     /* ... or a whole connection string */
	enum sql_tls tls;
	const char *ca_file;
	double deadline;         /* monotonic seconds by which every step must end */
};

/* The first column of the first row. */
struct sql_value {
	bool rows;               /* false: the query returned no row (or no result set) */
	bool null;
	char *text;              /* NUL-terminated, malloc'ed; NULL when null or no rows */
	size_t len;              /* may hold NULs: a binary column */
};

struct sql_conn {
	const struct sql_driver *drv;
	void *h, *env;           /* the back end's handles */
	char server[160];        /* "MariaDB 10.11.6", "PostgreSQL 15.4", DBMS name and version */
	char err[512];           /* the reason of the last failure, one line */
};

struct sql_driver {
	const char *name;                                    /* "mysql", "pgsql", "odbc" */
	const char *(*load)(void);                           /* NULL or why not */
	enum sql_status (*connect)(struct sql_conn *c, const struct sql_params *p);
	enum sql_status (*query)(struct sql_conn *c, const char *sql, double deadline, struct sql_value *v);
	void (*close)(struct sql_conn *c);
};

/* The back end called NAME; NULL when there is none of that name, and
 * *built false when there is one but this build lacks its library. */
const struct sql_driver *sql_driver(const char *name, bool *built);

/* c->err from a library's message: whitespace runs (libpq's messages span
 * lines) become one space, ends trimmed, at most sizeof c->err. */
void sql_set_error(struct sql_conn *c, const char *prefix, const char *msg);
/* Whole seconds left before deadline, at least 1 (library timeouts). */
unsigned sql_seconds_left(double deadline);
void sql_value_free(struct sql_value *v);
/* connstr with its first ${PASSWORD} replaced by password brace-quoted as
 * ODBC quotes values ('}' doubled); NULL when there is no ${PASSWORD}.
 * Moved here from check_sql.c for the fuzz/unit tests. Free it. */
char *sql_fill_password(const char *connstr, const char *password);

#endif
