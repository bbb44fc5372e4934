/* Strict number parsing and perfdata-safe number formatting.
 * strtod() alone accepts "0x1p3", "inf", "nan", "1e9" and trailing junk;
 * a threshold or a count from argv or a reply must be a plain decimal. */
#ifndef MAMORI_NUM_H
#define MAMORI_NUM_H
#include <stdbool.h>
#include <stddef.h>

/* [+-]digits[.digits] or [+-].digits; nothing else, no spaces. */
bool num_parse_double(const char *s, double *out);
/* The same prefix form; *end points after it (NULL-safe). */
bool num_parse_double_prefix(const char *s, double *out, const char **end);
/* Decimal integer in [min, max]. */
bool num_parse_long(const char *s, long min, long max, long *out);
/* Unsigned decimal with no sign, up to ULLONG_MAX. */
bool num_parse_ull(const char *s, unsigned long long *out);

/* "FIRST[,SECOND]" (certificate days WARN[,CRIT]): each a plain decimal in
 * [min, max]; *second is left alone when there is no comma. */
bool num_parse_pair(const char *s, double min, double max, double *first, double *second);

/* floor() without libm: linking libm costs every plugin start-up time for
 * one function. Exact for |v| < 2^53. */
double num_floor(double v);

/* Plain decimal for perfdata: never an exponent, at most `decimals` digits
 * after the point (-1 = up to 6, trailing zeros trimmed). */
void num_format(double v, int decimals, char *out, size_t size);
/* The same plain decimal with as many digits as it takes to read back as
 * v (for thresholds: a range printed in perfdata means what was given). */
void num_format_exact(double v, char *out, size_t size);

#endif
