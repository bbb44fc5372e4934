/* connect_read: the floor a network check is measured against.
 *
 *   connect_read HOST PORT [SEND]
 *
 * Resolves HOST, connects to PORT (blocking, first address that accepts),
 * sends SEND when given (as is: no newline added), reads until the first
 * newline and exits 0. It judges nothing and prints nothing: whatever a
 * plugin spends beyond this is start-up, parsing, judging and printing.
 * Exit 1 when any step fails, so a benchmark notices a dead server. */
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

static int dial(const char *host, const char *port)
{
	struct addrinfo hints, *res, *ai;
	int fd = -1, rc;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0) {
		fprintf(stderr, "connect_read: %s: %s\n", host, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd == -1)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1)
		perror("connect_read: connect");
	return fd;
}

static int send_all(int fd, const char *s, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, s, len, MSG_NOSIGNAL);
		if (n <= 0) {
			perror("connect_read: send");
			return -1;
		}
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads in blocks, not a byte at a time: a plugin reads that way too. */
static int read_line(int fd)
{
	char buf[4096];

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		if (n < 0) {
			perror("connect_read: recv");
			return -1;
		}
		if (n == 0) {
			fputs("connect_read: closed before a newline\n", stderr);
			return -1;
		}
		if (memchr(buf, '\n', (size_t)n))
			return 0;
	}
}

int main(int argc, char **argv)
{
	int fd, rc;

	if (argc < 3 || argc > 4) {
		fputs("usage: connect_read HOST PORT [SEND]\n", stderr);
		return 2;
	}
	fd = dial(argv[1], argv[2]);
	if (fd == -1)
		return 1;
	rc = 0;
	if (argc == 4 && send_all(fd, argv[3], strlen(argv[3])) == -1)
		rc = 1;
	if (rc == 0 && read_line(fd) == -1)
		rc = 1;
	close(fd);
	return rc;
}
