/* deb822 (dpkg status, apt Packages and Release files): the character
 * classes and field-line helpers their readers share. */
#ifndef MAMORI_DEB822_H
#define MAMORI_DEB822_H
#include <stdbool.h>
#include <stddef.h>

static inline bool c_digit(int c) { return c >= '0' && c <= '9'; }
static inline bool c_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static inline bool c_blank(int c) { return c == ' ' || c == '\t'; }

/* The value of "Name: value" when the line is that field (names are
 * case-insensitive), trimmed and NUL-terminated in place; else NULL. */
char *deb822_field(char *line, size_t n, const char *name, size_t namelen);
#define FIELD(line, n, name) deb822_field(line, n, name, sizeof name - 1)
bool deb822_blank_line(const char *s, size_t n);
/* A field line: a name of printable characters, then ':'. */
bool deb822_field_line(const char *s, size_t n);

#endif
