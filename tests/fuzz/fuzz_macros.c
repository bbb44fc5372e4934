/* A notification's macros as the engines hand them over: NAGIOS_* and
 * ICINGA_* environment variables and the bare names of Icinga 2's older
 * commands (any bytes a plugin output or a host alias holds), plus the
 * --kind and --level words. Input: values separated by NUL. Every stored
 * value is valid UTF-8 of at most NOTICE_VALUE_MAX bytes (the log summary
 * at most 1024 characters); the kind and level follow from the type,
 * number and state as runbook 004 says; every template variable expands
 * to valid UTF-8; a detection time is an epoch in range or now.
 * SOURCES: lib/macros.c lib/template.c lib/template_builtin.c lib/options.c lib/definition.c lib/secret.c
 * LIBS: -ljansson */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "macros.h"

static const char *const env_names[] = {
	"NAGIOS_NOTIFICATIONTYPE", "NAGIOS_HOSTNAME", "ICINGA_HOSTALIAS", "NAGIOS_SERVICEDESC",
	"SERVICEDISPLAYNAME", "NAGIOS_SERVICESTATE", "ICINGA_HOSTSTATE", "NAGIOS_SERVICEOUTPUT",
	"LONGSERVICEOUTPUT", "NAGIOS_LONGDATETIME", "NAGIOS_SERVICENOTIFICATIONNUMBER", "NOTIFICATIONAUTHOR",
	"ICINGA_NOTIFICATIONCOMMENT", "NAGIOS_SERVICEATTEMPT",
};
enum { NENV = sizeof env_names / sizeof env_names[0] };

static void utf8_ok(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < len;) {
		unsigned c = p[i];
		size_t n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
		if (!n || i + n > len)
			abort();
		for (size_t k = 1; k < n; k++)
			if ((p[i + k] & 0xc0) != 0x80)
				abort();
		i += n;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	char *v[NENV + 3] = { 0 };
	for (size_t i = 0; i < NENV + 3 && p < end; i++) {
		const char *z = memchr(p, '\0', (size_t)(end - p));
		size_t n = z ? (size_t)(z - p) : (size_t)(end - p);
		v[i] = strndup(p, n);
		p = z ? z + 1 : end;
	}
	for (size_t i = 0; i < NENV; i++)
		if (v[i])
			setenv(env_names[i], v[i], 1);

	struct notice n;
	notice_init(&n);
	bool mine;
	if (v[NENV])   /* --log: cut at 1024 characters */
		(void)notice_option(&n, NOTICE_OPT_FIRST + 8, v[NENV], &mine);
	if (v[NENV + 1])   /* --kind, --level */
		(void)notice_option(&n, NOTICE_OPT_FIRST + 10, v[NENV + 1], &mine);
	if (v[NENV + 2])
		(void)notice_option(&n, NOTICE_OPT_FIRST + 11, v[NENV + 2], &mine);
	notice_finish(&n);

	for (int f = 0; f < NF_COUNT; f++) {
		const char *s = notice_get(&n, (enum notice_field)f);
		size_t len = strlen(s);
		if (len > NOTICE_VALUE_MAX)
			abort();
		utf8_ok(s, len);
		size_t chars = 0;
		for (size_t i = 0; i < len; i++)
			chars += ((unsigned char)s[i] & 0xc0) != 0x80;
		if (f == NF_LOG && chars > NOTICE_LOG_CHARS)
			abort();
	}
	if (n.kind > KIND_OTHER || n.level > LEVEL_HIGH || !*notice_get(&n, NF_ALERT))
		abort();
	const char *type = notice_get(&n, NF_TYPE), *state = notice_get(&n, NF_STATE);
	if (!n.kind_set && !strcasecmp(type, "RECOVERY") && n.kind != KIND_RECOVERY)
		abort();
	if (!n.kind_set && !strcasecmp(type, "PROBLEM") && n.kind != KIND_PROBLEM && n.kind != KIND_ONGOING)
		abort();
	if (!n.level_set && (!strcasecmp(state, "CRITICAL") || !strcasecmp(state, "DOWN")) && n.level != LEVEL_HIGH)
		abort();
	if (!n.level_set && !strcasecmp(state, "WARNING") && n.level != LEVEL_MEDIUM)
		abort();
	time_t t = notice_time(&n);
	if (t != n.now && (t < 1 || t > 32503680000LL))
		abort();

	static const char *const vars[] = { "TYPE", "HOST", "OUTPUT", "LOG", "DATETIME", "KIND", "KIND_EN", "LEVEL",
	                                    "LEVEL_EN", "DATE", "DATE_EN", "FIRST_DATE", "FIRST_DATE_EN",
	                                    "RECOVERY_DATE", "ALERT" };
	struct buf out = BUF_INIT;
	for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
		buf_reset(&out);
		if (!notice_var(&n, vars[i], strlen(vars[i]), &out))
			abort();
		utf8_ok(buf_cstr(&out), out.len);
	}
	buf_free(&out);
	notice_free(&n);
	for (size_t i = 0; i < NENV; i++)
		unsetenv(env_names[i]);
	for (size_t i = 0; i < NENV + 3; i++)
		free(v[i]);
	return 0;
}
