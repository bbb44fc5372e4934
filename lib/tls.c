#include "tls.h"

#include <dlfcn.h>
#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

/* OpenSSL is loaded on the first handshake (dlopen of the libssl that
 * configure found), so the many checks that never speak TLS do not pay for
 * loading and relocating libssl and libcrypto at every start (about 1 ms,
 * half a plain port check). Every call goes through P(name). */
#define OSSL_FUNCS(X) \
	X(SSL_read) \
	X(SSL_write) \
	X(SSL_get_error) \
	X(ERR_clear_error) \
	X(ERR_peek_error) \
	X(SSL_get_SSL_CTX) \
	X(SSL_free) \
	X(SSL_CTX_free) \
	X(BIO_new) \
	X(BIO_s_mem) \
	X(X509_NAME_print_ex) \
	X(BIO_read) \
	X(BIO_free) \
	X(ASN1_TIME_to_tm) \
	X(SSL_get_verify_result) \
	X(X509_STORE_new) \
	X(X509_STORE_CTX_new) \
	X(X509_STORE_set_default_paths) \
	X(X509_STORE_CTX_init) \
	X(SSL_get_peer_cert_chain) \
	X(X509_VERIFY_PARAM_set1) \
	X(X509_STORE_CTX_get0_param) \
	X(SSL_get0_param) \
	X(X509_STORE_CTX_set_default) \
	X(X509_verify_cert) \
	X(X509_STORE_CTX_get_error) \
	X(X509_STORE_CTX_free) \
	X(X509_STORE_free) \
	X(SSL_get1_peer_certificate) \
	X(X509_verify_cert_error_string) \
	X(SSL_get_version) \
	X(SSL_CIPHER_get_name) \
	X(SSL_get_current_cipher) \
	X(X509_get0_notBefore) \
	X(X509_get0_notAfter) \
	X(X509_get_subject_name) \
	X(X509_get_issuer_name) \
	X(X509_free) \
	X(ERR_peek_last_error) \
	X(ERR_error_string_n) \
	X(SSL_CTX_new) \
	X(TLS_client_method) \
	X(SSL_CTX_ctrl) \
	X(SSL_CTX_load_verify_locations) \
	X(X509_get_default_cert_dir) \
	X(SSL_CTX_load_verify_dir) \
	X(SSL_CTX_set_default_verify_paths) \
	X(SSL_CTX_use_certificate_chain_file) \
	X(SSL_CTX_use_PrivateKey_file) \
	X(SSL_CTX_set_verify) \
	X(SSL_new) \
	X(SSL_ctrl) \
	X(X509_VERIFY_PARAM_set1_ip_asc) \
	X(SSL_set1_host) \
	X(SSL_set_fd) \
	X(SSL_connect)

#define P(f) (*p_##f)
#define DECLARE(f) static __typeof__(&f) p_##f;
OSSL_FUNCS(DECLARE)

