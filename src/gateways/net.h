#ifndef TERN_NET_H
#define TERN_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/buffer.h>

/* The gateways' network layer: listeners from server.listener.* whose
 * protocol is a gateway one (imap, pop3, smtp), implicit TLS and
 * STARTTLS (OpenSSL), COMPRESS=DEFLATE, connection limits (total over
 * every gateway listener, and per client IP), idle timeouts. One
 * libevent loop per worker thread; a connection lives on one loop and
 * every protocol callback for it runs on that loop's thread, one at a
 * time. Protocols are state machines over net_conn_input(); what blocks
 * (jmap_invoke(), a password hash, DNS) they hand to the worker pool
 * with net_conn_offload(), so that a loop serves its other connections
 * meanwhile.
 *
 * Callbacks never nest: net_conn_* calls made inside a callback only
 * record what to do, and the connection is freed only after the
 * callback returns. Call net_conn_* only from inside a callback of that
 * connection; from any other thread or place, use a waker.
 *
 * Bounds: net does not limit how much unconsumed input a protocol
 * keeps in net_conn_input(); the protocol must (line length, literal
 * size), answering or closing past its limit. Reading pauses while the
 * output is full (see net_conn_output_full). */

struct config;
struct net;
struct net_conn;
struct net_waker;

struct net_protocol {
	const char *name;	/* the listener's protocol value: "imap" */
	void *context;		/* handed to open() */
	/* A connection was accepted (for implicit TLS: once the handshake
	 * finished). Returns the per-connection state (writes a greeting).
	 * Until the protocol calls net_conn_set_timeout(), a connection
	 * has a 60-second timeout. */
	void *(*open)(struct net_conn *conn, void *context);
	/* New bytes are in net_conn_input(). Consume what forms a whole
	 * unit; leave the rest for the next call. The buffer may end in
	 * the middle of a line or hold several lines; under COMPRESS one
	 * call brings at most 64 KiB of decoded bytes. Only new bytes
	 * cause a call: input left unconsumed while a command was
	 * suspended must be taken up by the protocol when it resumes. Not
	 * called after net_conn_close(), between net_conn_starttls() and
	 * the TLS handshake, while the output is full, nor while work is
	 * offloaded (net_conn_offload). */
	void (*input)(struct net_conn *conn, void *state);
	/* The output buffer drained to 256 KiB after
	 * net_conn_output_full() was true: a suspended command may go on.
	 * Reading resumes at the same time. May be NULL. */
	void (*drained)(struct net_conn *conn, void *state);
	/* net_waker_wake() was called from some thread. May be NULL. */
	void (*wake)(struct net_conn *conn, void *state);
	/* The idle timeout passed: write a goodbye if the protocol has one;
	 * the connection closes once it is sent. May be NULL. (A peer that
	 * reads nothing of pending output for the timeout is dropped
	 * without this call: nothing could reach it.) */
	void (*timeout)(struct net_conn *conn, void *state);
	/* The connection is going away (peer closed, error, timeout,
	 * server stop, net_conn_close() done): free state. Called exactly
	 * once for every connection whose open() was called, and never for
	 * one refused by a limit or whose TLS handshake failed. Output
	 * written here is dropped. */
	void (*close)(struct net_conn *conn, void *state);
};

/* Opens every gateway listener of cfg whose protocol is in protocols
 * (NULL-terminated; listeners of other gateway protocols are skipped
 * with a warning) and starts server.gateway.threads loops (0: one per
 * core) and server.gateway.workers pool threads (default 32). cert/key
 * are PEM paths (NULL when no listener needs TLS). Reads
 * server.gateway.max-connections (default 8192),
 * server.gateway.max-connections-per-ip (default 100) and
 * authentication.secure-networks. Returns 0, or -1 with *error_r naming
 * the listener that failed (e.g. port in use) or the bad setting. */
int net_start(const struct config *cfg, const char *cert_path, const char *key_path,
	      const struct net_protocol *const *protocols, struct net **net_r,
	      const char **error_r);
/* Stops accepting, closes every connection (close() called for each,
 * on its loop; output not yet sent is dropped), joins the loops and the
 * workers, frees. Offloaded work not yet started is cancelled, work
 * under way is waited for; either way its done() runs (gone) before
 * close(). Call it from a thread that is not one of the loops. */
void net_stop(struct net **net);

/* ---- a connection (call these only from its loop's thread) ---- */

/* Bytes received and not yet consumed (drain what you used). Owned by
 * conn; the same buffer for the connection's whole life (STARTTLS and
 * COMPRESS included). */
struct evbuffer *net_conn_input(struct net_conn *conn);
/* Queue bytes to send. Output is sent (compressed, encrypted) once the
 * callback returns. */
