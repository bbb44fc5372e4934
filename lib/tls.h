/* TLS on a struct conn (OpenSSL): SNI, chain and host name verification on
 * by default, the peer certificate's dates and names for the checks. */
#ifndef MAMORI_TLS_H
#define MAMORI_TLS_H
#include <stdbool.h>
#include <time.h>

#include "net.h"

struct tls_opts {
	bool verify;               /* refuse an untrusted chain or a wrong name */
	const char *ca_file;       /* trust these instead of the system store */
	const char *sni;           /* server name to send; NULL: none */
	const char *verify_name;   /* name (or IP) the certificate must carry */
	const char *cert_file, *key_file;   /* client certificate */
	int min_version;           /* 0, 12 or 13 */
};

struct tls_peer {
	bool have_cert;
	time_t not_before, not_after;
	double days_left;          /* may be negative */
	char subject[256], issuer[256];
	long verify_code;          /* X509_V_OK (0) when trusted */
	char verify_text[160];
	char version[16], cipher[64];
};

/* Handshake within the connection's deadline. With opts->verify, an
 * untrusted peer is NET_TLS_VERIFY_FAIL (detail says why) and peer is still
 * filled, so a check can report the dates of a certificate it rejects. */
enum net_result tls_start(struct conn *c, const struct tls_opts *opts, struct tls_peer *peer);

#endif
