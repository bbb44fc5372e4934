/* Growable string buffer: every piece of output is built in one of these so
 * no fixed-size array can truncate or overflow on hostile input. */
#ifndef MAMORI_BUF_H
#define MAMORI_BUF_H
#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *s;        /* NUL-terminated when len > 0 or after buf_cstr() */
	size_t len, cap;
};

#define BUF_INIT { NULL, 0, 0 }

void buf_add(struct buf *b, const char *s, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
const char *buf_cstr(struct buf *b);   /* "" for an empty buffer */
void buf_reset(struct buf *b);
void buf_free(struct buf *b);

/* Allocation that cannot fail silently: a plugin out of memory says so as
 * UNKNOWN and exits 3, the plugin contract's answer to "cannot measure". */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

/* Text from outside (a file name, a server's banner, a mail's header) made
 * fit for one line, in place: every control character becomes `with` ('?'
 * as ls -q shows names, ' ' for prose). */
char *text_one_line(char *s, char with);

#endif
