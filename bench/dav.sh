#!/bin/bash
# DAV benchmark: ternd, Radicale 3 (Debian's radicale) and Xandikos
# (Debian's xandikos) side by side on loopback, the same client workload
# against each in the same run
# (bench/dav_client.py): a calendar made by MKCALENDAR and an address
# book made by extended MKCOL, COUNT events and COUNT cards PUT into them
# one by one, then PROPFIND Depth 1, sync-collection full and incremental,
# a time-range calendar-query matching about a tenth of the events, a
# multiget of 100 items (every COUNT/100th) and a GET; the server's CPU time per PUT is
# read from /proc. Prints, for each operation, ternd's figure, then
# Radicale's and Xandikos's, each with its ratio (how many times faster
# ternd is, or how many times less CPU it spends), then the RSS of each
# server at the end.
#
#   bench/dav.sh [COUNT]
#
# COUNT defaults to 2000. Radicale runs from its own configuration in the
# work directory: storage there, htpasswd authentication with a plain
# password file, no TLS, its default fsync on. Xandikos runs with its data
# (a git repository per collection) in the work directory and has no
# authentication of its own: it ignores the client's Basic credentials;
# --autocreate makes its principal and homes, and the client makes the
# collections with the same MKCALENDAR and MKCOL as on the others; it
# logs every request to its stderr, as it does by default. Aims (issue 6): PUT rate
# >= 50x Radicale's, full sync-collection of 2,000 <= 20 ms, PROPFIND
# >= 10x Radicale's.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
. bench/lib.sh

COUNT=${1:-2000}
USER_NAME=bench
PASSWORD=bench-password-1

COMMIT=$(git describe --always --dirty 2>/dev/null || echo '?')
bench_build radicale xandikos

RADICALE_PID=
XANDIKOS_PID=
dav_cleanup() {
	local pid
	for pid in "$RADICALE_PID" "$XANDIKOS_PID"; do
		if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
			kill -TERM "$pid"
			wait "$pid" || true
		fi
	done
	bench_cleanup
}

# dav_wait_listening PID PORT NAME STDERR_FILE
dav_wait_listening() {
	for _ in $(seq 200); do
		curl -s -o /dev/null "http://127.0.0.1:$2/" && return 0
		kill -0 "$1" 2>/dev/null || { cat "$4" >&2; exit 1; }
		sleep 0.05
	done
	echo "bench: $3 did not start listening" >&2
	exit 1
}

radicale_start() {
	local dir=$BENCH_WORK/radicale
	RADICALE_PORT=$(bench_free_port)
	mkdir -p "$dir/collections"
	printf '%s:%s\n' "$USER_NAME" "$PASSWORD" >"$dir/users"
	cat >"$dir/config" <<CONF
[server]
hosts = 127.0.0.1:$RADICALE_PORT
[auth]
type = htpasswd
htpasswd_filename = $dir/users
htpasswd_encryption = plain
[rights]
type = owner_only
[storage]
filesystem_folder = $dir/collections
[web]
type = none
[logging]
level = warning
CONF
	/usr/bin/python3 -m radicale --config "$dir/config" 2>"$dir/stderr" &
	RADICALE_PID=$!
	dav_wait_listening "$RADICALE_PID" "$RADICALE_PORT" radicale "$dir/stderr"
}

# Xandikos serves the principal /$USER_NAME/ with its homes
# calendars/ and contacts/ under it.
xandikos_start() {
	local dir=$BENCH_WORK/xandikos
	XANDIKOS_PORT=$(bench_free_port)
	mkdir -p "$dir"
	xandikos -d "$dir/data" --autocreate --current-user-principal "/$USER_NAME/" \
		-l 127.0.0.1 -p "$XANDIKOS_PORT" >"$dir/stdout" 2>"$dir/stderr" &
	XANDIKOS_PID=$!
	dav_wait_listening "$XANDIKOS_PID" "$XANDIKOS_PORT" xandikos "$dir/stderr"
}

# rss_mb PID [FIELD]: VmRSS (or VmHWM, the peak) of a process in MB.
rss_mb() {
	awk -v f="^${2:-VmRSS}:" '$0 ~ f { printf "%.1f", $2 / 1024 }' "/proc/$1/status"
}

bench_start
trap dav_cleanup EXIT
bench_user "$USER_NAME" "$PASSWORD" >/dev/null
radicale_start
xandikos_start

echo "running the workload against ternd, Radicale, then Xandikos" \
	"($COUNT events, $COUNT cards)" >&2
python3 bench/dav_client.py run "$BENCH_URL" "$USER_NAME" "$PASSWORD" \
	"/dav/cal/$USER_NAME/" "/dav/card/$USER_NAME/" "$COUNT" "$BENCH_PID" >"$BENCH_WORK/ternd.json"
python3 bench/dav_client.py run "http://127.0.0.1:$RADICALE_PORT" "$USER_NAME" "$PASSWORD" \
	"/$USER_NAME/" "/$USER_NAME/" "$COUNT" "$RADICALE_PID" >"$BENCH_WORK/radicale.json"
python3 bench/dav_client.py run "http://127.0.0.1:$XANDIKOS_PORT" "$USER_NAME" "$PASSWORD" \
	"/$USER_NAME/calendars/" "/$USER_NAME/contacts/" "$COUNT" "$XANDIKOS_PID" \
	>"$BENCH_WORK/xandikos.json"

echo
echo "DAV benchmark: ternd $COMMIT," \
	"Radicale $(/usr/bin/python3 -c 'import radicale; print(radicale.VERSION)')" \
	"and Xandikos $(dpkg-query -W -f '${Version}' xandikos) on $(nproc) cores," \
	"$COUNT events and $COUNT cards"
python3 bench/dav_client.py table "$BENCH_WORK/ternd.json" \
	"Radicale=$BENCH_WORK/radicale.json" "Xandikos=$BENCH_WORK/xandikos.json"
echo "RSS at the end: ternd $(bench_rss_mb) MB (peak $(bench_rss_mb VmHWM) MB)," \
	"Radicale $(rss_mb "$RADICALE_PID") MB (peak $(rss_mb "$RADICALE_PID" VmHWM) MB)," \
	"Xandikos $(rss_mb "$XANDIKOS_PID") MB (peak $(rss_mb "$XANDIKOS_PID" VmHWM) MB)"
echo "aims: PUT >= 50x Radicale's; full sync-collection of 2,000 <= 20 ms;" \
	"PROPFIND >= 10x Radicale's"

bench_stop
