/* check_sql: connect to a database, optionally run one query and judge the
 * first column of its first row (runbook 004: "connect, run any SQL, check
 * the answer"). One plugin, three back ends chosen by --driver: mysql
 * (MySQL/MariaDB, libmariadb), pgsql (libpq), odbc (unixODBC: Oracle,
 * Sybase, MS SQL ... through their drivers). lib/sqlconn.h is the table of
 * operations; each back end loads its library on first use.
 *
 * main(): options -> connect (and query) -> judge (-w/-c, -e, -r) -> print. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef HAVE_PCRE2
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#endif

#include "buf.h"
#include "num.h"
#include "options.h"
#include "plugin.h"
#include "range.h"
#include "secret.h"
#include "sqlconn.h"
#include "timeout.h"

struct config {
	const char *driver, *query, *expect, *regex, *password_file;
	const char *warn_arg, *crit_arg;
	struct range warn, crit, cwarn, ccrit;
	struct sql_params p;
	bool argv_password;
	char password[1024];
#ifdef HAVE_PCRE2
	pcre2_code *re;
#endif
};

enum { OPT_DRIVER = 256, OPT_PWFILE, OPT_DSN, OPT_CONNSTR, OPT_TLS, OPT_CA, OPT_CWARN, OPT_CCRIT };

static const struct option_spec options[] = {
	{ "driver", OPT_DRIVER, "NAME", "Database back end: mysql (MySQL, MariaDB), pgsql (PostgreSQL) or odbc\n"
	                                "(any ODBC driver: Oracle, Sybase, MS SQL ...)" },
	{ "hostname", 'H', "HOST", "Server name or address (mysql, pgsql; default: the local socket)" },
	{ "port", 'P', "PORT", "Server port (default 3306 for mysql, 5432 for pgsql)" },
	{ "socket", 's', "PATH", "Unix socket: the socket file (mysql), or its directory or file (pgsql)" },
	{ "username", 'u', "USER", "User to log in as" },
	{ "logname", 'l', "USER", "The same as --username (check_pgsql's name)" },
	{ "database", 'd', "NAME", "Database to connect to (mysql, pgsql)" },
	{ "password-file", OPT_PWFILE, "FILE", "Read the password from the first line of FILE (mode 0600 or stricter)" },
	{ "password", 'p', "PASSWORD", "Password on the command line, as check_mysql -p: visible to every user\n"
	                               "in ps; prefer --password-file or the environment" },
	{ "dsn", OPT_DSN, "NAME", "odbc: the data source name (odbc.ini); -u and the password are added" },
	{ "connection-string", OPT_CONNSTR, "STRING",
	  "odbc: a whole connection string (\"Driver=...;Server=...;UID=...;PWD=${PASSWORD}\");\n"
	  "${PASSWORD} is replaced by the password from --password-file or the environment" },
	{ "tls", OPT_TLS, "MODE", "mysql, pgsql: require TLS: require (encrypted, certificate not checked),\n"
	                          "verify-ca (certificate from a trusted CA), verify-full (and the name matches)" },
	{ "ca-file", OPT_CA, "FILE", "CA certificates (PEM) to verify the server's certificate with\n"
	                             "(default: the system's, as OpenSSL finds them)" },
	{ "query", 'q', "SQL", "Run SQL and judge the first column of the first row" },
	{ "warning", 'w', "RANGE", "WARNING when the query's result (a number) is outside RANGE (inside for @RANGE)" },
	{ "critical", 'c', "RANGE", "CRITICAL likewise" },
	{ "expect", 'e', "STRING", "CRITICAL unless the query's result is exactly STRING" },
	{ "regex", 'r', "REGEX", "CRITICAL unless the query's result matches REGEX (PCRE2)" },
	{ "connect-warning", OPT_CWARN, "SECONDS", "WARNING when connecting takes longer than SECONDS (a range)" },
	{ "connect-critical", OPT_CCRIT, "SECONDS", "CRITICAL when connecting takes longer than SECONDS (a range)" },
	{ NULL, 0, NULL, NULL },
};

static const struct program prog = {
	.name = "check_sql",
	.service = "SQL",
	.purpose = "Connects to a database (MySQL/MariaDB, PostgreSQL, or anything with an ODBC\n"
	           "driver) and reports the time it took; with -q, runs a query and judges the first\n"
	           "column of its first row: a number against -w/-c, a string against -e or -r.",
	.usage = "--driver mysql|pgsql|odbc [-H HOST] [-P PORT] [-s SOCKET] [-u USER] [-d DATABASE]\n"
	         "       [--password-file FILE] [--dsn NAME | --connection-string STRING]\n"
	         "       [--tls MODE] [--ca-file FILE] [-q SQL [-w RANGE] [-c RANGE] [-e STRING] [-r REGEX]]",
	.options = options,
	.notes = "Password, first found: --password-file, -p, $MAMORI_SQL_PASSWORD, then $MYSQL_PWD\n"
	         "(mysql) or $PGPASSWORD (pgsql; libpq also reads ~/.pgpass). Connection refused,\n"
	         "login refused, a missing database and a failed query are CRITICAL with the\n"
	         "server's words; -t bounds everything (a server that accepts and never answers\n"
	         "included). No rows: WARNING. A result that is not a number, with -w/-c: CRITICAL.\n"
	         "Perfdata: connect_time (s), query_time (s) and result (with -q, when a number).",
	.timeout = 10,
	.timeout_state = STATE_CRITICAL,
};

/* ---- options ---------------------------------------------------------- */

