#ifndef TERN_TLS_CERT_H
#define TERN_TLS_CERT_H

/* Makes sure a certificate and key exist at the given paths: if either is
 * missing, writes a new self-signed certificate for hostname (ECDSA P-256,
 * SAN = hostname, localhost, 127.0.0.1, ::1, valid 10 years), key file
 * mode 0600. Returns 0 (and *generated_r 1 if it wrote them), or -1. */
int tls_cert_ensure_self_signed(const char *cert_path, const char *key_path,
				const char *hostname, int *generated_r,
				const char **error_r);

/* Reads a whole (PEM) file into a caller-owned NUL-terminated buffer;
 * NULL with error_r on failure. Files over max_size are refused. */
char *file_read_all(const char *path, size_t max_size, size_t *len_r, const char **error_r);

#endif
