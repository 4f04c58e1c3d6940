/* The self-signed certificate made at first start, and PEM file reading. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "core/error.h"
#include "core/rand.h"
#include "core/tls_cert.h"
#include "core/xalloc.h"

#define TLS_CERT_DAYS 3652
/* valid from an hour ago, for clients whose clocks run a little late */
#define TLS_CERT_SKEW 3600
#define TLS_CN_MAX 64
#define TLS_HOSTNAME_MAX 253

/* The first queued OpenSSL error, for error_r; clears the queue. */
static const char *tls_openssl_error(const char *what)
{
	char buf[256];
	unsigned long code = ERR_get_error();

	ERR_error_string_n(code, buf, sizeof(buf));
	ERR_clear_error();
	return err_fmt("%s: %s", what, code != 0 ? buf : "unknown OpenSSL error");
}

static bool tls_is_ip(const char *host)
{
	unsigned char addr[16];

	return inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1;
}

/* A DNS name (wildcards allowed) or an IP address literal. */
static bool tls_hostname_valid(const char *host)
{
	size_t len = strlen(host);

	if (len == 0 || len > TLS_HOSTNAME_MAX)
		return false;
	if (tls_is_ip(host))
		return true;
	for (size_t i = 0; i < len; i++) {
		char c = host[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '*'))
			return false;
	}
	return true;
}

static void tls_san_add_dns(GENERAL_NAMES *gens, const char *name)
{
	GENERAL_NAME *gen = GENERAL_NAME_new();
	ASN1_IA5STRING *ia5 = ASN1_IA5STRING_new();

	ASN1_STRING_set(ia5, name, (int)strlen(name));
	GENERAL_NAME_set0_value(gen, GEN_DNS, ia5);
	sk_GENERAL_NAME_push(gens, gen);
}

/* Adds the IP literal ip; returns false if ip is not one. */
static bool tls_san_add_ip(GENERAL_NAMES *gens, const char *ip)
{
	unsigned char addr[16];
	int len = 16;
	GENERAL_NAME *gen;
	ASN1_OCTET_STRING *os;

	if (inet_pton(AF_INET, ip, addr) == 1)
		len = 4;
	else if (inet_pton(AF_INET6, ip, addr) != 1)
		return false;
	gen = GENERAL_NAME_new();
	os = ASN1_OCTET_STRING_new();
	ASN1_OCTET_STRING_set(os, addr, len);
	GENERAL_NAME_set0_value(gen, GEN_IPADD, os);
	sk_GENERAL_NAME_push(gens, gen);
	return true;
}

/* SAN = hostname, localhost, 127.0.0.1, ::1 (hostname once, as an IP
 * address if it is one). */
static int tls_cert_add_san(X509 *x, const char *hostname)
{
	GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
	bool loopback = strcmp(hostname, "localhost") == 0 ||
		strcmp(hostname, "127.0.0.1") == 0 || strcmp(hostname, "::1") == 0;
	int ret;

	if (!loopback && !tls_san_add_ip(gens, hostname))
		tls_san_add_dns(gens, hostname);
	tls_san_add_dns(gens, "localhost");
	tls_san_add_ip(gens, "127.0.0.1");
	tls_san_add_ip(gens, "::1");
	ret = X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0, X509V3_ADD_DEFAULT);
	GENERAL_NAMES_free(gens);
	return ret == 1 ? 0 : -1;
}

static int tls_cert_add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int ret;

	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)) == NULL)
		return -1;
	ret = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ret == 1 ? 0 : -1;
}

static int tls_cert_set_serial(X509 *x)
{
	unsigned char raw[16];
	BIGNUM *bn;
	int ret;

	rand_bytes(raw, sizeof(raw));
	raw[0] &= 0x7f;
	raw[0] |= 0x40;
	bn = BN_bin2bn(raw, sizeof(raw), NULL);
	ret = bn != NULL && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL ? 0 : -1;
	BN_free(bn);
	return ret;
}

static int tls_cert_set_names(X509 *x, const char *hostname)
{
	X509_NAME *name = X509_get_subject_name(x);
	const char *cn = strlen(hostname) <= TLS_CN_MAX ? hostname : "localhost";

	if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
				       (const unsigned char *)cn, -1, -1, 0) != 1)
		return -1;
	return X509_set_issuer_name(x, name) == 1 ? 0 : -1;
}

static X509 *tls_cert_build(EVP_PKEY *pkey, const char *hostname)
{
	X509 *x = X509_new();

	if (x == NULL || X509_set_version(x, X509_VERSION_3) != 1 ||
	    tls_cert_set_serial(x) < 0 ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -TLS_CERT_SKEW) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(x), TLS_CERT_DAYS, 0, NULL) == NULL ||
	    X509_set_pubkey(x, pkey) != 1 ||
	    tls_cert_set_names(x, hostname) < 0 ||
	    tls_cert_add_san(x, hostname) < 0 ||
	    tls_cert_add_ext(x, NID_basic_constraints, "critical,CA:FALSE") < 0 ||
	    tls_cert_add_ext(x, NID_key_usage, "critical,digitalSignature") < 0 ||
	    tls_cert_add_ext(x, NID_ext_key_usage, "serverAuth") < 0 ||
	    tls_cert_add_ext(x, NID_subject_key_identifier, "hash") < 0 ||
	    X509_sign(x, pkey, EVP_sha256()) <= 0) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static int tls_pem_write_key(FILE *f, void *obj)
{
	return PEM_write_PrivateKey(f, obj, NULL, NULL, 0, NULL, NULL) == 1 ? 0 : -1;
}

