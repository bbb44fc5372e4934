/* Sizes with units as operators type them: "512M", "2G", "100" (in a
 * default unit), "20%". */
#ifndef MAMORI_SIZE_H
#define MAMORI_SIZE_H
#include <stdbool.h>

/* Parse "N[unit]" where unit is B, K/KB/KiB, M/MB/MiB, G/GB/GiB, T/TB/TiB
 * (binary multiples, as df and free use), else default_mult applies.
 * A trailing '%' sets *percent and returns the number unscaled. */
bool size_parse(const char *s, double default_mult, double *out, bool *percent);

#endif
