/* One notification (struct notice) from the macros of the engine that
 * calls a notifier: Nagios 4, Naemon, Icinga 1 and Icinga 2.
 *
 * Every value comes from argv first (long options named after the macro,
 * plus the short options of Icinga 2's mail-service-notification.sh and
 * mail-host-notification.sh, accepted unchanged), then from the environment
 * (NAGIOS_<MACRO> as Nagios/Naemon export them with
 * enable_environment_macros=1, ICINGA_<MACRO> as Icinga 1 does, then the
 * bare <MACRO> names Icinga 2's older NotificationCommands set in `env`).
 *
 * Values are arbitrary bytes from the monitored world: they are stored as
 * valid UTF-8 (an invalid sequence becomes U+FFFD), never longer than
 * NOTICE_VALUE_MAX bytes, and are never passed to a shell. Escaping for a
 * target (mail header, JSON, XML) is lib/template's job.
 *
 * Short option letters taken by the shared table (a notifier must not
 * reuse them): b c d e i l n o s t u 4 6, plus h V v of lib/options.
 * Long-only keys NOTICE_OPT_FIRST .. NOTICE_OPT_LAST are taken too: a
 * notifier numbers its own long-only options from NOTICE_OPT_USER. */
#ifndef MAMORI_MACROS_H
#define MAMORI_MACROS_H
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "options.h"

/* Longest stored value (bytes); a longer one is cut at a character
 * boundary and ends with "...". The log summary of runbook 004 5-4 is cut
 * at 1024 characters separately (NOTICE_LOG_CHARS). */
#define NOTICE_VALUE_MAX 65536
#define NOTICE_LOG_CHARS 1024

/* The fields. The comment names the template variable (lib/template:
 * ${NAME}), the long option, the Icinga 2 script letter and the engine
 * macro it comes from. */
enum notice_field {
	NF_TYPE,            /* ${TYPE}        --type, -t      $NOTIFICATIONTYPE$ (PROBLEM, RECOVERY, ...) */
	NF_HOST,            /* ${HOST}        --host, -l      $HOSTNAME$ */
	NF_HOST_DISPLAY,    /* ${HOST_DISPLAY} --host-display, -n  $HOSTDISPLAYNAME$ / $HOSTALIAS$ */
	NF_ADDRESS,         /* ${ADDRESS}     --address, -4   $HOSTADDRESS$ */
	NF_ADDRESS6,        /* ${ADDRESS6}    --address6, -6  $address6$ (Icinga 2) */
	NF_SERVICE,         /* ${SERVICE}     --service, -e   $SERVICEDESC$ (empty: a host notification) */
	NF_SERVICE_DISPLAY, /* ${SERVICE_DISPLAY} --service-display, -u  $SERVICEDISPLAYNAME$ */
	NF_STATE,           /* ${STATE}       --state, -s     $SERVICESTATE$, or $HOSTSTATE$ for a host */
	NF_HOST_STATE,      /* ${HOST_STATE}  --host-state    $HOSTSTATE$ */
	NF_OUTPUT,          /* ${OUTPUT}      --output, -o    $SERVICEOUTPUT$ / $HOSTOUTPUT$ */
	NF_LONG_OUTPUT,     /* ${LONG_OUTPUT} --long-output   $LONGSERVICEOUTPUT$ / $LONGHOSTOUTPUT$ */
	NF_DATETIME,        /* ${DATETIME}    --datetime, -d  $LONGDATETIME$, or $TIMET$ (epoch) */
	NF_FIRST_TIME,      /* ${FIRST_TIME}  --first-time    first detection: epoch ($LASTSERVICEOK$ ...) or text */
	NF_DURATION,        /* ${DURATION}    --duration      $SERVICEDURATION$ / $HOSTDURATION$ */
	NF_ATTEMPT,         /* ${ATTEMPT}     --attempt       $SERVICEATTEMPT$ / $HOSTATTEMPT$ */
	NF_NUMBER,          /* ${NUMBER}      --number        $NOTIFICATIONNUMBER$ (> 1: ongoing) */
	NF_AUTHOR,          /* ${AUTHOR}      --author, -b    $NOTIFICATIONAUTHOR$ */
	NF_COMMENT,         /* ${COMMENT}     --comment, -c   $NOTIFICATIONCOMMENT$ */
	NF_URL,             /* ${URL}         --url, -i       Icinga Web 2 base URL */
	NF_ALERT,           /* ${ALERT}       --alert         警報名; default: service display name,
	                                                      service name, else "HOST" */
	NF_VALUE,           /* ${VALUE}       --value         検知データ / リソース使用率 (perfdata, a number) */
	NF_LOG,             /* ${LOG}         --log           ログのサマリ, cut at 1024 characters */
	NF_ACTION,          /* ${ACTION}      --action        対応内容 (runbook 000), "httpd 再起動" */
	NF_COUNT
};

