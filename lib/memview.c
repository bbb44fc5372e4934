#include "memview.h"

unsigned long long mem_available(const struct meminfo *m)
{
	/* a MemAvailable above MemTotal (a broken or recorded file) would make
	 * used negative, and total - available wrap (found by fuzz_meminfo) */
	if (m->has_available)
		return m->available < m->total ? m->available : m->total;
	/* kernels before 3.14: free + page cache + reclaimable slab - shared */
	unsigned long long a = m->free + m->buffers + m->cached + m->sreclaimable;
	a = a > m->shmem ? a - m->shmem : 0;
	return a < m->total ? a : m->total;
}

unsigned long long swap_used(const struct meminfo *m)
{
	return m->swap_free < m->swap_total ? m->swap_total - m->swap_free : 0;
}

void memview_long(struct check *c, const struct meminfo *m)
{
	char t[6][32];
	unsigned long long avail = mem_available(m);
	unsigned long long cache = m->buffers + m->cached + m->sreclaimable;
	double v[6] = { (double)m->total, (double)(m->total - avail), (double)m->free,
	                (double)m->shmem, (double)cache, (double)avail };
	for (int i = 0; i < 6; i++)
		human_bytes(v[i], t[i], sizeof t[i]);
	check_long(c, "%-6s %12s %12s %12s %12s %12s %12s", "", "total", "used", "free", "shared",
	           "buff/cache", "available");
	check_long(c, "%-6s %12s %12s %12s %12s %12s %12s", "Mem:", t[0], t[1], t[2], t[3], t[4], t[5]);
	human_bytes((double)m->swap_total, t[0], sizeof t[0]);
	human_bytes((double)swap_used(m), t[1], sizeof t[1]);
	human_bytes((double)m->swap_free, t[2], sizeof t[2]);
	check_long(c, "%-6s %12s %12s %12s", "Swap:", t[0], t[1], t[2]);
}
