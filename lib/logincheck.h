/* The check shared by check_ftp, check_pop and check_imap: greeting, TLS
 * (implicit or STARTTLS), optional login, goodbye. Each program is this
 * engine with its service preselected, like monitoring-plugins' check_tcp
 * aliases, but speaking the real dialogue. */
#ifndef MAMORI_LOGINCHECK_H
#define MAMORI_LOGINCHECK_H
#include "options.h"

extern const struct option_spec logincheck_options[];
int logincheck_main(int argc, char **argv, const struct program *prog, const char *service);

#endif
