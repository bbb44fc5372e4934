/* Runs many plugins at once under one deadline and collects their answers.
 * argv only, never a shell; each child in its own process group so a
 * deadline kills whatever it started too. */
#ifndef MAMORI_RUNNER_H
#define MAMORI_RUNNER_H
#include <stddef.h>
#include <sys/types.h>

#include "buf.h"

struct job {
	char **argv;            /* argv[0] is the program path */
	/* results */
	int exit_code;          /* 0..3 from the plugin; 3 when it did not finish */
	int signal;             /* killed by a signal (0 if not) */
	int timed_out;
	int exec_failed;
	double seconds;
	struct buf out;         /* stdout, at most RUNNER_MAX_OUTPUT bytes */
	/* internal */
	pid_t pid;
	int fd;
	double started;
};

#define RUNNER_MAX_OUTPUT (64 * 1024)

/* Run every job, at most `parallel` at a time, all ended by `deadline`
 * seconds from now. Returns when all have finished or been killed. */
void runner_run(struct job *jobs, size_t n, unsigned parallel, double deadline);

#endif
