/* Threshold ranges and the number parsers behind them: any text either
 * parses into a range whose formatted form parses back to the same range,
 * or is refused with a reason.
 * SOURCES: (the core only) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "num.h"
#include "range.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	struct range r, back;
	if (!range_parse(s, &r)) {
		char text[1024];
		range_format(&r, text, sizeof text);
		if (range_parse(text, &back) || range_alerts(&r, 0) != range_alerts(&back, 0) ||
		    range_alerts(&r, 1e6) != range_alerts(&back, 1e6))
			abort();  /* what we print must mean what was parsed */
	}
	struct range list[8];
	size_t n;
	(void)range_parse_list(s, list, 8, &n);
	double d, a, b = 0;
	long l;
	unsigned long long u;
	(void)num_parse_double(s, &d);
	(void)num_parse_long(s, -1000, 1000, &l);
	(void)num_parse_ull(s, &u);
	(void)num_parse_pair(s, 0, 100000, &a, &b);
	if (num_parse_double(s, &d)) {
		char out[64];
		num_format(d, -1, out, sizeof out);
		if (strchr(out, 'e') || strchr(out, 'E'))
			abort();  /* perfdata never carries an exponent */
	}
	free(s);
	return 0;
}