/* 発生イベント of runbook 004 5-4. */
enum notice_kind {
	KIND_PROBLEM,       /* 発生: PROBLEM, first notification */
	KIND_ONGOING,       /* 継続中: PROBLEM again ($NOTIFICATIONNUMBER$ > 1) */
	KIND_RECOVERY,      /* 復旧: RECOVERY, FLAPPINGSTOP, DOWNTIMEEND ... see macros.c */
	KIND_OTHER,         /* ACKNOWLEDGEMENT, CUSTOM, FLAPPINGSTART, DOWNTIMESTART ... */
};

/* 警報レベル of runbook 004 5-4. From --level, else from the state:
 * CRITICAL, DOWN, UNREACHABLE → 高; WARNING → 中; UNKNOWN → 低; OK/UP
 * (a recovery) → 低. None when the state is empty or unrecognised. */
enum notice_level { LEVEL_NONE, LEVEL_LOW, LEVEL_MEDIUM, LEVEL_HIGH };

struct notice {
	char *v[NF_COUNT];          /* NULL = not given; else valid UTF-8 */
	bool kind_set, level_set;   /* --kind / --level given */
	enum notice_kind kind;
	enum notice_level level;
	time_t now;                 /* when the notifier started; the default detection time */
};

/* Long-only option keys of the shared table. */
enum {
	NOTICE_OPT_FIRST = 256,
	NOTICE_OPT_LAST = 299,
	NOTICE_OPT_USER = 320,      /* a notifier's own long-only keys start here */
};

/* The option rows for the notice fields plus --kind and --level
 * (lib/options format), as a macro so that notifiers/notify.c can put them
 * into its own static table (notify_options); notice_options is the same
 * rows alone, ending with { NULL }. */
