/* INI files: the syntax of inih (sections, `key = value` or `key: value`,
 * ';' and '#' comment lines, ' ;' inline comments, a UTF-8 BOM) without
 * its line limit. Debian builds libinih with INI_MAX_LINE 200 and no
 * realloc, which cuts a Teams webhook URL, a Slack token or an AWS session
 * token in two and reports the remainder as a syntax error on the wrong
 * line. The handler has inih's signature, so a reader written for inih
 * works unchanged. A line that begins with blanks is a line like any
 * other (inih would take it as the continuation of the previous value).
 * A line holding a control character other than TAB (NUL, a bare CR) is an
 * error: such a byte would end a value early or start a new mail header. */
#ifndef MAMORI_INI_H
#define MAMORI_INI_H
#include <stddef.h>
#include <stdio.h>

/* Return non-zero to go on, 0 to mark the line as an error. */
typedef int (*ini_fn)(void *user, const char *section, const char *key, const char *value);

/* Parse len bytes of text. 0, or the number of the first line that is not
 * INI syntax or that the handler refused (parsing goes on after it). */
int ini_parse_text(const char *text, size_t len, ini_fn fn, void *user);
/* The same for a whole stream (read to its end first, at most
 * INI_MAX_BYTES). -1 when it cannot be read (errno from the read), is
 * larger (errno EFBIG) or holds a NUL byte (errno EILSEQ). */
enum { INI_MAX_BYTES = 4 * 1024 * 1024 };
int ini_parse_stream(FILE *f, ini_fn fn, void *user);

#endif
