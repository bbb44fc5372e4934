/* MySQL and MariaDB through libmariadb, loaded on first use. No option
 * file is read (no MYSQL_READ_DEFAULT_GROUP): what the check does is what
 * its arguments say, and parsing my.cnf and its !includedir costs time at
 * every run. Timeouts: the connection is made with the non-blocking API and
 * polled up to the deadline (libmariadb's own timeouts start again at each
 * byte: a server that drips its greeting outlasted them); the query uses the
 * read timeout (whole seconds, below the deadline), and the server is told
 * to stop it half a second before (a query the client gave up on went on
 * running there, and each later check's copy piled on it). Each names the
 * step that hung; the -t alarm stays the last bound. */
#include "sqlconn.h"

#include <dlfcn.h>
#include <mysql.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "timeout.h"

#ifndef MARIADB_SONAME  /* configure may name another */
#define MARIADB_SONAME "libmariadb.so.3"
#endif

#define MY_FUNCS(X) \
	X(mysql_init) \
	X(mysql_options) \
	X(mysql_real_connect_start) \
	X(mysql_real_connect_cont) \
	X(mysql_get_socket) \
	X(mysql_get_timeout_value_ms) \
	X(mysql_error) \
	X(mysql_get_server_info) \
	X(mysql_get_ssl_cipher) \
	X(mysql_real_query) \
	X(mysql_use_result) \
	X(mysql_field_count) \
	X(mysql_fetch_row) \
	X(mysql_fetch_lengths) \
	X(mysql_free_result) \
	X(mysql_close) \
	X(mysql_server_end)

#define P(f) (*p_##f)
#define DECLARE(f) static __typeof__(&f) p_##f;
MY_FUNCS(DECLARE)