#define NOTICE_OPTION_ROWS \
	{ "type", 't', "TYPE", "Notification type: PROBLEM, RECOVERY, ACKNOWLEDGEMENT ... ($NOTIFICATIONTYPE$)" }, \
	{ "host", 'l', "NAME", "Host name ($HOSTNAME$)" }, \
	{ "host-display", 'n', "NAME", "Host display name ($HOSTDISPLAYNAME$, $HOSTALIAS$)" }, \
	{ "address", '4', "ADDRESS", "Host address ($HOSTADDRESS$)" }, \
	{ "address6", '6', "ADDRESS", "Host IPv6 address (Icinga 2 $address6$)" }, \
	{ "service", 'e', "NAME", "Service description ($SERVICEDESC$); none for a host notification" }, \
	{ "service-display", 'u', "NAME", "Service display name ($SERVICEDISPLAYNAME$)" }, \
	{ "state", 's', "STATE", "Service or host state ($SERVICESTATE$ or $HOSTSTATE$)" }, \
	{ "host-state", NOTICE_OPT_FIRST + 0, "STATE", "Host state ($HOSTSTATE$)" }, \
	{ "output", 'o', "TEXT", "Plugin output ($SERVICEOUTPUT$ or $HOSTOUTPUT$)" }, \
	{ "long-output", NOTICE_OPT_FIRST + 1, "TEXT", "Long plugin output ($LONGSERVICEOUTPUT$)" }, \
	{ "datetime", 'd', "TIME", "Detection time ($LONGDATETIME$, or $TIMET$ as an epoch number)" }, \
	{ "first-time", NOTICE_OPT_FIRST + 2, "TIME", "First occurrence (epoch number or text), for 【初回発生時刻】" }, \
	{ "duration", NOTICE_OPT_FIRST + 3, "TEXT", "How long the state has lasted ($SERVICEDURATION$)" }, \
	{ "attempt", NOTICE_OPT_FIRST + 4, "N", "Check attempt ($SERVICEATTEMPT$)" }, \
	{ "number", NOTICE_OPT_FIRST + 5, "N", "Notification number ($SERVICENOTIFICATIONNUMBER$); above 1 a PROBLEM is 継続中" }, \
	{ "author", 'b', "NAME", "Author of an acknowledgement or comment ($NOTIFICATIONAUTHOR$)" }, \
	{ "comment", 'c', "TEXT", "Comment ($NOTIFICATIONCOMMENT$)" }, \
	{ "url", 'i', "URL", "Icinga Web 2 base URL" }, \
	{ "alert", NOTICE_OPT_FIRST + 6, "NAME", "Alert name (警報名); default: the service, else HOST" }, \
	{ "value", NOTICE_OPT_FIRST + 7, "TEXT", "Measured value (検知データ, リソース使用率)" }, \
	{ "log", NOTICE_OPT_FIRST + 8, "TEXT", "Log summary (ログのサマリ), cut at 1024 characters" }, \
	{ "action", NOTICE_OPT_FIRST + 9, "TEXT", "Action taken (対応内容), e.g. \"httpd 再起動\"" }, \
	{ "kind", NOTICE_OPT_FIRST + 10, "KIND", "Event: 発生|継続中|復旧 or problem|ongoing|recovery (default: from the type and number)" }, \
	{ "level", NOTICE_OPT_FIRST + 11, "LEVEL", "Level: 低|中|高 or low|medium|high (default: from the state)" }

extern const struct option_spec notice_options[];

void notice_init(struct notice *n);
void notice_free(struct notice *n);

/* The option callback part for notice_options: NULL = handled, else a
 * reason. *mine set false when the key is not one of notice_options. */
const char *notice_option(struct notice *n, int key, const char *arg, bool *mine);

/* Store a value (sanitised to UTF-8, cut at NOTICE_VALUE_MAX). */
void notice_set(struct notice *n, enum notice_field f, const char *value);
/* The value or "" (never NULL). */
const char *notice_get(const struct notice *n, enum notice_field f);

/* After the options: fill what argv did not give from the environment,
 * then derive the alert name, kind and level. Call once. */
void notice_finish(struct notice *n);

/* Template variable NAME (len bytes, not NUL-terminated) → its text in
 * out: the fields above by their ${NAME}, plus derived ones:
 *   KIND (発生/継続中/復旧, or the type for other kinds), KIND_EN
 *   (PROBLEM/ONGOING/RECOVERY/type), LEVEL (低/中/高), LEVEL_EN
 *   (low/medium/high), DATE (detection time as yyyy年mm月dd日 HH時MM分),
 *   DATE_EN ("2026-11-23 09:17 JST"), FIRST_DATE / FIRST_DATE_EN (first
 *   occurrence, default the detection time), RECOVERY_DATE /
 *   RECOVERY_DATE_EN (the detection time for a recovery, else empty),
 *   NOTIFIER_HOST (this machine's name).
 * Times given as an epoch number are formatted; other text is kept as it
 * came. Returns false for an unknown name (the template expands it to ""). */
bool notice_var(const struct notice *n, const char *name, size_t len, struct buf *out);

/* Names for the kind and level in the runbook's words and in English. */
const char *notice_kind_ja(enum notice_kind k);
const char *notice_kind_en(enum notice_kind k);
const char *notice_level_ja(enum notice_level l);
const char *notice_level_en(enum notice_level l);

/* The detection time of the notice: --datetime when it is an epoch
 * number, else now. */
time_t notice_time(const struct notice *n);

#endif
