#!/bin/bash
# IMAP benchmark: ternd and Dovecot (Debian's dovecot-imapd) side by side
# on loopback, the same COUNT-message INBOX loaded into each by IMAP
# APPEND, then the same client workload against each in the same run
# (bench/imap_client.py): login, SELECT, FETCH 1:* (FLAGS UID), UID FETCH
# of 10 bodies, SEARCH TEXT, UID STORE, an IDLE round trip — operations/s
# for each and the ratio — and the memory each server spends per idle
# connection with IDLE_CONNS connections logged in, INBOX selected, in
# IDLE (ternd: RSS growth; Dovecot: growth of the summed PSS of all its
# processes, so shared pages count once).
#
#   bench/imap.sh [COUNT] [SECONDS] [WORKERS] [IDLE_CONNS]
#
# Defaults: 10000 messages, 10 s per operation, 4 client processes,
# 1000 idle connections. Aims (issue 4): Tern's throughput >= Dovecot's,
# memory per idle connection <= Dovecot's.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
. bench/lib.sh

COUNT=${1:-10000}
SECONDS_PER_OP=${2:-10}
WORKERS=${3:-4}
IDLE_CONNS=${4:-1000}
CACHE=${TERN_BENCH_CACHE:-/tmp}
CORPUS=$CACHE/tern-mail-corpus-$COUNT-v1.bin
USER_NAME=bench
PASSWORD=bench-password-1

bench_build dovecot-imapd
ulimit -n "$(ulimit -Hn)"
if [ ! -s "$CORPUS" ]; then
	echo "generating $COUNT messages into $CORPUS" >&2
	python3 bench/gen_corpus.py "$COUNT" "$CORPUS.tmp"
	mv "$CORPUS.tmp" "$CORPUS"
fi

# ---- Dovecot: a private instance in the work directory ----

DOVECOT_PID=
dovecot_cleanup() {
	if [ -n "$DOVECOT_PID" ] && kill -0 "$DOVECOT_PID" 2>/dev/null; then
		kill -TERM "$DOVECOT_PID"
		for _ in $(seq 100); do kill -0 "$DOVECOT_PID" 2>/dev/null || break; sleep 0.05; done
	fi
	bench_cleanup
}

# Dovecot refuses mail access as root: the mail belongs to a system user.
id tern-bench >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin tern-bench

dovecot_start() {
	local dir=$BENCH_WORK/dovecot
	DOVECOT_PORT=$(bench_free_port)
	mkdir -p "$dir/run" "$dir/state" "$dir/mail"
	chmod 755 "$BENCH_WORK" "$dir"
	chown tern-bench:tern-bench "$dir/mail"
	printf '%s:{PLAIN}%s\n' "$USER_NAME" "$PASSWORD" >"$dir/users"
	cat >"$dir/dovecot.conf" <<CONF
base_dir = $dir/run
state_dir = $dir/state
log_path = $dir/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:$dir/mail/%u
mail_uid = tern-bench
mail_gid = tern-bench
first_valid_uid = 1
mail_max_userip_connections = 100000
default_process_limit = $((IDLE_CONNS + 200))
default_client_limit = $((IDLE_CONNS * 2 + 400))
default_vsz_limit = 1G
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $dir/users
}
userdb {
  driver = static
  args = uid=tern-bench gid=tern-bench home=$dir/mail/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $DOVECOT_PORT
  }
  inet_listener imaps {
    port = 0
  }
  # high-performance mode: few login processes, many clients each
  service_count = 0
  process_min_avail = 2
}
service imap {
  process_limit = $((IDLE_CONNS + 200))
}
CONF
	dovecot -F -c "$dir/dovecot.conf" 2>"$dir/stderr" &
	DOVECOT_PID=$!
	for _ in $(seq 200); do
		python3 -c "import socket; socket.create_connection(('127.0.0.1', $DOVECOT_PORT), 1)" \
			2>/dev/null && return 0
		kill -0 "$DOVECOT_PID" 2>/dev/null || { cat "$dir/stderr" "$dir/dovecot.log" >&2; exit 1; }
		sleep 0.05
	done
	echo "bench: dovecot did not start listening" >&2
	exit 1
}

