#include "macros.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "num.h"
#include "template.h"

const struct option_spec notice_options[] = {
	NOTICE_OPTION_ROWS,
	{ NULL, 0, NULL, NULL },
};

/* Per field: its ${NAME}, its option key, and the macro names tried in the
 * environment as NAGIOS_x, ICINGA_x and (when bare is true) x. HOSTNAME is
 * never read bare: shells set it to this machine's name. */
static const struct field_def {
	const char *name;
	int key;
	bool bare;
	const char *env[3];
} fields[NF_COUNT] = {
	[NF_TYPE] = { "TYPE", 't', true, { "NOTIFICATIONTYPE" } },
	[NF_HOST] = { "HOST", 'l', false, { "HOSTNAME" } },
	[NF_HOST_DISPLAY] = { "HOST_DISPLAY", 'n', true, { "HOSTDISPLAYNAME", "HOSTALIAS" } },
	[NF_ADDRESS] = { "ADDRESS", '4', true, { "HOSTADDRESS" } },
	[NF_ADDRESS6] = { "ADDRESS6", '6', true, { "HOSTADDRESS6" } },
	[NF_SERVICE] = { "SERVICE", 'e', true, { "SERVICEDESC" } },
	[NF_SERVICE_DISPLAY] = { "SERVICE_DISPLAY", 'u', true, { "SERVICEDISPLAYNAME" } },
	[NF_STATE] = { "STATE", 's', true, { "SERVICESTATE", "HOSTSTATE" } },
	[NF_HOST_STATE] = { "HOST_STATE", NOTICE_OPT_FIRST + 0, true, { "HOSTSTATE" } },
	[NF_OUTPUT] = { "OUTPUT", 'o', true, { "SERVICEOUTPUT", "HOSTOUTPUT" } },
	[NF_LONG_OUTPUT] = { "LONG_OUTPUT", NOTICE_OPT_FIRST + 1, true, { "LONGSERVICEOUTPUT", "LONGHOSTOUTPUT" } },
	[NF_DATETIME] = { "DATETIME", 'd', true, { "LONGDATETIME" } },
	[NF_FIRST_TIME] = { "FIRST_TIME", NOTICE_OPT_FIRST + 2, false, { NULL } },
	[NF_DURATION] = { "DURATION", NOTICE_OPT_FIRST + 3, true, { "SERVICEDURATION", "HOSTDURATION" } },
	[NF_ATTEMPT] = { "ATTEMPT", NOTICE_OPT_FIRST + 4, true, { "SERVICEATTEMPT", "HOSTATTEMPT" } },
	[NF_NUMBER] = { "NUMBER", NOTICE_OPT_FIRST + 5, true,
	                { "SERVICENOTIFICATIONNUMBER", "HOSTNOTIFICATIONNUMBER", "NOTIFICATIONNUMBER" } },
	[NF_AUTHOR] = { "AUTHOR", 'b', true, { "NOTIFICATIONAUTHOR", "NOTIFICATIONAUTHORNAME" } },
	[NF_COMMENT] = { "COMMENT", 'c', true, { "NOTIFICATIONCOMMENT" } },
	[NF_URL] = { "URL", 'i', false, { NULL } },
	[NF_ALERT] = { "ALERT", NOTICE_OPT_FIRST + 6, false, { NULL } },
	[NF_VALUE] = { "VALUE", NOTICE_OPT_FIRST + 7, false, { NULL } },
	[NF_LOG] = { "LOG", NOTICE_OPT_FIRST + 8, false, { NULL } },
	[NF_ACTION] = { "ACTION", NOTICE_OPT_FIRST + 9, false, { NULL } },
};

enum { KEY_KIND = NOTICE_OPT_FIRST + 10, KEY_LEVEL = NOTICE_OPT_FIRST + 11 };

void notice_init(struct notice *n)
{
	memset(n, 0, sizeof *n);
	n->now = time(NULL);
}

void notice_free(struct notice *n)
{
	for (int i = 0; i < NF_COUNT; i++)
		free(n->v[i]);
	memset(n, 0, sizeof *n);
}

