/* ODBC through unixODBC, loaded on first use: Oracle, Sybase, MS SQL and
 * the rest through their drivers, by DSN or by a whole connection string.
 * Timeouts: SQL_ATTR_LOGIN_TIMEOUT and SQL_ATTR_QUERY_TIMEOUT where the
 * driver honours them (whole seconds, below the -t deadline); drivers that
 * do not are bounded by the -t alarm. */
#include "sqlconn.h"

#include <dlfcn.h>
#include <sql.h>
#include <sqlext.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "timeout.h"

#ifndef ODBC_SONAME  /* configure may name another */
#define ODBC_SONAME "libodbc.so.2"
#endif

#define ODBC_FUNCS(X) \
	X(SQLAllocHandle) \
	X(SQLFreeHandle) \
	X(SQLSetEnvAttr) \
	X(SQLSetConnectAttr) \
	X(SQLSetStmtAttr) \
	X(SQLDriverConnect) \
	X(SQLDisconnect) \
	X(SQLGetDiagRec) \
	X(SQLGetInfo) \
	X(SQLExecDirect) \
	X(SQLNumResultCols) \
	X(SQLFetch) \
	X(SQLGetData) \
	X(SQLMoreResults)

#define P(f) (*p_##f)
#define DECLARE(f) static __typeof__(&f) p_##f;
ODBC_FUNCS(DECLARE)