static const char *on_option(void *cfg_, int key, const char *arg)
{
	struct config *cfg = cfg_;
	struct sql_params *p = &cfg->p;
	switch (key) {
	case OPT_DRIVER: cfg->driver = arg; return NULL;
	case 'H': p->host = arg; return *arg ? NULL : "empty host name";
	case 'P': return opt_long(arg, 1, 65535, &p->port);
	case 's': p->socket = arg; return *arg ? NULL : "empty socket path";
	case 'u': case 'l': p->user = arg; return NULL;
	case 'd': p->database = arg; return *arg ? NULL : "empty database name";
	case OPT_PWFILE: cfg->password_file = arg; return NULL;
	case 'p':
		cfg->argv_password = true;
		if (strlen(arg) >= sizeof cfg->password)
			return "the password is too long";
		strcpy(cfg->password, arg);
		return NULL;
	case OPT_DSN: p->dsn = arg; return *arg ? NULL : "empty data source name";
	case OPT_CONNSTR: p->connstr = arg; return *arg ? NULL : "empty connection string";
	case OPT_TLS:
		p->tls = !strcmp(arg, "require") ? SQL_TLS_REQUIRE : !strcmp(arg, "verify-ca") ? SQL_TLS_VERIFY_CA
		       : !strcmp(arg, "verify-full") ? SQL_TLS_VERIFY_FULL : SQL_TLS_DEFAULT;
		return p->tls == SQL_TLS_DEFAULT ? "not require, verify-ca or verify-full" : NULL;
	/* before connecting: a FIFO, a device or a non-PEM file named now */
	case OPT_CA: p->ca_file = arg; return file_check_pem(arg);
	case 'q': cfg->query = arg; return *arg ? NULL : "empty query";
	case 'w': cfg->warn_arg = arg; return opt_range(arg, &cfg->warn);
	case 'c': cfg->crit_arg = arg; return opt_range(arg, &cfg->crit);
	case 'e': cfg->expect = arg; return NULL;
	case 'r': cfg->regex = arg; return NULL;
	case OPT_CWARN: return opt_range(arg, &cfg->cwarn);
	case OPT_CCRIT: return opt_range(arg, &cfg->ccrit);
	}
	return "unhandled option";
}

