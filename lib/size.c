#include "size.h"

#include <string.h>
#include <strings.h>

#include "num.h"

bool size_parse(const char *s, double default_mult, double *out, bool *percent)
{
	static const struct { const char *suffix; double mult; } units[] = {
		{ "B", 1 },
		{ "K", 1024.0 }, { "KB", 1024.0 }, { "KiB", 1024.0 },
		{ "M", 1048576.0 }, { "MB", 1048576.0 }, { "MiB", 1048576.0 },
		{ "G", 1073741824.0 }, { "GB", 1073741824.0 }, { "GiB", 1073741824.0 },
		{ "T", 1099511627776.0 }, { "TB", 1099511627776.0 }, { "TiB", 1099511627776.0 },
	};
	const char *end;
	double v;
	if (!num_parse_double_prefix(s, &v, &end) || v < 0)
		return false;
	if (percent)
		*percent = false;
	if (*end == '\0') {
		*out = v * default_mult;
		return true;
	}
	if (strcmp(end, "%") == 0) {
		if (!percent || v > 100)
			return false;
		*percent = true;
		*out = v;
		return true;
	}
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (strcasecmp(end, units[i].suffix) == 0) {
			*out = v * units[i].mult;
			return true;
		}
	return false;
}