static const char *odbc_load(void)
{
	static char why[256];
	void *h = dlopen(ODBC_SONAME, RTLD_LAZY | RTLD_LOCAL);
	if (!h) {
		snprintf(why, sizeof why, "cannot load %s: %s", ODBC_SONAME, dlerror());
		return why;
	}
#define LOAD(f) \
	if (!(*(void **)&p_##f = dlsym(h, #f))) { \
		snprintf(why, sizeof why, "%s lacks %s", ODBC_SONAME, #f); \
		return why; \
	}
	ODBC_FUNCS(LOAD)
#undef LOAD
	return NULL;
}

/* The first diagnostic record of a handle into c->err: "[driver] text".
 * Returns its SQLSTATE class: "IM" is the driver manager's (no such DSN,
 * no such driver), "HY" with "T00"/"T01" a timeout. */
static const char *diag(struct sql_conn *c, SQLSMALLINT type, SQLHANDLE h, const char *what)
{
	static char state[6];
	SQLCHAR st[6] = "", msg[512] = "";
	SQLINTEGER native;
	SQLSMALLINT len;
	state[0] = '\0';
	if (!SQL_SUCCEEDED(P(SQLGetDiagRec)(type, h, 1, st, &native, msg, sizeof msg, &len))) {
		snprintf(c->err, sizeof c->err, "%s failed (no diagnostic from the driver)", what);
		return state;
	}
	snprintf(state, sizeof state, "%s", (char *)st);
	sql_set_error(c, NULL, (char *)msg);
	return state;
}

/* "KEY=value;", the value in braces when it holds what would end or
 * quote it (';', braces, edge spaces), '}' doubled inside them. Braces only
 * when needed: some drivers take "{name}" for the name of a DSN. */
static void add_attr(struct buf *b, const char *key, const char *val)
{
	size_t n = strlen(val);
	bool quote = strpbrk(val, ";{}") || (n && (val[0] == ' ' || val[n - 1] == ' '));
	buf_printf(b, "%s=%s", key, quote ? "{" : "");
	for (const char *v = val; *v; v++) {
		buf_putc(b, *v);
		if (quote && *v == '}')
			buf_putc(b, '}');
	}
	buf_puts(b, quote ? "};" : ";");
}

static enum sql_status odbc_connect(struct sql_conn *c, const struct sql_params *p)
{
	SQLHENV env = SQL_NULL_HENV;
	SQLHDBC dbc = SQL_NULL_HDBC;
	if (!SQL_SUCCEEDED(P(SQLAllocHandle)(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &env))) {
		snprintf(c->err, sizeof c->err, "cannot allocate an ODBC environment");
		return SQL_SETUP;
	}
	c->env = env;
	P(SQLSetEnvAttr)(env, SQL_ATTR_ODBC_VERSION, (SQLPOINTER)SQL_OV_ODBC3, 0);
	if (!SQL_SUCCEEDED(P(SQLAllocHandle)(SQL_HANDLE_DBC, env, &dbc))) {
		diag(c, SQL_HANDLE_ENV, env, "allocating a connection");
		return SQL_SETUP;
	}
	c->h = dbc;
	SQLULEN secs = sql_seconds_left(p->deadline);
	P(SQLSetConnectAttr)(dbc, SQL_ATTR_LOGIN_TIMEOUT, (SQLPOINTER)secs, 0);
	P(SQLSetConnectAttr)(dbc, SQL_ATTR_CONNECTION_TIMEOUT, (SQLPOINTER)secs, 0);

	struct buf cs = BUF_INIT;
	if (p->connstr) {
		buf_puts(&cs, p->connstr);
	} else {
		add_attr(&cs, "DSN", p->dsn);
		if (p->user)
			add_attr(&cs, "UID", p->user);
		if (p->password)
			add_attr(&cs, "PWD", p->password);
	}
	SQLCHAR out[1024];
	SQLSMALLINT outlen;
	double start = monotonic_now();
	SQLRETURN r = P(SQLDriverConnect)(dbc, NULL, (SQLCHAR *)buf_cstr(&cs), SQL_NTS, out, sizeof out, &outlen,
	                                  SQL_DRIVER_NOPROMPT);
	/* the string may hold the password: gone from memory at once */
	if (cs.s)
		memset(cs.s, 0, cs.len);
	buf_free(&cs);
	if (!SQL_SUCCEEDED(r)) {
		const char *st = diag(c, SQL_HANDLE_DBC, dbc, "connecting");
		if (strncmp(st, "HYT", 3) == 0 || monotonic_now() - start >= (double)secs - 0.05) {
			snprintf(c->err, sizeof c->err, "no answer from the server within %u s (connecting)", (unsigned)secs);
			return SQL_TIMEOUT;
		}
		/* the driver manager's own errors: the setup, not the database */
		if (strncmp(st, "IM", 2) == 0)
			return SQL_SETUP;
		P(SQLFreeHandle)(SQL_HANDLE_DBC, dbc);
		c->h = NULL;
		return SQL_FAILED;
	}
	memset(out, 0, sizeof out);
	SQLCHAR name[64] = "", ver[64] = "";
	SQLSMALLINT n;
	P(SQLGetInfo)(dbc, SQL_DBMS_NAME, name, sizeof name, &n);
	P(SQLGetInfo)(dbc, SQL_DBMS_VER, ver, sizeof ver, &n);
	snprintf(c->server, sizeof c->server, "%s %s", (char *)name, (char *)ver);
	return SQL_DONE;
}

static enum sql_status odbc_query(struct sql_conn *c, const char *sql, double deadline, struct sql_value *v)
{
	SQLHSTMT st;
	enum sql_status status = SQL_DONE;
	if (!SQL_SUCCEEDED(P(SQLAllocHandle)(SQL_HANDLE_STMT, c->h, &st))) {
		diag(c, SQL_HANDLE_DBC, c->h, "allocating a statement");
		return SQL_FAILED;
	}
	SQLULEN secs = sql_seconds_left(deadline);
	P(SQLSetStmtAttr)(st, SQL_ATTR_QUERY_TIMEOUT, (SQLPOINTER)secs, 0);
	SQLRETURN r = P(SQLExecDirect)(st, (SQLCHAR *)sql, SQL_NTS);
	if (!SQL_SUCCEEDED(r) && r != SQL_NO_DATA) {
		const char *s = diag(c, SQL_HANDLE_STMT, st, "the query");
		status = strncmp(s, "HYT", 3) == 0 ? SQL_TIMEOUT : SQL_FAILED;
		if (status == SQL_TIMEOUT)
			snprintf(c->err, sizeof c->err, "no answer from the server within %u s (waiting for the query's result)",
			         (unsigned)secs);
		goto out;
	}
	/* the first statement with columns gives the row */
	do {
		SQLSMALLINT cols = 0;
		if (!SQL_SUCCEEDED(P(SQLNumResultCols)(st, &cols)) || cols < 1)
			continue;
		r = P(SQLFetch)(st);
		if (r == SQL_NO_DATA)
			break;
		if (!SQL_SUCCEEDED(r)) {
			diag(c, SQL_HANDLE_STMT, st, "fetching the row");
			status = SQL_FAILED;
			goto out;
		}
		struct buf val = BUF_INIT;
		char chunk[4096];
		SQLLEN ind = 0;
		/* a long value comes in pieces: SQL_SUCCESS_WITH_INFO while more follows */
		while (SQL_SUCCEEDED(r = P(SQLGetData)(st, 1, SQL_C_CHAR, chunk, sizeof chunk, &ind))) {
			if (ind == SQL_NULL_DATA)
				break;
			size_t got = ind == SQL_NO_TOTAL || ind >= (SQLLEN)sizeof chunk ? sizeof chunk - 1 : (size_t)ind;
			buf_add(&val, chunk, got);
			if (r == SQL_SUCCESS || val.len > 1 << 20)
				break;
		}
		if (!SQL_SUCCEEDED(r) && r != SQL_NO_DATA) {
			buf_free(&val);
			diag(c, SQL_HANDLE_STMT, st, "reading the value");
			status = SQL_FAILED;
			goto out;
		}
		v->rows = true;
		v->null = ind == SQL_NULL_DATA;
		if (!v->null) {
			v->len = val.len;
			v->text = xmalloc(val.len + 1);
			memcpy(v->text, val.s ? val.s : "", val.len);
			v->text[val.len] = '\0';
		}
		buf_free(&val);
		break;
	} while (SQL_SUCCEEDED(P(SQLMoreResults)(st)));
out:
	P(SQLFreeHandle)(SQL_HANDLE_STMT, st);
	return status;
}

static void odbc_close(struct sql_conn *c)
{
	if (c->h) {
		P(SQLDisconnect)(c->h);
		P(SQLFreeHandle)(SQL_HANDLE_DBC, c->h);
	}
	if (c->env)
		P(SQLFreeHandle)(SQL_HANDLE_ENV, c->env);
	c->h = c->env = NULL;
}

const struct sql_driver sql_odbc = {
	.name = "odbc",
	.load = odbc_load,
	.connect = odbc_connect,
	.query = odbc_query,
	.close = odbc_close,
};
