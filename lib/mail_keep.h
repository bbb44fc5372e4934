/* Mails that changed nothing (unmatched, rejected, not submitted) are
 * kept, never dropped: one file per mail in a maildir (DIR/tmp, DIR/new,
 * DIR/cur), so `mutt -f DIR` or any maildir reader opens them. The reason
 * goes in X-Mamori-* headers put above the original message, which is
 * otherwise byte for byte what arrived. */
#ifndef MAMORI_MAIL_KEEP_H
#define MAMORI_MAIL_KEEP_H
#include <stddef.h>

/* Deliver raw (len bytes, then whatever is left on rest_fd when it is
 * >= 0: a mail too large to hold in memory) into the maildir dir
 * (created 0700 with its parents), with the headers
 *   X-Mamori-Kept: kind
 *   X-Mamori-Reason: reason          (control characters removed)
 * name (may be NULL) gets the file's path. NULL or a reason. */
const char *mail_keep(const char *dir, const char *kind, const char *reason, const char *raw, size_t len,
                      int rest_fd, char *name, size_t size);

#endif
