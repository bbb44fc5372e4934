#include "report_fmt.h"

#include <string.h>
#include <time.h>

static const char *const labels[L_COUNT][2] = {
	[L_TITLE] = { "Monthly monitoring report", "月次監視レポート" },
	[L_PERIOD] = { "Period", "期間" },
	[L_INPUT] = { "Input", "入力" },
	[L_LOG_LINES] = { "engine log lines", "監視ログ" },
	[L_USED] = { "used", "使用" },
	[L_OTHER] = { "other", "対象外" },
	[L_SKIPPED] = { "skipped (unreadable)", "読み飛ばし (解読不能)" },
	[L_AUDIT_LINES] = { "audit log lines", "監査ログ" },
	[L_HOST] = { "Host", "ホスト" },
	[L_SERVICE] = { "Service", "サービス" },
	[L_HOST_ITSELF] = { "(host)", "(ホスト)" },
	[L_AVAIL] = { "Availability", "稼働率" },
	[L_ALERTS] = { "Alerts", "警報" },
	[L_SOFT] = { "SOFT", "SOFT" },
	[L_RECOVERIES] = { "Auto recoveries", "自動復旧" },
	[L_ESCALATIONS] = { "Escalations", "エスカレーション" },
	[L_NOTIFICATIONS] = { "Notifications", "通知" },
	[L_TTR] = { "time to recover", "復旧所要時間" },
	[L_AVG] = { "average", "平均" },
	[L_MAX] = { "max", "最大" },
	[L_TIMES] = { "times", "回" },
	[L_STATE_TIME] = { "Time in each state", "状態別時間" },
	[L_DOWNTIME] = { "downtime", "メンテナンス (ダウンタイム)" },
	[L_NODATA] = { "no data", "データなし" },
	[L_COUNTED] = { "counted", "対象時間" },
	[L_HANDLERS] = { "Event handler runs", "イベントハンドラ実行" },
	[L_DOWNTIMES] = { "Downtimes", "メンテナンス" },
	[L_MAIL] = { "mail", "メール" },
	[L_CALL] = { "call", "電話" },
	[L_CHAT] = { "chat", "チャット" },
	[L_OTHER_CH] = { "other", "その他" },
	[L_DELIVERY] = { "Notification deliveries (notifiers' audit log)", "通知の送信結果 (通知の監査ログ)" },
	[L_CHANNEL] = { "Channel", "チャネル" },
	[L_NO_OBJECTS] = { "No host or service in the logs for this period.",
	                   "この期間の監視ログに対象のホスト・サービスはありません。" },
	[L_CHART] = { "Availability and alerts per day", "日別の稼働率と警報数" },
	[L_DAY] = { "Day", "日" },
	[L_AVAIL_LINE] = { "availability (line)", "稼働率 (折れ線)" },
	[L_ALERT_BARS] = { "alerts (bars)", "警報数 (棒)" },
	[L_SUMMARY] = { "Summary", "概要" },
	[L_DETAILS] = { "Details", "詳細" },
	[L_EXCLUDED] = { "excluded", "除外" },
	[L_NOTES] = { "Notes", "注記" },
	[L_NOTE_AVAIL] = {
		"Availability = time OK (UP) / time with a known state, scheduled downtime excluded. "
		"Only HARD states count as unavailable; alerts are HARD problem alerts.",
		"稼働率 = OK (UP) の時間 ÷ 状態が分かっている時間 (メンテナンス時間を除く)。"
		"HARD 状態のみを停止として扱います。警報数は HARD の障害警報の数です。" },
};

const char *label(bool ja, enum label l)
{
	return labels[l][ja];
}

const char *report_delivery_label(bool ja, int k)
{
	static const char *const ja_names[DELIVERY_RESULTS] = {
		"送信", "失敗", "スプール", "消失", "静観", "破棄", "再送", "再送失敗",
	};
	return ja ? ja_names[k] : report_delivery_results[k];
}

const char *report_state_name(const struct robj *o, int state)
{
	static const char *const svc[] = { "OK", "WARNING", "CRITICAL", "UNKNOWN" };
	static const char *const hst[] = { "UP", "DOWN", "UNREACHABLE", "UNKNOWN" };
	return (o->service ? svc : hst)[state & 3];
}