/* The password, first found: file, argv, environment. */
static void find_password(struct config *cfg)
{
	const char *env = NULL;
	if (cfg->password_file) {
		const char *err = secret_read_file(cfg->password_file, cfg->password, sizeof cfg->password);
		if (err)
			plugin_die(STATE_UNKNOWN, "--password-file %.200s: %s", cfg->password_file, err);
	} else if (!cfg->argv_password) {
		env = secret_from_env("MAMORI_SQL_PASSWORD");
		if (!env && !strcmp(cfg->driver, "mysql"))
			env = secret_from_env("MYSQL_PWD");
		if (!env && !strcmp(cfg->driver, "pgsql"))
			env = secret_from_env("PGPASSWORD");
		if (env && strlen(env) >= sizeof cfg->password)
			plugin_die(STATE_UNKNOWN, "the password in the environment is too long");
		if (env)
			strcpy(cfg->password, env);
	}
	if (cfg->password[0])
		cfg->p.password = cfg->password;
}

/* --connection-string with ${PASSWORD} filled in (brace-quoted, as ODBC
 * quotes values); the copy is wiped after connecting. */
static char *fill_password(const struct config *cfg)
{
	static const char mark[] = "${PASSWORD}";
	const char *at = strstr(cfg->p.connstr, mark);
	if (!at)
		return NULL;
	if (!cfg->p.password)
		plugin_die(STATE_UNKNOWN, "--connection-string has ${PASSWORD} but no password was given "
		                          "(--password-file or $MAMORI_SQL_PASSWORD)");
	return sql_fill_password(cfg->p.connstr, cfg->p.password);
}

static const struct sql_driver *validate(struct config *cfg)
{
	const struct sql_params *p = &cfg->p;
	bool built;
	if (!cfg->driver)
		plugin_die(STATE_UNKNOWN, "give the database type with --driver mysql|pgsql|odbc (see check_sql --help)");
	const struct sql_driver *drv = sql_driver(cfg->driver, &built);
	if (!drv && !built && (!strcmp(cfg->driver, "mysql") || !strcmp(cfg->driver, "pgsql") ||
	                       !strcmp(cfg->driver, "odbc")))
		plugin_die(STATE_UNKNOWN, "--driver %s: check_sql was not built with %s (its library was missing "
		                          "at configure time)", cfg->driver, cfg->driver);
	if (!drv)
		plugin_die(STATE_UNKNOWN, "--driver '%.40s': not mysql, pgsql or odbc", cfg->driver);
	bool odbc = !strcmp(cfg->driver, "odbc");
	if (odbc && !p->dsn == !p->connstr)
		plugin_die(STATE_UNKNOWN, "--driver odbc needs --dsn NAME or --connection-string STRING (one of them)");
	if (odbc && (p->host || p->port || p->socket || p->database || p->tls || p->ca_file))
		plugin_die(STATE_UNKNOWN, "--driver odbc: put host, port, database and TLS settings in the DSN or "
		                          "the connection string");
	if (odbc && p->connstr && p->user)
		plugin_die(STATE_UNKNOWN, "--connection-string: put the user in it (UID=...)");
	if (!odbc && (p->dsn || p->connstr))
		plugin_die(STATE_UNKNOWN, "--dsn and --connection-string are for --driver odbc");
	if (p->host && p->socket)
		plugin_die(STATE_UNKNOWN, "give -H HOST or -s SOCKET, not both");
	if (p->ca_file && !p->tls)
		plugin_die(STATE_UNKNOWN, "--ca-file needs --tls verify-ca or verify-full");
	if (!cfg->query && (cfg->warn.set || cfg->crit.set || cfg->expect || cfg->regex))
		plugin_die(STATE_UNKNOWN, "-w, -c, -e and -r judge a query's result: give -q SQL "
		                          "(the connection time has --connect-warning/--connect-critical)");
	if ((cfg->warn.set || cfg->crit.set) && (cfg->expect || cfg->regex))
		plugin_die(STATE_UNKNOWN, "-w/-c judge a number, -e/-r a string: give one kind");
	if (cfg->regex) {
#ifdef HAVE_PCRE2
		int code;
		PCRE2_SIZE off;
		cfg->re = pcre2_compile((PCRE2_SPTR)cfg->regex, PCRE2_ZERO_TERMINATED, 0, &code, &off, NULL);
		if (!cfg->re) {
			PCRE2_UCHAR msg[160];
			pcre2_get_error_message(code, msg, sizeof msg);
			plugin_die(STATE_UNKNOWN, "-r: %s at offset %zu", (char *)msg, (size_t)off);
		}
#else
		plugin_die(STATE_UNKNOWN, "-r: check_sql was built without PCRE2");
#endif
	}
	find_password(cfg);
	return drv;
}

