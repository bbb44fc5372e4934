/* /proc/net/dev and check_netif's state text, NUL between them.
 * Interfaces read have names the kernel allows, sorted and unique; each
 * line is an interface or garbage, at most once; the table printed back
 * as the kernel writes it reads back the same, garbage-free. Between two
 * readings a counter moves forward, wraps at 2^32 by at most 2^31, or is
 * a reset. A state text read prints back to a text that reads back the
 * same.
 * SOURCES: lib/netif.c lib/state.c */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "netif.h"

static void check_step(unsigned long long prev, unsigned long long cur, double max)
{
	unsigned long long d;
	switch (netif_counter_step(prev, cur, max, &d)) {
	case NS_FORWARD:
		if (cur < prev || prev + d != cur)
			abort();
		break;
	case NS_WRAP:
		if (cur >= prev || prev > UINT32_MAX || d > (1ULL << 31) || ((prev + d) & 0xffffffffULL) != cur ||
		    (max > 0 && (double)d > max))
			abort();
		break;
	case NS_RESET:
		if (cur >= prev || d != 0)
			abort();
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 2);
	memcpy(text, data, size);
	text[size] = text[size + 1] = '\0';
	size_t lines = 0;
	for (size_t i = 0; text[i]; i++)
		lines += text[i] == '\n';
	lines++;

	struct netdev d, back;
	netdev_parse(text, &d);
	if (d.n + d.garbage > lines)
		abort();
	struct buf out = BUF_INIT;
	buf_puts(&out, "Inter-|   Receive                                                |  Transmit\n"
	               " face |bytes    packets errs drop fifo frame compressed multicast|bytes ...\n");
	for (size_t i = 0; i < d.n; i++) {
		const struct netif *it = &d.v[i];
		if (!netif_name_ok(it->name) || (i && strcmp(d.v[i - 1].name, it->name) >= 0) ||
		    netdev_find(&d, it->name) != it)
			abort();
		buf_printf(&out, "%6s:", it->name);
		for (int k = 0; k < NC_COUNT; k++)
			buf_printf(&out, " %llu%s", it->c[k], k == 3 || k == 7 ? " 0 0 0 0" : "");
		buf_putc(&out, '\n');
	}
	netdev_parse(buf_cstr(&out), &back);
	if (back.n != d.n || back.garbage != 0)
		abort();
	for (size_t i = 0; i < d.n; i++)
		if (strcmp(back.v[i].name, d.v[i].name) != 0 || memcmp(back.v[i].c, d.v[i].c, sizeof d.v[i].c) != 0)
			abort();
	for (size_t i = 1; i < d.n; i++)
		for (int k = 0; k < NC_COUNT; k++)
			check_step(d.v[i - 1].c[k], d.v[i].c[k], k == 0 ? 1e6 : 0);
	netdev_free(&d);
	netdev_free(&back);

	/* the state text after the NUL */
	struct netif_sample s1, s2;
	const char *state = text + strlen(text) + 1;
	if (state <= text + size && netif_sample_parse(state, &s1)) {
		struct buf f1 = BUF_INIT, f2 = BUF_INIT;
		netif_sample_format(&s1, &f1);
		if (!netif_sample_parse(buf_cstr(&f1), &s2))
			abort();
		netif_sample_format(&s2, &f2);
		if (f1.len != f2.len || memcmp(f1.s, f2.s, f1.len) != 0 || strcmp(s1.name, s2.name) != 0 ||
		    memcmp(s1.c, s2.c, sizeof s1.c) != 0 || s1.ifindex != s2.ifindex)
			abort();
		struct netif_rates r;
		(void)netif_compare(&s1, &s2, 1e6, &r);
		buf_free(&f1);
		buf_free(&f2);
	}
	buf_free(&out);
	free(text);
	return 0;
}