void notice_set(struct notice *n, enum notice_field f, const char *value)
{
	struct buf b = BUF_INIT;
	size_t len = strlen(value);
	size_t max = f == NF_LOG ? NOTICE_VALUE_MAX : NOTICE_VALUE_MAX - 3;
	utf8_sanitize(&b, value, len);
	if (f == NF_LOG && utf8_chars(b.s ? b.s : "", b.len) > NOTICE_LOG_CHARS) {
		/* runbook 004 5-4: the log summary is at most 1024 characters */
		size_t i = 0, chars = 0;
		while (i < b.len && chars < NOTICE_LOG_CHARS) {
			i++;
			while (i < b.len && ((unsigned char)b.s[i] & 0xC0) == 0x80)
				i++;
			chars++;
		}
		b.len = i;
		b.s[i] = '\0';
	} else if (b.len > max) {
		b.len = utf8_prefix(b.s, b.len, max);
		b.s[b.len] = '\0';
		buf_puts(&b, "...");
	}
	free(n->v[f]);
	n->v[f] = xstrdup(buf_cstr(&b));
	buf_free(&b);
}

const char *notice_get(const struct notice *n, enum notice_field f)
{
	return n->v[f] ? n->v[f] : "";
}

static bool word_is(const char *a, const char *const *words)
{
	for (; *words; words++)
		if (!strcasecmp(a, *words))
			return true;
	return false;
}

const char *notice_option(struct notice *n, int key, const char *arg, bool *mine)
{
	*mine = true;
	if (key == KEY_KIND) {
		static const char *const p[] = { "発生", "problem", NULL }, *const o[] = { "継続中", "ongoing", NULL },
		                          *const r[] = { "復旧", "recovery", NULL };
		if (word_is(arg, p))
			n->kind = KIND_PROBLEM;
		else if (word_is(arg, o))
			n->kind = KIND_ONGOING;
		else if (word_is(arg, r))
			n->kind = KIND_RECOVERY;
		else
			return "kind must be 発生, 継続中, 復旧 (or problem, ongoing, recovery)";
		n->kind_set = true;
		return NULL;
	}
	if (key == KEY_LEVEL) {
		static const char *const l[] = { "低", "low", NULL }, *const m[] = { "中", "medium", NULL },
		                          *const h[] = { "高", "high", NULL };
		if (word_is(arg, l))
			n->level = LEVEL_LOW;
		else if (word_is(arg, m))
			n->level = LEVEL_MEDIUM;
		else if (word_is(arg, h))
			n->level = LEVEL_HIGH;
		else
			return "level must be 低, 中, 高 (or low, medium, high)";
		n->level_set = true;
		return NULL;
	}
	for (int i = 0; i < NF_COUNT; i++)
		if (fields[i].key == key) {
			notice_set(n, (enum notice_field)i, arg);
			return NULL;
		}
	*mine = false;
	return NULL;
}