/* ---- words ------------------------------------------------------------ */

/* A value as the output shows it: no control characters, at most 100 bytes. */
static const char *shown(const char *s, size_t len, char *out, size_t size)
{
	size_t n = 0, max = size - 4 < 100 ? size - 4 : 100;
	for (size_t i = 0; i < len && n < max; i++)
		out[n++] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f || s[i] == '|' ? '?' : s[i];
	while (n < len && n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;  /* not in the middle of a UTF-8 character */
	snprintf(out + n, size - n, "%s", n < len ? "..." : "");
	return out;
}

/* "on 127.0.0.1 port 5432", "on socket /run/...", "DSN prod" */
static void where(const struct config *cfg, struct buf *b)
{
	const struct sql_params *p = &cfg->p;
	if (p->dsn)
		buf_printf(b, "DSN %.100s", p->dsn);
	else if (p->connstr)
		buf_puts(b, "ODBC connection string");
	else if (p->socket)
		buf_printf(b, "socket %.200s", p->socket);
	else
		buf_printf(b, "%.200s", p->host ? p->host : "the local socket");
	if (p->port && !p->connstr && !p->dsn)
		buf_printf(b, " port %ld", p->port);
	if (p->database)
		buf_printf(b, ", database %.100s", p->database);
}

/* A database number: a plain decimal, or the exponent form a FLOAT column
 * prints ("1e+20"); the blanks of a CHAR(n) column around it are allowed. */
static bool value_number(const struct sql_value *v, double *out)
{
	char buf[64];
	const char *s = v->text;
	size_t n = v->len;
	while (n && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (!n || n >= sizeof buf || strspn(s, "0123456789+-.eE") < n)
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (num_parse_double(buf, out))
		return true;
	char *end;
	*out = strtod(buf, &end);
	return *end == '\0' && strpbrk(buf, "0123456789") && *out - *out == 0;  /* finite */
}

/* The state of the query's value, with the reason in why. */
static enum state judge(const struct config *cfg, const struct sql_value *v, double *num, bool *is_num,
                        struct buf *why)
{
	char text[112];
	*is_num = v->rows && !v->null && value_number(v, num);
	if (!v->rows) {
		buf_puts(why, "query returned no rows");
		return STATE_WARNING;
	}
	const char *t = v->null ? "NULL" : shown(v->text, v->len, text, sizeof text);
	if (cfg->warn.set || cfg->crit.set) {
		if (!*is_num) {
			buf_printf(why, "result '%s' is not a number", t);
			return STATE_CRITICAL;
		}
		enum state s = range_judge(*num, &cfg->warn, &cfg->crit);
		if (s != STATE_OK)
			buf_printf(why, "result %s (%s %s)", t, s == STATE_CRITICAL ? "-c" : "-w",
			           s == STATE_CRITICAL ? cfg->crit_arg : cfg->warn_arg);
		else
			buf_printf(why, "result %s", t);
		return s;
	}
	if (cfg->expect && (v->null || v->len != strlen(cfg->expect) || memcmp(v->text, cfg->expect, v->len))) {
		buf_printf(why, "result '%s', expected '%.100s'", t, cfg->expect);
		return STATE_CRITICAL;
	}
#ifdef HAVE_PCRE2
	if (cfg->re) {
		pcre2_match_data *md = pcre2_match_data_create_from_pattern(cfg->re, NULL);
		int rc = v->null ? PCRE2_ERROR_NOMATCH : pcre2_match(cfg->re, (PCRE2_SPTR)v->text, v->len, 0, 0, md, NULL);
		pcre2_match_data_free(md);
		if (rc < 0) {
			buf_printf(why, "result '%s' does not match '%.100s'", t, cfg->regex);
			return STATE_CRITICAL;
		}
	}
#endif
	buf_printf(why, *is_num || v->null ? "result %s" : "result '%s'", t);
	return STATE_OK;
}

static void perf_time(struct check *c, const char *label, double secs, const struct range *w, const struct range *cr)
{
	check_perf(c, &(struct perf){ .label = label, .value = secs, .uom = "s", .decimals = 6,
	                               .warn = w, .crit = cr, .has_min = true });
}

/* ---- main ------------------------------------------------------------- */

int main(int argc, char **argv)
{
	struct config cfg = { 0 };
	struct check c;
	struct buf loc = BUF_INIT, why = BUF_INIT;

	program_parse(&prog, argc, argv, on_option, &cfg);
	const struct sql_driver *drv = validate(&cfg);
	check_init(&c, prog.service);
	where(&cfg, &loc);

	const char *err = drv->load();
	if (err)
		plugin_die(STATE_UNKNOWN, "--driver %s: %s", drv->name, err);
	char *connstr = cfg.p.connstr ? fill_password(&cfg) : NULL;
	const char *given_connstr = cfg.p.connstr;
	if (connstr)
		cfg.p.connstr = connstr;
	/* our own deadline a little before the -t alarm: the back end says
	 * which step hung before the alarm's plain "timed out" would */
	double margin = timeout_seconds() * 0.05 < 0.25 ? timeout_seconds() * 0.05 : 0.25;
	cfg.p.deadline = monotonic_now() + timeout_remaining() - margin;

	struct sql_conn conn = { .drv = drv };
	double t0 = monotonic_now();
	enum sql_status st = drv->connect(&conn, &cfg.p);
	double connect_time = monotonic_now() - t0;
	memset(cfg.password, 0, sizeof cfg.password);
	if (connstr) {
		memset(connstr, 0, strlen(connstr));
		free(connstr);
		cfg.p.connstr = given_connstr;
	}
	if (st != SQL_DONE) {
		check_raise(&c, st == SQL_FAILED ? STATE_CRITICAL : st == SQL_TIMEOUT ? timeout_state() : STATE_UNKNOWN);
		check_summary(&c, "cannot connect (%s) to %s: %s", drv->name, buf_cstr(&loc), conn.err);
		drv->close(&conn);
		goto out;
	}
	enum state cs = range_judge(connect_time, &cfg.cwarn, &cfg.ccrit);
	check_raise(&c, cs);
	/* the server names itself: its version text is its own */
	check_long(&c, "server: %s", text_one_line(conn.server, '?'));
	if (plugin_verbose && cfg.query)
		check_long(&c, "query: %.300s", cfg.query);

	struct sql_value v = { 0 };
	double query_time = 0, num = 0;
	bool is_num = false;
	if (cfg.query) {
		double t1 = monotonic_now();
		st = drv->query(&conn, cfg.query, cfg.p.deadline, &v);
		query_time = monotonic_now() - t1;
		if (st != SQL_DONE) {
			check_raise(&c, st == SQL_TIMEOUT ? timeout_state() : STATE_CRITICAL);
			check_summary(&c, "query failed: %s; ", conn.err);
		} else {
			check_raise(&c, judge(&cfg, &v, &num, &is_num, &why));
			check_summary(&c, "%s in %.3f s; ", buf_cstr(&why), query_time);
		}
	}
	drv->close(&conn);
	check_summary(&c, "connected to %s on %s in %.3f s", conn.server, buf_cstr(&loc), connect_time);
	perf_time(&c, "connect_time", connect_time, &cfg.cwarn, &cfg.ccrit);
	if (cfg.query && st == SQL_DONE) {
		perf_time(&c, "query_time", query_time, NULL, NULL);
		if (is_num)
			check_perf(&c, &(struct perf){ .label = "result", .value = num, .decimals = -1,
			                                .warn = &cfg.warn, .crit = &cfg.crit });
	}
	sql_value_free(&v);
out:
#ifdef HAVE_PCRE2
	pcre2_code_free(cfg.re);
#endif
	buf_free(&loc);
	buf_free(&why);
	check_exit(&c);
}
