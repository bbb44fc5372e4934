/* Network interface counters for check_netif: the parser of /proc/net/dev,
 * the link facts from sysfs, and the comparison of one reading with the one
 * saved by the last run (counter wrap, interface reset, reboot), so that
 * every decision can be tested with recorded files. */
#ifndef MAMORI_NETIF_H
#define MAMORI_NETIF_H
#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "range.h"

/* The kernel's IFNAMSIZ (16) including the NUL. */
enum { NETIF_NAME_MAX = 15 };

/* The counters kept per interface, in /proc/net/dev's order of meaning. */
enum netif_counter {
	NC_RX_BYTES, NC_RX_PACKETS, NC_RX_ERRS, NC_RX_DROP,
	NC_TX_BYTES, NC_TX_PACKETS, NC_TX_ERRS, NC_TX_DROP,
	NC_COUNT
};

struct netif {
	char name[NETIF_NAME_MAX + 1];
	unsigned long long c[NC_COUNT];
};

struct netdev {
	struct netif *v;
	size_t n;
	size_t garbage;   /* lines that are neither headers nor "name: 16 numbers" */
};

/* Parse the text of /proc/net/dev: every "name: 16 numbers" line, anywhere;
 * the two header lines and anything malformed are skipped (counted in
 * garbage when not a header). A name seen twice keeps its first line.
 * Never fails; an empty result is the caller's to judge. */
void netdev_parse(const char *text, struct netdev *out);
/* Read ROOT/net/dev (ROOT: proc_root()). 0 or -1 with errno. */
int netdev_read(struct netdev *out);
const struct netif *netdev_find(const struct netdev *d, const char *name);
void netdev_free(struct netdev *d);

/* A valid interface name as the kernel allows one: 1 to 15 bytes, no '/',
 * ':' or white space, not "." or "..". */
bool netif_name_ok(const char *name);

/* The sysfs root: "/sys" unless MAMORI_SYS_ROOT names another (tests feed a
 * fake tree; ignored for set-id programs, as MAMORI_PROC_ROOT). */
const char *sys_root(void);

struct netif_link {
	long speed;          /* Mb/s; -1 when unknown (-1, 0, unreadable) */
	long ifindex;        /* -1 when unknown */
	bool has_flags;
	bool up;             /* IFF_UP (administratively up) */
	bool loopback;       /* IFF_LOOPBACK */
	char operstate[16];  /* "up", "down", "unknown" ...; "" when unreadable */
};
/* From SYS/class/net/NAME/{speed,ifindex,flags,operstate}. */
void netif_link_read(const char *name, struct netif_link *out);

/* One reading, as saved in the state file. time is CLOCK_BOOTTIME seconds
 * (it counts suspend and ignores clock changes; it restarts at boot, hence
 * the boot id beside it). */
struct netif_sample {
	char name[NETIF_NAME_MAX + 1];
	char boot_id[40];    /* "-" when unknown */
	double time;
	long ifindex;
	unsigned long long c[NC_COUNT];
};

/* Now, on the clock the samples use. */
double netif_clock(void);
/* /proc/sys/kernel/random/boot_id into out (size >= 40), "-" if unreadable. */
void netif_boot_id(char *out, size_t size);

/* The state file text, and back. parse returns false on anything that is
 * not exactly what format writes (a corrupt or foreign state). */
void netif_sample_format(const struct netif_sample *s, struct buf *out);
bool netif_sample_parse(const char *text, struct netif_sample *out);

enum netif_verdict {
	NV_RATES,      /* rates over the interval are in the result */
	NV_FIRST,      /* no saved state: this reading is the baseline */
	NV_CORRUPT,    /* the saved state could not be parsed */
	NV_RESET,      /* a counter went back (not a wrap): interface reset */
	NV_REPLACED,   /* the interface index changed: removed and created again */
	NV_REBOOT,     /* another boot id: the host restarted */
	NV_CLOCK,      /* no time passed or the clock went back */
};

struct netif_rates {
	double secs;
	unsigned long long delta[NC_COUNT];
	unsigned wrapped;           /* bit per counter that wrapped at 2^32 */
	enum netif_counter reset_by; /* with NV_RESET: the counter that went back */
};

/* How far a counter moved from prev to cur. A value below the previous one
 * is a 32-bit wrap when both fit in 32 bits and the move forward through
 * 2^32 is at most 2^31 (serial-number arithmetic, RFC 1982) and at most
 * max_delta (what the link can carry in the interval; 0 = no limit);
 * anything else that went back is a reset. */
enum netif_step { NS_FORWARD, NS_WRAP, NS_RESET };
enum netif_step netif_counter_step(unsigned long long prev, unsigned long long cur, double max_delta,
                                   unsigned long long *delta);

/* Compare the saved sample with the current one. speed_Bps (0 = unknown)
 * bounds what a wrap of the byte counters can explain. */
enum netif_verdict netif_compare(const struct netif_sample *prev, const struct netif_sample *cur,
                                 double speed_Bps, struct netif_rates *out);

/* One step of the check for one interface: lock its state file, compare
 * with the saved sample, save cur, unlock. NULL or a reason (the state
 * directory cannot be used). */
const char *netif_advance(const struct netif_sample *cur, double speed_Bps, enum netif_verdict *verdict,
                          struct netif_rates *rates);

/* A rate threshold: a Nagios range whose numbers may carry a decimal unit
 * (k = 10^3, M, G, T) or a binary one (Ki = 2^10, Mi, Gi, Ti), e.g. "10M",
 * "@1k:2M", "500Ki:". Numbers are multiplied by scale (1 for bytes per
 * second, 1/8 when they are bits) so the range is in bytes per second. */
const char *netif_rate_range(const char *text, double scale, struct range *out);

/* "1.20 MB/s", "9.60 Mbit/s": decimal units, as link speeds are. */
void netif_human_rate(double bytes_per_s, bool bits, char *out, size_t size);

#endif
