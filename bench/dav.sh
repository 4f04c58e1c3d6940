#!/bin/bash
# DAV benchmark: ternd and Radicale 3 (Debian's radicale) side by side on
# loopback, the same client workload against each in the same run
# (bench/dav_client.py): a calendar made by MKCALENDAR and an address
# book made by extended MKCOL, COUNT events and COUNT cards PUT into them
# one by one, then PROPFIND Depth 1, sync-collection full and incremental,
# a time-range calendar-query matching about a tenth of the events, a
# multiget of 100 items (every COUNT/100th) and a GET; the server's CPU time per PUT is
# read from /proc. Prints, for each operation, ternd's figure, Radicale's
# and the ratio (how many times faster ternd is, or how many times less
# CPU it spends), then the RSS of each server at the end.
#
#   bench/dav.sh [COUNT]
#
# COUNT defaults to 2000. Radicale runs from its own configuration in the
# work directory: storage there, htpasswd authentication with a plain
# password file, no TLS, its default fsync on. Aims (issue 6): PUT rate
# >= 50x Radicale's, full sync-collection of 2,000 <= 20 ms, PROPFIND
# >= 10x Radicale's.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
. bench/lib.sh

COUNT=${1:-2000}
USER_NAME=bench
PASSWORD=bench-password-1

COMMIT=$(git describe --always --dirty 2>/dev/null || echo '?')
bench_build radicale

RADICALE_PID=
radicale_cleanup() {
	if [ -n "$RADICALE_PID" ] && kill -0 "$RADICALE_PID" 2>/dev/null; then
		kill -TERM "$RADICALE_PID"
		wait "$RADICALE_PID" || true
	fi
	bench_cleanup
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
	for _ in $(seq 200); do
		curl -s -o /dev/null "http://127.0.0.1:$RADICALE_PORT/" && return 0
		kill -0 "$RADICALE_PID" 2>/dev/null || { cat "$dir/stderr" >&2; exit 1; }
		sleep 0.05
	done
	echo "bench: radicale did not start listening" >&2
	exit 1
}

# rss_mb PID [FIELD]: VmRSS (or VmHWM, the peak) of a process in MB.
rss_mb() {
	awk -v f="^${2:-VmRSS}:" '$0 ~ f { printf "%.1f", $2 / 1024 }' "/proc/$1/status"
}

bench_start
trap radicale_cleanup EXIT
bench_user "$USER_NAME" "$PASSWORD" >/dev/null
radicale_start

echo "running the workload against ternd, then Radicale ($COUNT events, $COUNT cards)" >&2
python3 bench/dav_client.py run "$BENCH_URL" "$USER_NAME" "$PASSWORD" \
	"/dav/cal/$USER_NAME/" "/dav/card/$USER_NAME/" "$COUNT" "$BENCH_PID" >"$BENCH_WORK/ternd.json"
python3 bench/dav_client.py run "http://127.0.0.1:$RADICALE_PORT" "$USER_NAME" "$PASSWORD" \
	"/$USER_NAME/" "/$USER_NAME/" "$COUNT" "$RADICALE_PID" >"$BENCH_WORK/radicale.json"

echo
echo "DAV benchmark: ternd $COMMIT" \
	"and Radicale $(/usr/bin/python3 -c 'import radicale; print(radicale.VERSION)') on $(nproc) cores," \
	"$COUNT events and $COUNT cards"
python3 bench/dav_client.py table "$BENCH_WORK/ternd.json" "$BENCH_WORK/radicale.json"
echo "RSS at the end: ternd $(bench_rss_mb) MB (peak $(bench_rss_mb VmHWM) MB)," \
	"Radicale $(rss_mb "$RADICALE_PID") MB (peak $(rss_mb "$RADICALE_PID" VmHWM) MB)"
echo "aims: PUT >= 50x Radicale's; full sync-collection of 2,000 <= 20 ms;" \
	"PROPFIND >= 10x Radicale's"

bench_stop