static const char *my_load(void)
{
	static char why[256];
	void *h = dlopen(MARIADB_SONAME, RTLD_LAZY | RTLD_LOCAL);
	if (!h) {
		snprintf(why, sizeof why, "cannot load %s: %s", MARIADB_SONAME, dlerror());
		return why;
	}
#define LOAD(f) \
	if (!(*(void **)&p_##f = dlsym(h, #f))) { \
		snprintf(why, sizeof why, "%s lacks %s", MARIADB_SONAME, #f); \
		return why; \
	}
	MY_FUNCS(LOAD)
#undef LOAD
	return NULL;
}

/* A library timeout, not the server, ended the step: the error text
 * ("Lost connection ... system error: 110") says less than "no answer". */
static enum sql_status failed(struct sql_conn *c, const char *what, double start, unsigned limit)
{
	if (monotonic_now() - start >= (double)limit - 0.05) {
		snprintf(c->err, sizeof c->err, "no answer from the server within %u s (%s)", limit, what);
		return SQL_TIMEOUT;
	}
	sql_set_error(c, NULL, P(mysql_error)(c->h));
	return SQL_FAILED;
}

/* Wait for what the library asks for (MYSQL_WAIT_* bits) until the
 * deadline: the bits that came, or -1 when the deadline came first. */
static int my_wait(MYSQL *m, int status, double deadline)
{
	struct pollfd pfd = { .fd = (int)P(mysql_get_socket)(m), .events = 0 };
	if (status & MYSQL_WAIT_READ)
		pfd.events |= POLLIN;
	if (status & MYSQL_WAIT_WRITE)
		pfd.events |= POLLOUT;
	if (status & MYSQL_WAIT_EXCEPT)
		pfd.events |= POLLPRI;
	double left = deadline - monotonic_now();
	if (left <= 0)
		return -1;
	bool lib_first = false;
	if (status & MYSQL_WAIT_TIMEOUT) {
		double lib = P(mysql_get_timeout_value_ms)(m) / 1000.0;
		if (lib < left) {
			left = lib;
			lib_first = true;
		}
	}
	int n = poll(&pfd, pfd.events ? 1 : 0, (int)(left * 1000) + 1);
	if (n < 0)
		return status & (MYSQL_WAIT_READ | MYSQL_WAIT_WRITE);   /* EINTR: let the library look */
	if (n == 0)
		return lib_first ? MYSQL_WAIT_TIMEOUT : (monotonic_now() >= deadline ? -1 : 0);
	int ev = 0;
	if (pfd.revents & (POLLIN | POLLHUP | POLLERR))
		ev |= MYSQL_WAIT_READ;
	if (pfd.revents & (POLLOUT | POLLHUP | POLLERR))
		ev |= MYSQL_WAIT_WRITE;
	if (pfd.revents & POLLPRI)
		ev |= MYSQL_WAIT_EXCEPT;
	return ev & status ? ev & status : status & (MYSQL_WAIT_READ | MYSQL_WAIT_WRITE);
}

static void set_tls(MYSQL *m, const struct sql_params *p)
{
	my_bool yes = 1;
	if (p->tls == SQL_TLS_DEFAULT)
		return;
	P(mysql_options)(m, MYSQL_OPT_SSL_ENFORCE, &yes);
	if (p->ca_file)
		P(mysql_options)(m, MYSQL_OPT_SSL_CA, p->ca_file);
	/* libmariadb verifies the chain when it has a CA; the name only when asked */
	if (p->tls == SQL_TLS_VERIFY_FULL)
		P(mysql_options)(m, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &yes);
}

static enum sql_status my_connect(struct sql_conn *c, const struct sql_params *p)
{
	MYSQL *m = P(mysql_init)(NULL);
	if (!m) {
		snprintf(c->err, sizeof c->err, "mysql_init failed: out of memory");
		return SQL_SETUP;
	}
	c->h = m;
	/* the library's timeouts only back up the deadline the loop below keeps */
	unsigned limit = sql_seconds_left(p->deadline), lib_limit = limit + 1;
	P(mysql_options)(m, MYSQL_OPT_CONNECT_TIMEOUT, &lib_limit);
	P(mysql_options)(m, MYSQL_OPT_READ_TIMEOUT, &lib_limit);
	P(mysql_options)(m, MYSQL_OPT_WRITE_TIMEOUT, &lib_limit);
	set_tls(m, p);
	P(mysql_options)(m, MYSQL_OPT_NONBLOCK, 0);
	double start = monotonic_now();
	MYSQL *ret = NULL;
	int status = P(mysql_real_connect_start)(&ret, m, p->socket ? "localhost" : p->host, p->user, p->password,
	                                         p->database, (unsigned)p->port, p->socket, 0);
	while (status) {
		int ev = my_wait(m, status, p->deadline);
		if (ev < 0) {
			snprintf(c->err, sizeof c->err, "no answer from the server within %.0f s (connecting)",
			         p->deadline - start);
			return SQL_TIMEOUT;
		}
		status = P(mysql_real_connect_cont)(&ret, m, ev);
	}
	if (!ret)
		return failed(c, "connecting", start, limit);
	/* libmariadb 3.3 goes on in plain text when the server offers no TLS,
	 * unless the certificate is to be verified: --tls require checks here */
	if (p->tls != SQL_TLS_DEFAULT && !P(mysql_get_ssl_cipher)(m)) {
		snprintf(c->err, sizeof c->err, "TLS is required, but the server does not offer it");
		return SQL_FAILED;
	}
	const char *info = P(mysql_get_server_info)(m);
	info = info ? info : "";
	if (strstr(info, "MariaDB"))
		snprintf(c->server, sizeof c->server, "MariaDB %.*s", (int)strcspn(info, "-"), info);
	else
		snprintf(c->server, sizeof c->server, "MySQL %s", info);
	return SQL_DONE;
}

static enum sql_status my_query(struct sql_conn *c, const char *sql, double deadline, struct sql_value *v)
{
	MYSQL *m = c->h;
	unsigned limit = sql_seconds_left(deadline);
	double start = monotonic_now(), server_limit = deadline - start - 0.5;
	P(mysql_options)(m, MYSQL_OPT_READ_TIMEOUT, &limit);
	if (server_limit >= 0.1) {
		/* MariaDB's max_statement_time, MySQL's max_execution_time (for
		 * SELECT); a server without them refuses the SET, and then only the
		 * client gives up */
		char set[96];
		if (!strncmp(c->server, "MariaDB", 7))
			snprintf(set, sizeof set, "SET SESSION max_statement_time = %.3f", server_limit);
		else
			snprintf(set, sizeof set, "SET SESSION max_execution_time = %.0f", server_limit * 1000);
		(void)P(mysql_real_query)(m, set, strlen(set));
	}
	if (P(mysql_real_query)(m, sql, strlen(sql)))
		return failed(c, "waiting for the query's result", start, limit);
	MYSQL_RES *res = P(mysql_use_result)(m);
	if (!res)
		return P(mysql_field_count)(m) ? failed(c, "reading the result", start, limit) : SQL_DONE;
	MYSQL_ROW row = P(mysql_fetch_row)(res);
	if (row) {
		unsigned long *len = P(mysql_fetch_lengths)(res);
		v->rows = true;
		v->null = row[0] == NULL;
		if (row[0]) {
			v->len = len ? len[0] : strlen(row[0]);
			v->text = xmalloc(v->len + 1);
			memcpy(v->text, row[0], v->len);
			v->text[v->len] = '\0';
		}
	}
	/* reads the rows after the first: the connection must be in step */
	P(mysql_free_result)(res);
	if (!row && *P(mysql_error)(m))
		return failed(c, "reading the result", start, limit);
	return SQL_DONE;
}

static void my_close(struct sql_conn *c)
{
	if (c->h)
		P(mysql_close)(c->h);
	c->h = NULL;
	P(mysql_server_end)();
}

const struct sql_driver sql_mysql = {
	.name = "mysql",
	.load = my_load,
	.connect = my_connect,
	.query = my_query,
	.close = my_close,
};