void net_conn_write(struct net_conn *conn, const void *data, size_t len);
void net_conn_printf(struct net_conn *conn, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The output buffer, for protocols that build replies in place. Owned
 * by conn, the same buffer for the connection's whole life. */
struct evbuffer *net_conn_output(struct net_conn *conn);
/* True once more than 1 MiB waits to be sent: a long reply (FETCH of
 * many bodies, RETR of a large message) should stop and go on in
 * drained(). A true answer also pauses reading until drained(). */
bool net_conn_output_full(struct net_conn *conn);

/* Closes once the queued output is sent; no more input() calls.
 * Output written after it in the same callback is still sent. */
void net_conn_close(struct net_conn *conn);
/* Idle timeout in seconds (0: none), restarted by every input; the
 * same timeout bounds a peer that stops reading pending output. */
void net_conn_set_timeout(struct net_conn *conn, unsigned seconds);

/* Starts a TLS server handshake once the queued output (the protocol's
 * "go ahead" reply) is sent. Input received before that is discarded
 * (RFC 3207 §4.2, RFC 9051 §6.2.1: no plaintext command injection):
 * net_conn_input() is emptied at once, so stop parsing and return.
 * Write nothing more until the next input(), which comes over TLS
 * (net_conn_is_tls() true). Returns 0, or -1 when TLS is unavailable,
 * already on or pending, or COMPRESS is on. */
int net_conn_starttls(struct net_conn *conn, const char **error_r);
/* Starts raw DEFLATE (RFC 1951, as RFC 4978 wants) in both directions
 * after the queued output is sent: what was written before the call
 * (the OK) goes uncompressed, what follows compressed. Input left
 * unconsumed in net_conn_input() is taken as compressed data, so drain
 * the command line first and stop parsing. -1 if already compressing
 * or a STARTTLS is pending. */
int net_conn_compress(struct net_conn *conn, const char **error_r);

bool net_conn_is_tls(const struct net_conn *conn);
bool net_conn_is_compressed(const struct net_conn *conn);
/* The peer comes from a loopback address (127.0.0.0/8, ::1). */
bool net_conn_is_loopback(const struct net_conn *conn);
/* The peer's address lies in authentication.secure-networks (read at
 * net_start; default 127.0.0.0/8 and ::1): a client network trusted
 * with passwords sent without TLS. */
bool net_conn_is_secure_network(const struct net_conn *conn);
/* True if TLS is configured for this listener (STARTTLS can be offered):
 * a certificate was given and the connection is not TLS yet. */
bool net_conn_can_starttls(const struct net_conn *conn);
/* The peer's address as text ("192.0.2.1", "2001:db8::1"); owned by
 * conn. And the local port it connected to. */
const char *net_conn_peer_ip(const struct net_conn *conn);
uint16_t net_conn_local_port(const struct net_conn *conn);
/* The listener's name (its group in server.listener) and a boolean
 * setting of it (e.g. "submission"), default when unset. */
const char *net_conn_listener(const struct net_conn *conn);
bool net_conn_listener_bool(const struct net_conn *conn, const char *key, bool def);

/* ---- blocking work off the loop ---- */

/* Runs on a pool thread. It may block; it must not call net_conn_*()
 * nor touch what the connection's loop may change: only arg, and what
 * the protocol leaves alone until done() (its session state, the
 * input). */
typedef void net_work_fn(void *arg);
/* Runs on the connection's loop thread once work returned, as a
 * callback of the connection: net_conn_*() may be called, and
 * net_conn_offload() again. gone: the connection is going away (the
 * peer reset it, it stalled, the server stops) and work may not have
 * run at all (cancelled by net_stop): release what arg holds and write
 * nothing; close() follows. */
typedef void net_done_fn(struct net_conn *conn, void *arg, bool gone);

/* Hands work(arg) to the worker pool; done(conn, arg, gone) is called
 * afterwards, exactly once. Call it from inside a callback of conn, at
 * most one at a time per connection (a second one aborts). Until done
 * runs, the protocol gets no other callback for conn: nothing more is
 * read from the peer (input already in net_conn_input() stays there
 * for done or later: only new bytes bring input()), the idle timeout is
 * suspended (it starts over when reading resumes), and a connection
 * that fails meanwhile is freed only after done. Output written before
 * or right after the call (in the same callback) is sent meanwhile. */
void net_conn_offload(struct net_conn *conn, net_work_fn *work, net_done_fn *done, void *arg);
/* True from net_conn_offload() until its done() is called. */
bool net_conn_is_offloaded(const struct net_conn *conn);

/* ---- waking a connection from another thread ---- */

/* A handle that outlives the connection, for bus callbacks: waking a
 * closed connection does nothing. The protocol takes it (refcount +1)
 * and releases it in close() at the latest. */
struct net_waker *net_conn_waker(struct net_conn *conn);
/* Thread-safe. Calls protocol->wake() on the connection's loop soon;
 * several wakes before it runs coalesce into one call. Never calls it
 * after close(). */
void net_waker_wake(struct net_waker *waker);
void net_waker_release(struct net_waker **waker);

#endif
