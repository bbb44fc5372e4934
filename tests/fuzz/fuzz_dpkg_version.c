/* dpkg versions (check_updates compares the installed one with every
 * candidate of the lists apt downloaded): up to three versions, one a line.
 * Checked against dpkg's own parseversion()/verrevcmp() written plainly on
 * NUL-terminated copies, and for an order: reflexive, antisymmetric,
 * transitive; a refused version compares as dpkg's blank one.
 * SOURCES: lib/dpkg_version.c */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dpkg_version.h"

struct ref {
	long epoch;
	char *version, *revision;
};

static int blank(int c) { return c == ' ' || c == '\t'; }
static int digit(int c) { return c >= '0' && c <= '9'; }
static int alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

/* dpkg's parseversion(): 0, or -1 for an error (its warnings accept). */
static int ref_parse(const char *s, struct ref *r, char *store)
{
	r->epoch = 0;
	r->version = r->revision = strcpy(store, "");
	if (!*s)
		return -1;
	while (*s && blank(*s))
		s++;
	const char *end = s;
	while (*end && !blank(*end))
		end++;
	for (const char *p = end; *p; p++)
		if (!blank(*p))
			return -1;
	const char *colon = strchr(s, ':');
	if (colon) {
		char *e;
		errno = 0;
		long epoch = strtol(s, &e, 10);
		if (e == s || e != colon || epoch < 0 || epoch > INT_MAX || errno == ERANGE || !colon[1])
			return -1;
		r->epoch = epoch;
		s = colon + 1;
	}
	memcpy(store, s, (size_t)(end - s));
	store[end - s] = 0;
	r->version = store;
	char *hyphen = strrchr(store, '-');
	r->revision = store + strlen(store);
	if (hyphen) {
		*hyphen = 0;
		r->revision = hyphen + 1;
		if (!*r->revision)
			return -1;
	}
	return *r->version ? 0 : -1;
}

static int order(int c)
{
	if (digit(c))
		return 0;
	if (alpha(c))
		return c;
	if (c == '~')
		return -1;
	return c ? c + 256 : 0;
}

/* dpkg's verrevcmp(), as it is */
static int verrevcmp(const char *a, const char *b)
{
	while (*a || *b) {
		int first_diff = 0;
		while ((*a && !digit(*a)) || (*b && !digit(*b))) {
			int ac = order(*a), bc = order(*b);
			if (ac != bc)
				return ac - bc;
			a++;
			b++;
		}
		while (*a == '0')
			a++;
		while (*b == '0')
			b++;
		while (digit(*a) && digit(*b)) {
			if (!first_diff)
				first_diff = *a - *b;
			a++;
			b++;
		}
		if (digit(*a))
			return 1;
		if (digit(*b))
			return -1;
		if (first_diff)
			return first_diff;
	}
	return 0;
}

static int ref_cmp(const struct ref *a, const struct ref *b)
{
	if (a->epoch != b->epoch)
		return a->epoch > b->epoch ? 1 : -1;
	int rc = verrevcmp(a->version, b->version);
	if (!rc)
		rc = verrevcmp(a->revision, b->revision);
	return (rc > 0) - (rc < 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *store[3], *v[3];
	struct ref r[3];
	int n = 0;
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	for (char *p = text; n < 3; n++) {
		v[n] = p;
		char *nl = strchr(p, '\n');
		if (!nl) {
			n++;
			break;
		}
		*nl = 0;
		p = nl + 1;
	}
	for (int i = 0; i < n; i++) {
		store[i] = malloc(strlen(v[i]) + 1);
		const char *why = dpkg_version_check(v[i]);
		int bad = ref_parse(v[i], &r[i], store[i]);
		/* refused exactly when dpkg refuses, with a one-line reason */
		if ((why != NULL) != (bad != 0) || (why && (!*why || strchr(why, '\n'))))
			abort();
		if (bad)   /* dpkg's blank version */
			r[i] = (struct ref){ 0, store[i] + strlen(store[i]), store[i] + strlen(store[i]) };
	}
	for (int i = 0; i < n; i++) {
		if (dpkg_version_compare(v[i], v[i]) != 0)
			abort();
		for (int j = 0; j < n; j++) {
			int c = dpkg_version_compare(v[i], v[j]);
			if (c < -1 || c > 1 || c != -dpkg_version_compare(v[j], v[i]) || c != ref_cmp(&r[i], &r[j]))
				abort();
			for (int k = 0; k < n; k++)
				if (c <= 0 && dpkg_version_compare(v[j], v[k]) <= 0 && dpkg_version_compare(v[i], v[k]) > 0)
					abort();
		}
	}
	for (int i = 0; i < n; i++)
		free(store[i]);
	free(text);
	return 0;
}
