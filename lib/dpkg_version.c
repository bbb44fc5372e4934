/* dpkg's version syntax and ordering, for check_updates' candidates. */
#include "dpkg_version.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "deb822.h"

/* ---- dpkg versions: lib/dpkg/parsehelp.c parseversion() and
 * lib/dpkg/version.c verrevcmp(), on pointer ranges instead of copies. */


struct dver {
	long epoch;
	const char *up, *up_end, *rev, *rev_end;
};

static const char *dver_parse(const char *s, struct dver *v)
{
	while (*s && c_blank(*s))
		s++;
	if (!*s)
		return "version string is empty";
	const char *end = s;
	while (*end && !c_blank(*end))
		end++;
	for (const char *p = end; *p; p++)
		if (!c_blank(*p))
			return "version string has embedded spaces";

	v->epoch = 0;
	const char *colon = memchr(s, ':', (size_t)(end - s));
	if (colon) {
		char *eep;
		errno = 0;
		long epoch = strtol(s, &eep, 10);   /* as dpkg: a sign is accepted */
		if (eep == s)
			return "epoch in version is empty";
		if (eep != colon)
			return "epoch in version is not number";
		if (epoch < 0)
			return "epoch in version is negative";
		if (epoch > INT_MAX || errno == ERANGE)
			return "epoch in version is too big";
		if (!colon[1])
			return "nothing after colon in version number";
		v->epoch = epoch;
		s = colon + 1;
	}
	const char *hyphen = NULL;
	for (const char *p = s; p < end; p++)
		if (*p == '-')
			hyphen = p;
	v->up = s;
	v->up_end = hyphen ? hyphen : end;
	v->rev = hyphen ? hyphen + 1 : end;
	v->rev_end = end;
	if (hyphen && hyphen + 1 == end)
		return "revision number is empty";
	if (v->up == v->up_end)
		return "version number is empty";
	/* dpkg only warns about a leading non-digit or odd characters */
	return NULL;
}

const char *dpkg_version_check(const char *v)
{
	struct dver d;
	return dver_parse(v, &d);
}

/* dpkg's order(): digits 0, letters themselves, '~' before everything
 * (even the end), other characters after letters. Plain char, as dpkg. */
static int order(int c)
{
	if (c_digit(c))
		return 0;
	if (c_alpha(c))
		return c;
	if (c == '~')
		return -1;
	if (c)
		return c + 256;
	return 0;
}

static int verrevcmp(const char *a, const char *ae, const char *b, const char *be)
{
#define AT(p, e) ((p) < (e) ? *(p) : '\0')
	while (a < ae || b < be) {
		int first_diff = 0;
		/* Equal orders never pair a character with the end (the end orders
		 * 0 like a digit, and a digit stops this loop), so neither pointer
		 * passes its end. */
		while ((a < ae && !c_digit(*a)) || (b < be && !c_digit(*b))) {
			int ac = order(AT(a, ae)), bc = order(AT(b, be));
			if (ac != bc)
				return ac - bc;
			a++;
			b++;
		}
		while (a < ae && *a == '0')
			a++;
		while (b < be && *b == '0')
			b++;
		while (a < ae && b < be && c_digit(*a) && c_digit(*b)) {
			if (!first_diff)
				first_diff = *a - *b;
			a++;
			b++;
		}
		if (a < ae && c_digit(*a))
			return 1;
		if (b < be && c_digit(*b))
			return -1;
		if (first_diff)
			return first_diff;
	}
	return 0;
#undef AT
}

static int dver_cmp(const struct dver *a, const struct dver *b)
{
	if (a->epoch != b->epoch)
		return a->epoch > b->epoch ? 1 : -1;
	int rc = verrevcmp(a->up, a->up_end, b->up, b->up_end);
	if (!rc)
		rc = verrevcmp(a->rev, a->rev_end, b->rev, b->rev_end);
	return (rc > 0) - (rc < 0);
}

int dpkg_version_compare(const char *a, const char *b)
{
	static const char empty[] = "";
	struct dver va, vb;
	if (dver_parse(a, &va))
		va = (struct dver){ 0, empty, empty, empty, empty };
	if (dver_parse(b, &vb))
		vb = (struct dver){ 0, empty, empty, empty, empty };
	return dver_cmp(&va, &vb);
}
