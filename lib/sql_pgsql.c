/* PostgreSQL through libpq, loaded on first use. Connection and query run
 * non-blocking (PQconnectPoll, PQsendQuery) under poll() with the -t
 * deadline, so a server that accepts and never answers ends in "no answer
 * within N s (authenticating)" instead of libpq's whole-second
 * connect_timeout (which does not bound a query at all). */
#include "sqlconn.h"

#include <dlfcn.h>
#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "num.h"
#include "timeout.h"

#ifndef LIBPQ_SONAME  /* configure may name another */
#define LIBPQ_SONAME "libpq.so.5"
#endif

#define PQ_FUNCS(X) \
	X(PQconnectStartParams) \
	X(PQconnectPoll) \
	X(PQstatus) \
	X(PQsocket) \
	X(PQerrorMessage) \
	X(PQfinish) \
	X(PQparameterStatus) \
	X(PQsetnonblocking) \
	X(PQsendQuery) \
	X(PQflush) \
	X(PQconsumeInput) \
	X(PQisBusy) \
	X(PQgetResult) \
	X(PQresultStatus) \
	X(PQresultErrorMessage) \
	X(PQntuples) \
	X(PQnfields) \
	X(PQgetisnull) \
	X(PQgetvalue) \
	X(PQgetlength) \
	X(PQclear) \
	X(PQgetCancel) \
	X(PQcancel) \
	X(PQfreeCancel)

#define P(f) (*p_##f)
#define DECLARE(f) static __typeof__(&f) p_##f;
PQ_FUNCS(DECLARE)

static const char *(*default_ca)(void);  /* libcrypto's, through libpq's handle */

