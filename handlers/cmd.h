/* Commands from runbook data: split into words once, then ${NAME} replaced
 * inside each word by a validated value, so a value can never become a
 * second word, an option or shell syntax. */
#ifndef MAMORI_HANDLER_CMD_H
#define MAMORI_HANDLER_CMD_H
#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

#define VARS_MAX 32

struct vars {
	const char *name[VARS_MAX];
	const char *value[VARS_MAX];
	size_t n;
};

void vars_set(struct vars *v, const char *name, const char *value);
const char *vars_get(const struct vars *v, const char *name);

/* Words of text: blanks separate, '...' and "..." group (no escapes), then
 * ${NAME} expanded in each word; an unknown or unset name is an error.
 * Returns a NULL-terminated argv to give to cmd_free, or NULL (reason in err). */
char **cmd_build(const char *text, const struct vars *v, struct buf *err);
/* Does every ${NAME} in text name one of known (NULL-terminated)? For
 * checking runbook and config files when they load. */
bool cmd_names_ok(const char *text, const char *const known[], struct buf *err);
/* The names the engine sets (HOST, ADDRESS, SERVICE, UNIT, ...). */
extern const char *const cmd_known_names[];
/* argv with a prefix (sudo -n) in front; takes ownership of argv. */
char **cmd_prefix(char **argv, const char *const prefix[]);
void cmd_free(char **argv);

/* Files whose text becomes commands (runbooks, recover.ini): refuse one
 * that another user could have written (group/other-writable, or owned by
 * someone but root and us). NULL or a static reason. */
const char *cmd_file_trusted(int fd);

/* Values that reach commands: host names and addresses [A-Za-z0-9.:-]
 * (IPv6 too), unit/variant names [A-Za-z0-9@._-], service descriptions
 * the same plus space and '/'. Macro text with $, `, ;, quotes or control
 * characters fails. */
bool valid_host(const char *s);
bool valid_unit(const char *s);
bool valid_service(const char *s);

#endif
