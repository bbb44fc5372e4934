#include "timeout.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "num.h"

static char message[256];
static size_t message_len;
static volatile sig_atomic_t exit_state = STATE_UNKNOWN;
static volatile pid_t child_group;
static double deadline;  /* monotonic seconds, 0 = none */
static double configured;

double monotonic_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

const char *timeout_parse(const char *arg, double *seconds, enum state *st)
{
	char secs[64];
	const char *colon = strchr(arg, ':');
	size_t n = colon ? (size_t)(colon - arg) : strlen(arg);
	if (n >= sizeof secs)
		return "timeout is not a number of seconds";
	memcpy(secs, arg, n);
	secs[n] = '\0';
	double v;
	if (!num_parse_double(secs, &v) || v <= 0 || v > 86400)
		return "timeout must be a number of seconds above 0 and at most 86400";
	if (colon) {
		int s = state_parse(colon + 1);
		if (s < 0)
			return "timeout state must be ok, warning, critical or unknown";
		*st = (enum state)s;
	}
	*seconds = v;
	return NULL;
}

static void on_alarm(int sig)
{
	(void)sig;
	if (child_group > 0)
		kill(-child_group, SIGKILL);
	(void)!write(STDOUT_FILENO, message, message_len);
	_exit(exit_state);
}

void timeout_start(double seconds, enum state st)
{
	char num[64];
	num_format(seconds, -1, num, sizeof num);
	int n = snprintf(message, sizeof message, "%s %s - plugin timed out after %s seconds\n",
	                 plugin_service, state_name(st), num);
	message_len = n < 0 ? 0 : ((size_t)n >= sizeof message ? sizeof message - 1 : (size_t)n);
	exit_state = st;

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);

	struct itimerval it;
	memset(&it, 0, sizeof it);
	it.it_value.tv_sec = (time_t)seconds;
	it.it_value.tv_usec = (suseconds_t)((seconds - (double)(time_t)seconds) * 1e6);
	if (it.it_value.tv_sec == 0 && it.it_value.tv_usec == 0)
		it.it_value.tv_usec = 1;
	setitimer(ITIMER_REAL, &it, NULL);
	deadline = monotonic_now() + seconds;
	configured = seconds;
}

double timeout_remaining(void)
{
	if (deadline == 0)
		return 1e9;
	double left = deadline - monotonic_now();
	return left > 0 ? left : 0;
}

void timeout_kill_on_alarm(pid_t pgid)
{
	child_group = pgid;
}

double timeout_seconds(void)
{
	return configured;
}

enum state timeout_state(void)
{
	return (enum state)exit_state;
}