void fmt_duration(double secs, bool ja, char *out, size_t size)
{
	long long s = (long long)(secs + 0.5);
	long long d = s / 86400;
	s %= 86400;
	if (d)
		snprintf(out, size, "%lld%s %02lld:%02lld:%02lld", d, ja ? "日" : "d", s / 3600, s / 60 % 60, s % 60);
	else
		snprintf(out, size, "%02lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
}

void fmt_pct(double pct, char *out, size_t size)
{
	if (pct < 0)
		snprintf(out, size, "-");
	else
		snprintf(out, size, "%.3f%%", pct);
}

void fmt_time(long long t, char *out, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;
	localtime_r(&tt, &tm);
	strftime(out, size, "%Y-%m-%d %H:%M", &tm);
}

void fmt_period(const struct report *r, char *out, size_t size)
{
	char a[32], b[32], zone[16];
	fmt_time(r->from, a, sizeof a);
	fmt_time(r->to, b, sizeof b);
	time_t tt = (time_t)r->from;
	struct tm tm;
	localtime_r(&tt, &tm);
	if (!strftime(zone, sizeof zone, "%Z", &tm))
		zone[0] = '\0';
	snprintf(out, size, "%s - %s%s%s", a, b, zone[0] ? " " : "", zone);
}

const char *report_service_label(const struct robj *o, bool ja)
{
	return o->service ? o->service : label(ja, L_HOST_ITSELF);
}

/* the wide ranges of East Asian Width (W and F), coarsely */
static bool wide(unsigned long c)
{
	return (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf && c != 0x303f) ||
	       (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) || (c >= 0xfe30 && c <= 0xfe4f) ||
	       (c >= 0xff00 && c <= 0xff60) || (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x1f300 && c <= 0x1faff) ||
	       (c >= 0x20000 && c <= 0x3fffd);
}

/* controls (C0, DEL, C1), line and paragraph separators, bidi embeddings,
 * overrides and isolates: they move a terminal's cursor, end a row or
 * reorder what a reader sees */
static bool control(unsigned long c)
{
	return c < 0x20 || (c >= 0x7f && c < 0xa0) || c == 0x2028 || c == 0x2029 || (c >= 0x202a && c <= 0x202e) ||
	       (c >= 0x2066 && c <= 0x2069);
}

const char *fmt_char(const char *s, unsigned long *c, bool *same)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned long v = *p;
	int n = 0;
	unsigned lo = 0x80, hi = 0xbf;
	if (v >= 0xc2 && v <= 0xdf)
		n = 1, v &= 0x1f;
	else if (v >= 0xe0 && v <= 0xef)   /* no overlong form, no surrogate */
		n = 2, v &= 0x0f, lo = v == 0 ? 0xa0 : 0x80, hi = v == 0x0d ? 0x9f : 0xbf;
	else if (v >= 0xf0 && v <= 0xf4)   /* no overlong form, nothing past U+10FFFF */
		n = 3, v &= 0x07, lo = v == 0 ? 0x90 : 0x80, hi = v == 4 ? 0x8f : 0xbf;
	else if (v >= 0x80)
		n = -1;
	if (n > 0 && (p[1] < lo || p[1] > hi))
		n = -1;
	for (int i = 1; i <= n; i++) {
		if ((p[i] & 0xc0) != 0x80) {
			n = -1;
			break;
		}
		v = v << 6 | (p[i] & 0x3f);
	}
	*same = n >= 0 && !control(v);
	*c = *same ? v : 0xfffd;
	return s + (n > 0 ? n + 1 : 1);
}

void put_text(FILE *f, const char *s)
{
	while (*s) {
		unsigned long c;
		bool same;
		const char *next = fmt_char(s, &c, &same);
		if (same)
			fwrite(s, 1, (size_t)(next - s), f);
		else
			fputs("\xef\xbf\xbd", f);   /* U+FFFD */
		s = next;
	}
}

/* combining marks and zero-width characters: a terminal draws them over
 * the character before, so they take no column (a name typed on a Mac
 * arrives as か + U+3099, not が) */
static bool zero_width(unsigned long c)
{
	static const unsigned long r[][2] = {
		{ 0x0300, 0x036f }, { 0x0483, 0x0489 }, { 0x0591, 0x05bd }, { 0x0610, 0x061a }, { 0x064b, 0x065f },
		{ 0x0e31, 0x0e31 }, { 0x0e34, 0x0e3a }, { 0x0e47, 0x0e4e }, { 0x1ab0, 0x1aff }, { 0x1dc0, 0x1dff },
		{ 0x200b, 0x200f }, { 0x2060, 0x2064 }, { 0x20d0, 0x20ff }, { 0x302a, 0x302d }, { 0x3099, 0x309a },
		{ 0xfe00, 0xfe0f }, { 0xfe20, 0xfe2f }, { 0xfeff, 0xfeff }, { 0xe0001, 0xe007f }, { 0xe0100, 0xe01ef },
	};
	for (size_t i = 0; i < sizeof r / sizeof r[0] && c >= r[i][0]; i++)
		if (c <= r[i][1])
			return true;
	return false;
}

int text_width(const char *s)
{
	int w = 0;
	while (*s) {
		unsigned long c;
		bool same;
		s = fmt_char(s, &c, &same);
		w += zero_width(c) ? 0 : wide(c) ? 2 : 1;
	}
	return w;
}

void put_padded(FILE *f, const char *s, int width, bool right)
{
	int pad = width - text_width(s);
	if (right)
		for (int i = 0; i < pad; i++)
			fputc(' ', f);
	put_text(f, s);
	if (!right)
		for (int i = 0; i < pad; i++)
			fputc(' ', f);
}

double robj_nodata(const struct report *r, const struct robj *o)
{
	double left = (double)(r->to - r->from) - robj_counted(o) - o->downtime;
	return left > 0 ? left : 0;
}

long robj_notifications(const struct robj *o)
{
	long n = 0;
	for (int i = 0; i < CH_COUNT; i++)
		n += o->notifications[i];
	return n;
}