static const char *ossl_load(void)
{
	static int state;  /* 0 not tried, 1 loaded, -1 failed */
	static char why[256];
	if (state)
		return state > 0 ? NULL : why;
	state = -1;
	void *h = dlopen(LIBSSL_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(why, sizeof why, "cannot load %s: %s", LIBSSL_SONAME, dlerror());
		return why;
	}
	/* dlsym on libssl's handle also finds libcrypto, its dependency */
#define LOAD(f) \
	if (!(*(void **)&p_##f = dlsym(h, #f))) { \
		snprintf(why, sizeof why, "%s lacks %s", LIBSSL_SONAME, #f); \
		return why; \
	}
	OSSL_FUNCS(LOAD)
#undef LOAD
	state = 1;
	return NULL;
}

static ssize_t tls_io(struct conn *c, void *buf, size_t n, short *want, bool writing)
{
	SSL *ssl = c->tls;
	int len = n > 1 << 30 ? 1 << 30 : (int)n;
	P(ERR_clear_error)();
	int r = writing ? P(SSL_write)(ssl, buf, len) : P(SSL_read)(ssl, buf, len);
	if (r > 0)
		return r;
	switch (P(SSL_get_error)(ssl, r)) {
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
		if (P(ERR_peek_error)() == 0 && errno == 0)
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
	SSL_CTX *ctx = P(SSL_get_SSL_CTX)(ssl);
	P(SSL_free)(ssl);
	P(SSL_CTX_free)(ctx);
	c->tls = NULL;
}

static const struct conn_ops tls_ops = { tls_read, tls_write, tls_close };

static void name_text(X509_NAME *n, char *out, size_t size)
{
	BIO *b = P(BIO_new)(P(BIO_s_mem)());
	out[0] = '\0';
	if (!b)
		return;
	P(X509_NAME_print_ex)(b, n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
	int len = P(BIO_read)(b, out, (int)size - 1);
	out[len > 0 ? len : 0] = '\0';
	P(BIO_free)(b);
}

static time_t asn1_time(const ASN1_TIME *t)
{
	struct tm tm;
	if (!t || !P(ASN1_TIME_to_tm)(t, &tm))
		return 0;
	return timegm(&tm);
}

/* The chain again against the full default store (bundle file too), with
 * the same host name and purpose settings as the handshake. */
static long reverify_full_store(SSL *ssl, X509 *leaf)
{
	long code = P(SSL_get_verify_result)(ssl);
	X509_STORE *store = P(X509_STORE_new)();
	X509_STORE_CTX *sctx = P(X509_STORE_CTX_new)();
	if (store && sctx && P(X509_STORE_set_default_paths)(store) == 1 &&
	    P(X509_STORE_CTX_init)(sctx, store, leaf, P(SSL_get_peer_cert_chain)(ssl)) == 1) {
		P(X509_VERIFY_PARAM_set1)(P(X509_STORE_CTX_get0_param)(sctx), P(SSL_get0_param)(ssl));
		P(X509_STORE_CTX_set_default)(sctx, "ssl_server");
		code = P(X509_verify_cert)(sctx) == 1 ? X509_V_OK : P(X509_STORE_CTX_get_error)(sctx);
	}
	P(X509_STORE_CTX_free)(sctx);
	P(X509_STORE_free)(store);
	return code;
}

static void fill_peer(SSL *ssl, struct tls_peer *p, bool system_store)
{
	memset(p, 0, sizeof *p);
	X509 *cert = P(SSL_get1_peer_certificate)(ssl);
	p->verify_code = P(SSL_get_verify_result)(ssl);
	if (system_store && cert && (p->verify_code == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
	                             p->verify_code == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT))
		p->verify_code = reverify_full_store(ssl, cert);
	snprintf(p->verify_text, sizeof p->verify_text, "%s", P(X509_verify_cert_error_string)(p->verify_code));
	snprintf(p->version, sizeof p->version, "%s", P(SSL_get_version)(ssl));
	const char *cipher = P(SSL_CIPHER_get_name)(P(SSL_get_current_cipher)(ssl));
	snprintf(p->cipher, sizeof p->cipher, "%s", cipher ? cipher : "");
	if (!cert)
		return;
	p->have_cert = true;
	p->not_before = asn1_time(P(X509_get0_notBefore)(cert));
	p->not_after = asn1_time(P(X509_get0_notAfter)(cert));
	p->days_left = ((double)p->not_after - (double)time(NULL)) / 86400.0;
	name_text(P(X509_get_subject_name)(cert), p->subject, sizeof p->subject);
	name_text(P(X509_get_issuer_name)(cert), p->issuer, sizeof p->issuer);
	P(X509_free)(cert);
}

static void ssl_error_detail(struct conn *c, const char *what)
{
	unsigned long e = P(ERR_peek_last_error)();
	char text[200];
	if (e)
		P(ERR_error_string_n)(e, text, sizeof text);
	else
		snprintf(text, sizeof text, "%s", errno ? strerror(errno) : "the server closed the connection");
	snprintf(c->detail, sizeof c->detail, "%s: %s", what, text);
}

enum net_result tls_start(struct conn *c, const struct tls_opts *o, struct tls_peer *peer)
{
	const char *why = ossl_load();
	if (why) {
		snprintf(c->detail, sizeof c->detail, "%s", why);
		return NET_TLS_FAIL;
	}
	SSL_CTX *ctx = P(SSL_CTX_new)(P(TLS_client_method)());
	if (!ctx) {
		ssl_error_detail(c, "TLS setup");
		return NET_TLS_FAIL;
	}
	P(SSL_CTX_ctrl)(ctx, SSL_CTRL_SET_MIN_PROTO_VERSION, o->min_version == 13 ? TLS1_3_VERSION : TLS1_2_VERSION, NULL);
	if (o->ca_file) {
		if (P(SSL_CTX_load_verify_locations)(ctx, o->ca_file, NULL) != 1) {
			ssl_error_detail(c, "cannot load the CA file");
			P(SSL_CTX_free)(ctx);
			return NET_TLS_FAIL;
		}
	} else {
		/* The hashed directory is searched per issuer; the bundle file of
		 * the default paths is parsed whole (~150 certificates, 20 ms), so
		 * it is read only when the directory cannot settle it (reverify). */
		const char *dir = P(X509_get_default_cert_dir)();
		if (!dir || P(SSL_CTX_load_verify_dir)(ctx, dir) != 1)
			P(SSL_CTX_set_default_verify_paths)(ctx);
	}
	if (o->cert_file && (P(SSL_CTX_use_certificate_chain_file)(ctx, o->cert_file) != 1 ||
	                     P(SSL_CTX_use_PrivateKey_file)(ctx, o->key_file ? o->key_file : o->cert_file,
	                                                 SSL_FILETYPE_PEM) != 1)) {
		ssl_error_detail(c, "cannot load the client certificate");
		P(SSL_CTX_free)(ctx);
		return NET_TLS_FAIL;
	}
	/* The handshake itself never aborts on trust: the verdict is read
	 * afterwards, so a check can still report an untrusted certificate's
	 * dates; nothing is sent before the verdict is known. */
	P(SSL_CTX_set_verify)(ctx, SSL_VERIFY_NONE, NULL);
	SSL *ssl = P(SSL_new)(ctx);
	if (!ssl) {
		ssl_error_detail(c, "TLS setup");
		P(SSL_CTX_free)(ctx);
		return NET_TLS_FAIL;
	}
	if (o->sni && *o->sni && !strchr(o->sni, ':') && !(o->sni[0] >= '0' && o->sni[0] <= '9' &&
	                                                     strspn(o->sni, "0123456789.") == strlen(o->sni)))
		P(SSL_ctrl)(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, (void *)o->sni);
	if (o->verify_name && *o->verify_name) {
		X509_VERIFY_PARAM *vp = P(SSL_get0_param)(ssl);
		if (P(X509_VERIFY_PARAM_set1_ip_asc)(vp, o->verify_name) != 1)
			P(SSL_set1_host)(ssl, o->verify_name);
	}
	P(SSL_set_fd)(ssl, c->fd);
	c->tls = ssl;
	c->ops = &tls_ops;
	/* bytes already buffered in plain text belong to the old layer */
	c->rpos = c->rlen = 0;

	for (;;) {
		P(ERR_clear_error)();
		errno = 0;
		int r = P(SSL_connect)(ssl);
		if (r == 1)
			break;
		int e = P(SSL_get_error)(ssl, r);
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