static const char *pq_load(void)
{
	static char why[256];
	void *h = dlopen(LIBPQ_SONAME, RTLD_LAZY | RTLD_LOCAL);
	if (!h) {
		snprintf(why, sizeof why, "cannot load %s: %s", LIBPQ_SONAME, dlerror());
		return why;
	}
#define LOAD(f) \
	if (!(*(void **)&p_##f = dlsym(h, #f))) { \
		snprintf(why, sizeof why, "%s lacks %s", LIBPQ_SONAME, #f); \
		return why; \
	}
	PQ_FUNCS(LOAD)
#undef LOAD
	*(void **)&default_ca = dlsym(h, "X509_get_default_cert_file");
	return NULL;
}

/* Wait until the socket is ready for events or the deadline: 1 ready, 0 timeout. */
static int wait_fd(int fd, short events, double deadline)
{
	for (;;) {
		double left = deadline - monotonic_now();
		if (left <= 0)
			return 0;
		struct pollfd pfd = { .fd = fd, .events = events };
		int r = poll(&pfd, 1, (int)(left * 1000) + 1);
		if (r > 0)
			return 1;
		if (r < 0 && errno != EINTR)
			return 1;  /* let libpq meet the error itself */
	}
}

static const char *stage(PGconn *conn)
{
	switch (P(PQstatus)(conn)) {
	case CONNECTION_STARTED: return "connecting";
	case CONNECTION_MADE: return "sending the start-up packet";
	case CONNECTION_SSL_STARTUP: return "TLS handshake";
	case CONNECTION_AWAITING_RESPONSE:
	case CONNECTION_AUTH_OK: return "authenticating";
	default: return "starting the session";
	}
}

/* The "host" of libpq: a name, an address or the socket's directory. A
 * socket file named like PostgreSQL's (.s.PGSQL.5432) gives both. */
static void socket_dir(const char *sock, long *port, char *dir, size_t size)
{
	const char *base = strrchr(sock, '/');
	long n;
	if (base && strncmp(base + 1, ".s.PGSQL.", 9) == 0 && num_parse_long(base + 10, 1, 65535, &n)) {
		snprintf(dir, size, "%.*s", (int)(base - sock) ? (int)(base - sock) : 1, sock);
		if (!*port)
			*port = n;
		return;
	}
	snprintf(dir, size, "%s", sock);
}

static enum sql_status pq_connect(struct sql_conn *c, const struct sql_params *p)
{
	char port[16] = "", dir[4096], timeout[16];
	const char *keys[16], *vals[16];
	int n = 0;
	long portn = p->port;
	const char *host = p->host;
	if (p->socket) {
		socket_dir(p->socket, &portn, dir, sizeof dir);
		host = dir;
	}
	if (portn)
		snprintf(port, sizeof port, "%ld", portn);
	/* libpq's own bound too, for a resolver that does not return */
	snprintf(timeout, sizeof timeout, "%u", sql_seconds_left(p->deadline) + 1);
	static const char *const modes[] = { NULL, "require", "verify-ca", "verify-full" };
	const char *const kv[][2] = {
		{ "host", host },
		{ "port", *port ? port : NULL },
		{ "user", p->user },
		{ "password", p->password },
		{ "dbname", p->database },
		{ "sslmode", modes[p->tls] },
		/* libpq 15 has no "system" root store: name OpenSSL's default file */
		{ "sslrootcert", p->ca_file ? p->ca_file : p->tls >= SQL_TLS_VERIFY_CA && default_ca ? default_ca() : NULL },
		{ "connect_timeout", timeout },
		/* Probing for a Kerberos credential cache costs milliseconds at
		 * every run; GSS encryption stays available through PGGSSENCMODE. */
		{ "gssencmode", getenv("PGGSSENCMODE") ? NULL : "disable" },
		{ "fallback_application_name", "check_sql" },
	};
	for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++)
		if (kv[i][1]) {
			keys[n] = kv[i][0];
			vals[n++] = kv[i][1];
		}
	keys[n] = vals[n] = NULL;

	PGconn *conn = P(PQconnectStartParams)(keys, vals, 0);
	if (!conn) {
		snprintf(c->err, sizeof c->err, "libpq: out of memory");
		return SQL_SETUP;
	}
	c->h = conn;
	PostgresPollingStatusType st = PGRES_POLLING_WRITING;
	while (P(PQstatus)(conn) != CONNECTION_BAD && st != PGRES_POLLING_OK && st != PGRES_POLLING_FAILED) {
		if (st != PGRES_POLLING_ACTIVE &&
		    !wait_fd(P(PQsocket)(conn), st == PGRES_POLLING_READING ? POLLIN : POLLOUT, p->deadline)) {
			snprintf(c->err, sizeof c->err, "no answer from the server within %g s (%s)",
			         timeout_seconds(), stage(conn));
			return SQL_TIMEOUT;
		}
		st = P(PQconnectPoll)(conn);
	}
	if (P(PQstatus)(conn) != CONNECTION_OK) {
		sql_set_error(c, NULL, P(PQerrorMessage)(conn));
		return SQL_FAILED;
	}
	const char *v = P(PQparameterStatus)(conn, "server_version");
	snprintf(c->server, sizeof c->server, "PostgreSQL %.*s", v ? (int)strcspn(v, " ") : 0, v ? v : "");
	return SQL_DONE;
}

/* Wait until a whole result is in (or the connection broke). */
static bool wait_result(PGconn *conn, double deadline)
{
	while (P(PQisBusy)(conn)) {
		if (!wait_fd(P(PQsocket)(conn), POLLIN, deadline))
			return false;
		if (!P(PQconsumeInput)(conn))
			return true;  /* PQgetResult reports the error */
	}
	return true;
}

static void keep_first(PGresult *r, struct sql_value *v)
{
	if (v->rows || P(PQntuples)(r) < 1 || P(PQnfields)(r) < 1)
		return;
	v->rows = true;
	v->null = P(PQgetisnull)(r, 0, 0);
	if (!v->null) {
		v->len = (size_t)P(PQgetlength)(r, 0, 0);
		v->text = xmalloc(v->len + 1);
		memcpy(v->text, P(PQgetvalue)(r, 0, 0), v->len);
		v->text[v->len] = '\0';
	}
}

static enum sql_status pq_query(struct sql_conn *c, const char *sql, double deadline, struct sql_value *v)
{
	PGconn *conn = c->h;
	int f;
	P(PQsetnonblocking)(conn, 1);
	if (!P(PQsendQuery)(conn, sql)) {
		sql_set_error(c, NULL, P(PQerrorMessage)(conn));
		return SQL_FAILED;
	}
	while ((f = P(PQflush)(conn)) == 1)
		if (!wait_fd(P(PQsocket)(conn), POLLOUT, deadline))
			goto timeout;
	enum sql_status status = SQL_DONE;
	/* every result of the statements, in order: the first row found is kept,
	 * the first error wins */
	for (;;) {
		if (!wait_result(conn, deadline))
			goto timeout;
		PGresult *r = P(PQgetResult)(conn);
		if (!r)
			break;
		ExecStatusType rs = P(PQresultStatus)(r);
		if (rs == PGRES_TUPLES_OK || rs == PGRES_SINGLE_TUPLE)
			keep_first(r, v);
		else if (rs != PGRES_COMMAND_OK && rs != PGRES_EMPTY_QUERY && status == SQL_DONE) {
			sql_set_error(c, NULL, P(PQresultErrorMessage)(r));
			status = SQL_FAILED;
		}
		P(PQclear)(r);
	}
	return status;
timeout:
	snprintf(c->err, sizeof c->err, "no answer from the server within %g s (waiting for the query's result)",
	         timeout_seconds());
	/* the server would run the query to its end after we are gone: stop
	 * it (a short exchange on a new connection; the -t alarm bounds it) */
	PGcancel *cancel = P(PQgetCancel)(conn);
	if (cancel) {
		char ignored[128];
		P(PQcancel)(cancel, ignored, sizeof ignored);
		P(PQfreeCancel)(cancel);
	}
	return SQL_TIMEOUT;
}

static void pq_close(struct sql_conn *c)
{
	if (c->h)
		P(PQfinish)(c->h);
	c->h = NULL;
}

const struct sql_driver sql_pgsql = {
	.name = "pgsql",
	.load = pq_load,
	.connect = pq_connect,
	.query = pq_query,
	.close = pq_close,
};
