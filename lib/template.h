/* Message templates: ${NAME} expansion with escaping for the target.
 *
 * Syntax:
 *   ${NAME}   the notice variable NAME (lib/macros.h: notice_var); an
 *             unknown or empty name expands to "" (never an error, so a
 *             template written for a newer version still renders).
 *   $$        a literal "$" (write $${X} for a literal "${X}").
 *   $EVENT $SERVICE $DATE $HOST $ACTION $DESCRIPTION
 *             Monit's mail-format variables (runbook 003), without braces:
 *             $EVENT → ${TYPE}, $SERVICE → ${ALERT}, $DATE → ${DATETIME}
 *             (else ${DATE_EN}), $HOST → ${HOST}, $ACTION → ${ACTION},
 *             $DESCRIPTION → ${OUTPUT}. Any other "$" is literal text.
 *   A backslash has no special meaning.
 *
 * Only the values are escaped, never the template's own text: a template
 * author writing JSON or TwiML writes the markup and the values drop in.
 *
 * A template file (or built-in) is UTF-8 text: an optional first line
 * "Subject: ..." (the mail subject; chat and call templates have none),
 * then the body. A blank line right after the Subject line is skipped.
 *
 * Built-ins (word for word from the runbooks; contrib/templates/NAME.txt
 * holds the same text, a test checks they stay identical):
 *   mail-000-ja  runbook 000 4.4 (障害受付センター ... 対応内容)
 *   mail-004-ja  runbook 004 5-2-1 (【サーバ名】 <警報名>警報発生のご連絡)
 *   mail-000-en, mail-004-en  their English equivalents
 *   chat-ja, chat-en  runbook 004 5-4: <発生イベント> <ノード名> <警報名>
 *                <検知データ> <警報レベル> <検知時間> <ログのサマリ>
 *   call-ja, call-en  the text a phone call speaks
 * A file TEMPLATE_DIR/NAME.txt overrides the built-in of that name;
 * --template PATH (anything with a '/') reads that file. */
#ifndef MAMORI_TEMPLATE_H
#define MAMORI_TEMPLATE_H
#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "macros.h"
#include "utf8.h"

enum tmpl_escape {
	ESC_TEXT,     /* plain text body: values as they are (valid UTF-8) */
	ESC_HEADER,   /* a mail header value: CR, LF, TAB and other control
	               * characters become spaces, so a value cannot start a new
	               * header; RFC 2047 encoding is the mail builder's job */
	ESC_JSON,     /* inside a JSON string: \" \\ \n \uXXXX for controls */
	ESC_XML,      /* XML/TwiML text or attribute: & < > " ' as entities,
	               * control characters other than TAB/LF/CR dropped */
};

/* Look-up for tmpl_expand: append the value of NAME (len bytes) to out;
 * false when the name is unknown. */
typedef bool (*tmpl_lookup_fn)(void *ctx, const char *name, size_t len, struct buf *out);

/* Expand text into out (appends), escaping each value for esc. */
void tmpl_expand(struct buf *out, const char *text, enum tmpl_escape esc, tmpl_lookup_fn fn, void *ctx);
/* Expand with the variables of a notice. */
void tmpl_render(struct buf *out, const char *text, enum tmpl_escape esc, const struct notice *n);

/* Append s (n bytes) escaped for esc. */
void tmpl_escape(struct buf *out, const char *s, size_t n, enum tmpl_escape esc);

struct template {
	char *name;     /* as asked for */
	char *origin;   /* "built-in" or the file it came from */
	char *subject;  /* "" when the template has none */
	char *body;
};

/* Load NAME: a path (contains '/') is read as a file; else DIR/NAME.txt
 * when dir is not NULL and that file exists; else the built-in. NULL on
 * success, else a reason ("no template named X", "X: Permission denied"). */
const char *template_load(struct template *t, const char *name, const char *dir);
void template_free(struct template *t);
/* Split a template's text into subject and body (see the file format). */
void template_parse(struct template *t, const char *text);

/* The built-in's text, or NULL. */
const char *template_builtin(const char *name);
/* The built-in names, NULL-terminated. */
extern const char *const template_builtin_names[];

#endif
