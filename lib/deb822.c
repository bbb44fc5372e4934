#include "deb822.h"

#include <strings.h>

char *deb822_field(char *line, size_t n, const char *name, size_t namelen)
{
	if (n <= namelen || line[namelen] != ':' || strncasecmp(line, name, namelen))
		return NULL;
	char *v = line + namelen + 1, *e = line + n;
	while (v < e && c_blank(*v))
		v++;
	while (e > v && (c_blank(e[-1]) || e[-1] == '\r'))
		e--;
	*e = '\0';
	return v;
}

bool deb822_blank_line(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!c_blank(s[i]) && s[i] != '\r')
			return false;
	return true;
}

bool deb822_field_line(const char *s, size_t n)
{
	if (!n || s[0] == ':' || s[0] == '#' || s[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == ':')
			return true;
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 127)
			return false;
	}
	return false;
}