# The summed PSS (MB) of a process and all its descendants.
pss_tree_mb() {
	local queue=$1 all=$1 p kids
	while [ -n "$queue" ]; do
		read -r p queue <<<"$queue"
		kids=$(pgrep -P "$p" | tr '\n' ' ' || true)
		all="$all $kids"
		queue="$queue $kids"
		queue=$(echo $queue)
	done
	for p in $all; do
		awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null || true
	done | awk '{ s += $1 } END { printf "%.1f", s / 1024 }'
}

rss_mb() {
	awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"
}

# idle_kb PORT MEASURE: KB per idle connection, MEASURE printing MB.
idle_kb() {
	local port=$1 measure=$2 before after fifo=$BENCH_WORK/idle.fifo
	before=$($measure)
	rm -f "$fifo"
	mkfifo "$fifo"
	python3 bench/imap_client.py idle 127.0.0.1 "$port" "$USER_NAME" "$PASSWORD" \
		"$IDLE_CONNS" <"$fifo" >"$BENCH_WORK/idle.out" &
	local client=$!
	exec 9>"$fifo"
	for _ in $(seq 1200); do
		grep -q ready "$BENCH_WORK/idle.out" 2>/dev/null && break
		kill -0 "$client" 2>/dev/null || { echo "bench: idle client failed" >&2; exit 1; }
		sleep 0.1
	done
	sleep 1
	after=$($measure)
	exec 9>&-
	wait "$client" || true
	awk -v a="$after" -v b="$before" -v n="$IDLE_CONNS" 'BEGIN { printf "%.0f", (a - b) * 1024 / n }'
}

run_ops() {
	python3 bench/imap_client.py ops 127.0.0.1 "$1" "$USER_NAME" "$PASSWORD" \
		"$SECONDS_PER_OP" "$WORKERS" "$COUNT"
}

trap dovecot_cleanup EXIT
BENCH_SERVER_EXTRA='gateway = { max-connections-per-ip = 100000; };'
IMAP_PORT=$(bench_free_port)
BENCH_LISTENERS="imap = { bind = [ \"127.0.0.1:$IMAP_PORT\" ]; protocol = \"imap\"; };"
bench_start
trap dovecot_cleanup EXIT
bench_user "$USER_NAME" "$PASSWORD" >/dev/null
dovecot_start

echo "loading $COUNT messages (IMAP APPEND)" >&2
TERN_LOAD=$(python3 bench/imap_client.py load 127.0.0.1 "$IMAP_PORT" "$USER_NAME" "$PASSWORD" \
	"$CORPUS" "$COUNT")
DOVECOT_LOAD=$(python3 bench/imap_client.py load 127.0.0.1 "$DOVECOT_PORT" "$USER_NAME" \
	"$PASSWORD" "$CORPUS" "$COUNT")

echo "running the workload against ternd, then Dovecot" >&2
TERN_OPS=$(run_ops "$IMAP_PORT")
DOVECOT_OPS=$(run_ops "$DOVECOT_PORT")

echo "opening $IDLE_CONNS idle connections on each" >&2
TERN_IDLE=$(idle_kb "$IMAP_PORT" "rss_mb $BENCH_PID")
DOVECOT_IDLE=$(idle_kb "$DOVECOT_PORT" "pss_tree_mb $DOVECOT_PID")

echo
echo "IMAP benchmark: $COUNT messages, $WORKERS clients, ${SECONDS_PER_OP}s per operation"
echo "load: ternd $TERN_LOAD; dovecot $DOVECOT_LOAD"
printf '%-14s %12s %12s %8s\n' operation "ternd op/s" "dovecot op/s" ratio
join <(echo "$TERN_OPS" | sort) <(echo "$DOVECOT_OPS" | sort) |
	awk '{ printf "%-14s %12.1f %12.1f %8.2f\n", $1, $2, $3, ($3 > 0 ? $2 / $3 : 0) }'
printf '%-14s %12s %12s %8s\n' "idle KB/conn" "$TERN_IDLE" "$DOVECOT_IDLE" \
	"$(awk -v t="$TERN_IDLE" -v d="$DOVECOT_IDLE" 'BEGIN { printf "%.2f", (d > 0 ? t / d : 0) }')"
echo "ternd RSS at the end: $(rss_mb "$BENCH_PID") MB"
