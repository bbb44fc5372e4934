/* The `free` view (procps-ng 4: used = total - available) as long-output
 * lines, shared by check_mem and check_swap so both mail the same table. */
#ifndef MAMORI_MEMVIEW_H
#define MAMORI_MEMVIEW_H
#include "plugin.h"
#include "proc.h"

/* MemAvailable, or the kernel's own estimate's inputs when it is missing;
 * never above MemTotal. */
unsigned long long mem_available(const struct meminfo *m);
/* SwapTotal - SwapFree, 0 when free is above total. */
unsigned long long swap_used(const struct meminfo *m);
void memview_long(struct check *c, const struct meminfo *m);

#endif
