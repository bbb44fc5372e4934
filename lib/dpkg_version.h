/* dpkg's version syntax (lib/dpkg/parsehelp.c parseversion()) and ordering
 * (lib/dpkg/version.c verrevcmp()), on pointer ranges instead of copies. */
#ifndef MAMORI_DPKG_VERSION_H
#define MAMORI_DPKG_VERSION_H

/* NULL when dpkg accepts the version (perhaps with a warning), else dpkg's
 * reason ("epoch in version is not number", ...). */
const char *dpkg_version_check(const char *v);
/* dpkg's ordering (lib/dpkg/version.c): -1, 0 or 1. An invalid version
 * compares as the empty one, as dpkg's blank version does. */
int dpkg_version_compare(const char *a, const char *b);

#endif
