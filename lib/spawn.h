/* Children the plugins start (postconf, postqueue, postcat, apt-helper,
 * apt-get): argv only, never a shell, in their own process group so the -t
 * alarm kills the whole tree. */
#ifndef MAMORI_SPAWN_H
#define MAMORI_SPAWN_H
#include <sys/types.h>

/* Start argv[0] with stdin from /dev/null, its descriptor pipe_fd
 * (STDOUT_FILENO or STDERR_FILENO) on a pipe whose read end goes to
 * *read_fd, stderr to err_fd when it is not the piped one and err_fd >= 0,
 * everything else to /dev/null. The pid, or -1 with errno. */
pid_t spawn_piped(char *const argv[], int pipe_fd, int err_fd, int *read_fd);
/* Wait for the child (EINTR-safe) and take it off the alarm's kill list:
 * its wait status, or -1. */
int spawn_reap(pid_t pid);

#endif