static int tls_pem_write_cert(FILE *f, void *obj)
{
	return PEM_write_X509(f, obj) == 1 ? 0 : -1;
}

/* Makes the rename that published path durable. */
static void tls_fsync_parent(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash == NULL ? xstrdup(".") :
		xstrndup(path, slash == path ? 1 : (size_t)(slash - path));
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(dir);
}

/* Writes through a temporary file created with mode, then renames it
 * into place, so that path is either the old file or the whole new one. */
static int tls_file_write(const char *path, mode_t mode,
			  int (*write_pem)(FILE *f, void *obj), void *obj,
			  const char **error_r)
{
	char *tmp = xasprintf("%s.tmp.XXXXXX", path);
	int fd = mkstemp(tmp);
	FILE *f = NULL;
	int ret = -1;

	if (fd < 0) {
		*error_r = err_fmt("cannot create %s: %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	if (fchmod(fd, mode) < 0 || (f = fdopen(fd, "w")) == NULL) {
		*error_r = err_fmt("cannot write %s: %s", tmp, strerror(errno));
		close(fd);
	} else if (write_pem(f, obj) < 0 || fflush(f) != 0 || fsync(fileno(f)) < 0) {
		*error_r = err_fmt("cannot write %s: %s", tmp,
				   errno != 0 ? strerror(errno) : "PEM encoding failed");
		fclose(f);
	} else if (fclose(f) != 0 || rename(tmp, path) < 0) {
		*error_r = err_fmt("cannot write %s: %s", path, strerror(errno));
	} else {
		ret = 0;
		tls_fsync_parent(path);
	}
	if (ret < 0)
		unlink(tmp);
	free(tmp);
	return ret;
}

static int tls_cert_generate(const char *cert_path, const char *key_path,
			     const char *hostname, const char **error_r)
{
	EVP_PKEY *pkey = EVP_EC_gen("P-256");
	X509 *x;
	int ret;

	if (pkey == NULL) {
		*error_r = tls_openssl_error("cannot generate an EC key");
		return -1;
	}
	if ((x = tls_cert_build(pkey, hostname)) == NULL) {
		*error_r = tls_openssl_error("cannot build the certificate");
		EVP_PKEY_free(pkey);
		return -1;
	}
	errno = 0;
	ret = tls_file_write(key_path, 0600, tls_pem_write_key, pkey, error_r);
	if (ret == 0) {
		errno = 0;
		ret = tls_file_write(cert_path, 0644, tls_pem_write_cert, x, error_r);
	}
	X509_free(x);
	EVP_PKEY_free(pkey);
	return ret;
}

int tls_cert_ensure_self_signed(const char *cert_path, const char *key_path,
				const char *hostname, int *generated_r,
				const char **error_r)
{
	struct stat st;

	*generated_r = 0;
	if (stat(cert_path, &st) == 0 && stat(key_path, &st) == 0)
		return 0;
	if (!tls_hostname_valid(hostname)) {
		*error_r = err_fmt("hostname %.100s cannot be put in a certificate", hostname);
		return -1;
	}
	if (tls_cert_generate(cert_path, key_path, hostname, error_r) < 0)
		return -1;
	*generated_r = 1;
	return 0;
}

/* Reads at most max_size + 1 bytes, so that a file grown past its
 * fstat() size is still caught. */
static char *file_read_fd(int fd, const char *path, size_t max_size, size_t hint,
			  size_t *len_r, const char **error_r)
{
	size_t cap = (hint < max_size ? hint : max_size) + 1, len = 0;
	char *buf = xmalloc(cap + 1);

	for (;;) {
		ssize_t n = read(fd, buf + len, cap - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*error_r = err_fmt("cannot read %s: %s", path, strerror(errno));
			free(buf);
			return NULL;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max_size) {
			*error_r = err_fmt("%s is larger than %zu bytes", path, max_size);
			free(buf);
			return NULL;
		}
		if (len == cap) {
			cap = cap * 2 < max_size + 1 ? cap * 2 : max_size + 1;
			buf = xrealloc(buf, cap + 1);
		}
	}
	buf[len] = '\0';
	*len_r = len;
	return buf;
}

char *file_read_all(const char *path, size_t max_size, size_t *len_r, const char **error_r)
{
	struct stat st;
	size_t len;
	char *buf;
	int fd;

	/* keeps max_size + 1 and the doubling in file_read_fd() from
	 * overflowing */
	if (max_size > SIZE_MAX / 4)
		max_size = SIZE_MAX / 4;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		*error_r = err_fmt("cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		*error_r = err_fmt("%s is not a regular file", path);
		close(fd);
		return NULL;
	}
	if ((uint64_t)st.st_size > max_size) {
		*error_r = err_fmt("%s is larger than %zu bytes", path, max_size);
		close(fd);
		return NULL;
	}
	buf = file_read_fd(fd, path, max_size, (size_t)st.st_size, &len, error_r);
	close(fd);
	if (buf != NULL && len_r != NULL)
		*len_r = len;
	return buf;
}