/* The environment is only trusted when the program is not set-id. */
static const char *env_value(const char *name)
{
	if (getauxval(AT_SECURE))
		return NULL;
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

static const char *from_env(const struct field_def *d)
{
	static const char *const prefix[] = { "NAGIOS_", "ICINGA_" };
	char name[96];
	for (int e = 0; e < 3 && d->env[e]; e++) {
		for (int p = 0; p < 2; p++) {
			snprintf(name, sizeof name, "%s%s", prefix[p], d->env[e]);
			const char *v = env_value(name);
			if (v)
				return v;
		}
		if (d->bare) {
			const char *v = env_value(d->env[e]);
			if (v)
				return v;
		}
	}
	return NULL;
}

static bool is_state(const char *s, const char *const *words)
{
	return *s && word_is(s, words);
}

void notice_finish(struct notice *n)
{
	for (int i = 0; i < NF_COUNT; i++) {
		if (n->v[i])
			continue;
		const char *v = from_env(&fields[i]);
		if (v)
			notice_set(n, (enum notice_field)i, v);
	}
	if (!n->v[NF_ALERT]) {
		const char *a = n->v[NF_SERVICE_DISPLAY] ? n->v[NF_SERVICE_DISPLAY] : n->v[NF_SERVICE];
		notice_set(n, NF_ALERT, a ? a : "HOST");
	}
	const char *type = notice_get(n, NF_TYPE), *state = notice_get(n, NF_STATE);
	static const char *const ok[] = { "OK", "UP", NULL };
	if (!n->kind_set) {
		long num = 0;
		bool again = num_parse_long(notice_get(n, NF_NUMBER), 0, 1000000000L, &num) && num > 1;
		if (!strcasecmp(type, "PROBLEM") || (!*type && !is_state(state, ok)))
			n->kind = again ? KIND_ONGOING : KIND_PROBLEM;
		else if (!strcasecmp(type, "RECOVERY") || (!*type && is_state(state, ok)))
			n->kind = KIND_RECOVERY;
		else
			n->kind = KIND_OTHER;
	}
	if (!n->level_set) {
		static const char *const high[] = { "CRITICAL", "DOWN", "UNREACHABLE", NULL },
		                         *const med[] = { "WARNING", NULL }, *const low[] = { "UNKNOWN", "OK", "UP", NULL };
		n->level = is_state(state, high) ? LEVEL_HIGH : is_state(state, med) ? LEVEL_MEDIUM
		         : is_state(state, low) ? LEVEL_LOW : LEVEL_NONE;
	}
}

const char *notice_kind_ja(enum notice_kind k)
{
	return k == KIND_PROBLEM ? "発生" : k == KIND_ONGOING ? "継続中" : k == KIND_RECOVERY ? "復旧" : "";
}

const char *notice_kind_en(enum notice_kind k)
{
	return k == KIND_PROBLEM ? "PROBLEM" : k == KIND_ONGOING ? "ONGOING" : k == KIND_RECOVERY ? "RECOVERY" : "";
}

const char *notice_level_ja(enum notice_level l)
{
	return l == LEVEL_LOW ? "低" : l == LEVEL_MEDIUM ? "中" : l == LEVEL_HIGH ? "高" : "";
}

const char *notice_level_en(enum notice_level l)
{
	return l == LEVEL_LOW ? "low" : l == LEVEL_MEDIUM ? "medium" : l == LEVEL_HIGH ? "high" : "";
}

/* An epoch number (what $TIMET$ and $LASTSERVICEOK$ give), else -1. */
static time_t epoch_of(const char *s)
{
	long v;
	if (*s && num_parse_long(s, 1, 32503680000L, &v))
		return (time_t)v;
	return (time_t)-1;
}

time_t notice_time(const struct notice *n)
{
	time_t t = epoch_of(notice_get(n, NF_DATETIME));
	return t != (time_t)-1 ? t : n->now;
}

static void put_time(struct buf *out, time_t t, bool ja)
{
	struct tm tm;
	char s[96];
	if (!localtime_r(&t, &tm))
		return;
	/* runbook 000 4.4: 発報時間 yyyy年mm月dd日 HH時MM分 */
	if (strftime(s, sizeof s, ja ? "%Y年%m月%d日 %H時%M分" : "%Y-%m-%d %H:%M %Z", &tm))
		buf_puts(out, s);
}

/* A time field: formatted when it is an epoch number, else its text;
 * fallback when it is empty. */
static void put_field_time(struct buf *out, const char *v, time_t fallback, bool ja)
{
	time_t t = epoch_of(v);
	if (t != (time_t)-1)
		put_time(out, t, ja);
	else if (*v)
		buf_puts(out, v);
	else
		put_time(out, fallback, ja);
}

static bool name_is(const char *name, size_t len, const char *want)
{
	return strlen(want) == len && !memcmp(name, want, len);
}

bool notice_var(const struct notice *n, const char *name, size_t len, struct buf *out)
{
	for (int i = 0; i < NF_COUNT; i++)
		if (name_is(name, len, fields[i].name)) {
			const char *v = notice_get(n, (enum notice_field)i);
			/* a time given as an epoch reads as a time */
			if ((i == NF_DATETIME || i == NF_FIRST_TIME) && epoch_of(v) != (time_t)-1)
				put_time(out, epoch_of(v), false);
			else
				buf_puts(out, v);
			return true;
		}
	bool en = len > 3 && !memcmp(name + len - 3, "_EN", 3);
	size_t base = en ? len - 3 : len;
	if (name_is(name, base, "KIND")) {
		const char *k = en ? notice_kind_en(n->kind) : notice_kind_ja(n->kind);
		buf_puts(out, *k ? k : notice_get(n, NF_TYPE));
	} else if (name_is(name, base, "LEVEL")) {
		buf_puts(out, en ? notice_level_en(n->level) : notice_level_ja(n->level));
	} else if (name_is(name, base, "DATE")) {
		put_time(out, notice_time(n), !en);
	} else if (name_is(name, base, "FIRST_DATE")) {
		put_field_time(out, notice_get(n, NF_FIRST_TIME), notice_time(n), !en);
	} else if (name_is(name, base, "RECOVERY_DATE")) {
		if (n->kind == KIND_RECOVERY)
			put_time(out, notice_time(n), !en);
	} else if (name_is(name, len, "NOTIFIER_HOST")) {
		char h[256];
		if (gethostname(h, sizeof h) == 0) {
			h[sizeof h - 1] = '\0';
			buf_puts(out, h);
		}
	} else {
		return false;
	}
	return true;
}
