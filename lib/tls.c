#include "tls.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

static ssize_t tls_io(struct conn *c, void *buf, size_t n, short *want, bool writing)
{
	SSL *ssl = c->tls;
	int len = n > 1 << 30 ? 1 << 30 : (int)n;
	ERR_clear_error();
	int r = writing ? SSL_write(ssl, buf, len) : SSL_read(ssl, buf, len);
	if (r > 0)
		return r;
	switch (SSL_get_error(ssl, r)) {
	case SSL_ERROR_WANT_READ:
		*want = POLLIN;
		errno = EAGAIN;
		return -1;
	case SSL_ERROR_WANT_WRITE:
		*want = POLLOUT;
		errno = EAGAIN;
		return -1;
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	case SSL_ERROR_SYSCALL:
		/* EOF without close_notify: treat as a close */
		if (ERR_peek_error() == 0 && errno == 0)
			return 0;
		if (errno == 0)
			errno = EPROTO;
		return -1;
	default:
		errno = EPROTO;
		return -1;
	}
}

static ssize_t tls_read(struct conn *c, void *buf, size_t n, short *want)
{
	return tls_io(c, buf, n, want, false);
}

static ssize_t tls_write(struct conn *c, const void *buf, size_t n, short *want)
{
	return tls_io(c, (void *)buf, n, want, true);
}

static void tls_close(struct conn *c)
{
	SSL *ssl = c->tls;
	if (!ssl)
		return;
	SSL_CTX *ctx = SSL_get_SSL_CTX(ssl);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	c->tls = NULL;
}

static const struct conn_ops tls_ops = { tls_read, tls_write, tls_close };

static void name_text(X509_NAME *n, char *out, size_t size)
{
	BIO *b = BIO_new(BIO_s_mem());
	out[0] = '\0';
	if (!b)
		return;
	X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
	int len = BIO_read(b, out, (int)size - 1);
	out[len > 0 ? len : 0] = '\0';
	BIO_free(b);
}

static time_t asn1_time(const ASN1_TIME *t)
{
	struct tm tm;
	if (!t || !ASN1_TIME_to_tm(t, &tm))
		return 0;
	return timegm(&tm);
}

/* The chain again against the full default store (bundle file too), with
 * the same host name and purpose settings as the handshake. */
static long reverify_full_store(SSL *ssl, X509 *leaf)
{
	long code = SSL_get_verify_result(ssl);
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *sctx = X509_STORE_CTX_new();
	if (store && sctx && X509_STORE_set_default_paths(store) == 1 &&
	    X509_STORE_CTX_init(sctx, store, leaf, SSL_get_peer_cert_chain(ssl)) == 1) {
		X509_VERIFY_PARAM_set1(X509_STORE_CTX_get0_param(sctx), SSL_get0_param(ssl));
		X509_STORE_CTX_set_default(sctx, "ssl_server");
		code = X509_verify_cert(sctx) == 1 ? X509_V_OK : X509_STORE_CTX_get_error(sctx);
	}
	X509_STORE_CTX_free(sctx);
	X509_STORE_free(store);
	return code;
}

static void fill_peer(SSL *ssl, struct tls_peer *p, bool system_store)
{
	memset(p, 0, sizeof *p);
	X509 *cert = SSL_get1_peer_certificate(ssl);
	p->verify_code = SSL_get_verify_result(ssl);
	if (system_store && cert && (p->verify_code == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
	                             p->verify_code == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT))
		p->verify_code = reverify_full_store(ssl, cert);
	snprintf(p->verify_text, sizeof p->verify_text, "%s", X509_verify_cert_error_string(p->verify_code));
	snprintf(p->version, sizeof p->version, "%s", SSL_get_version(ssl));
	const char *cipher = SSL_get_cipher_name(ssl);
	snprintf(p->cipher, sizeof p->cipher, "%s", cipher ? cipher : "");
	if (!cert)
		return;
	p->have_cert = true;
	p->not_before = asn1_time(X509_get0_notBefore(cert));
	p->not_after = asn1_time(X509_get0_notAfter(cert));
	p->days_left = ((double)p->not_after - (double)time(NULL)) / 86400.0;
	name_text(X509_get_subject_name(cert), p->subject, sizeof p->subject);
	name_text(X509_get_issuer_name(cert), p->issuer, sizeof p->issuer);
	X509_free(cert);
}

static void ssl_error_detail(struct conn *c, const char *what)
{
	unsigned long e = ERR_peek_last_error();
	char text[200];
	if (e)
		ERR_error_string_n(e, text, sizeof text);
	else
		snprintf(text, sizeof text, "%s", errno ? strerror(errno) : "the server closed the connection");
	snprintf(c->detail, sizeof c->detail, "%s: %s", what, text);
}

enum net_result tls_start(struct conn *c, const struct tls_opts *o, struct tls_peer *peer)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx) {
		ssl_error_detail(c, "TLS setup");
		return NET_TLS_FAIL;
	}
	SSL_CTX_set_min_proto_version(ctx, o->min_version == 13 ? TLS1_3_VERSION : TLS1_2_VERSION);
	if (o->ca_file) {
		if (SSL_CTX_load_verify_locations(ctx, o->ca_file, NULL) != 1) {
			ssl_error_detail(c, "cannot load the CA file");
			SSL_CTX_free(ctx);
			return NET_TLS_FAIL;
		}
	} else {
		/* The hashed directory is searched per issuer; the bundle file of
		 * the default paths is parsed whole (~150 certificates, 20 ms), so
		 * it is read only when the directory cannot settle it (reverify). */
		const char *dir = X509_get_default_cert_dir();
		if (!dir || SSL_CTX_load_verify_dir(ctx, dir) != 1)
			SSL_CTX_set_default_verify_paths(ctx);
	}
	if (o->cert_file && (SSL_CTX_use_certificate_chain_file(ctx, o->cert_file) != 1 ||
	                     SSL_CTX_use_PrivateKey_file(ctx, o->key_file ? o->key_file : o->cert_file,
	                                                 SSL_FILETYPE_PEM) != 1)) {
		ssl_error_detail(c, "cannot load the client certificate");
		SSL_CTX_free(ctx);
		return NET_TLS_FAIL;
	}
	/* The handshake itself never aborts on trust: the verdict is read
	 * afterwards, so a check can still report an untrusted certificate's
	 * dates; nothing is sent before the verdict is known. */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	SSL *ssl = SSL_new(ctx);
	if (!ssl) {
		ssl_error_detail(c, "TLS setup");
		SSL_CTX_free(ctx);
		return NET_TLS_FAIL;
	}
	if (o->sni && *o->sni && !strchr(o->sni, ':') && !(o->sni[0] >= '0' && o->sni[0] <= '9' &&
	                                                     strspn(o->sni, "0123456789.") == strlen(o->sni)))
		SSL_set_tlsext_host_name(ssl, o->sni);
	if (o->verify_name && *o->verify_name) {
		X509_VERIFY_PARAM *vp = SSL_get0_param(ssl);
		if (X509_VERIFY_PARAM_set1_ip_asc(vp, o->verify_name) != 1)
			SSL_set1_host(ssl, o->verify_name);
	}
	SSL_set_fd(ssl, c->fd);
	c->tls = ssl;
	c->ops = &tls_ops;
	/* bytes already buffered in plain text belong to the old layer */
	c->rpos = c->rlen = 0;

	for (;;) {
		ERR_clear_error();
		errno = 0;
		int r = SSL_connect(ssl);
		if (r == 1)
			break;
		int e = SSL_get_error(ssl, r);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
			enum net_result w = net_wait(c, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT);
			if (w != NET_OK) {
				snprintf(c->detail, sizeof c->detail, "no TLS handshake before the deadline");
				return w;
			}
			continue;
		}
		ssl_error_detail(c, "TLS handshake failed");
		return NET_TLS_FAIL;
	}
	struct tls_peer local;
	struct tls_peer *p = peer ? peer : &local;
	fill_peer(ssl, p, !o->ca_file);
	if (o->verify && !p->have_cert) {
		snprintf(c->detail, sizeof c->detail, "the server sent no certificate");
		return NET_TLS_VERIFY_FAIL;
	}
	if (o->verify && p->verify_code != X509_V_OK) {
		snprintf(c->detail, sizeof c->detail, "certificate not trusted: %s", p->verify_text);
		return NET_TLS_VERIFY_FAIL;
	}
	return NET_OK;
}
