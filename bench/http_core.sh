#!/bin/bash
# HTTP core benchmark: a release ternd on loopback, wrk with keep-alive
# against POST /jmap/ with Core/echo and Mailbox/get, and ternd's idle RSS
# before and after the load. Prints a small table.
#
#   bench/http_core.sh [SECONDS] [CONNECTIONS] [THREADS]
#
# Aims (issue 2): idle RSS <= 15 MB; Core/echo >= 20,000 requests/s on a
# 2-core machine. wrk and ternd share the machine's cores.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
. scripts/deps.sh

DURATION=${1:-10}
CONNECTIONS=${2:-50}
THREADS=${3:-2}

tern_need_packages "${TERN_BUILD_PACKAGES[@]}" wrk curl
if [ ! -f build-release/build.ninja ]; then
	tern_meson_setup build-release --buildtype=release >/dev/null
fi
ninja -C build-release ternd >/dev/null

WORK=$(mktemp -d /tmp/tern-bench.XXXXXX)
PID=
cleanup() {
	if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
		kill -TERM "$PID"
		wait "$PID" || true
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
ADMIN_PW=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
cat >"$WORK/ternd.conf" <<CONF
server = {
  hostname = "bench.test";
  listener = { http = { bind = [ "127.0.0.1:$PORT" ]; protocol = "http"; }; };
};
storage = { path = "$WORK/data"; };
log = { level = "warn"; file = "$WORK/ternd.log"; };
authentication = { fallback-admin = { user = "admin"; secret = "$ADMIN_PW"; }; };
security = { auth-ban = { failures = 1000000; }; };
CONF

build-release/ternd --config "$WORK/ternd.conf" >"$WORK/stdout" 2>"$WORK/stderr" &
PID=$!
for _ in $(seq 200); do
	curl -s -o /dev/null "http://127.0.0.1:$PORT/.well-known/jmap" && break
	kill -0 "$PID" 2>/dev/null || { cat "$WORK/stderr" >&2; exit 1; }
	sleep 0.05
done

rss_mb() { awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$PID/status"; }
sleep 1
RSS_IDLE=$(rss_mb)

api() { # api METHOD PATH [BODY]
	curl -sf -u "admin:$ADMIN_PW" -X "$1" -H 'Content-Type: application/json' \
		${3:+--data "$3"} "http://127.0.0.1:$PORT/api$2"
}
api POST /principal '{"type":"domain","name":"bench.test"}' >/dev/null
USER_PW=bench-password-1
PRINCIPAL=$(api POST /principal "{\"type\":\"individual\",\"name\":\"bench\",\"secrets\":[\"$USER_PW\"],\"emails\":[\"bench@bench.test\"]}")
ACCOUNT=$(printf '%s' "$PRINCIPAL" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["accountId"])')
export TERN_BENCH_AUTH
TERN_BENCH_AUTH=$(printf 'bench:%s' "$USER_PW" | base64 -w0)

ECHO='{"using":["urn:ietf:params:jmap:core"],"methodCalls":[["Core/echo",{"hello":true,"n":42},"0"]]}'
GET='{"using":["urn:ietf:params:jmap:core","urn:ietf:params:jmap:mail"],"methodCalls":[["Mailbox/get",{"accountId":"'$ACCOUNT'","ids":null},"0"]]}'

# Check that each body gets a real answer before timing it.
for body in "$ECHO" "$GET"; do
	out=$(curl -sf -H "Authorization: Basic $TERN_BENCH_AUTH" -H 'Content-Type: application/json' \
		--data "$body" "http://127.0.0.1:$PORT/jmap/")
	case $out in
	*'"error"'*|'') echo "bench: bad answer: $out" >&2; exit 1 ;;
	esac
done

# run NAME BODY: wrk, then one table row from its output.
run() {
	local out
	out=$(TERN_BENCH_BODY=$2 wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency \
		-s bench/jmap.lua "http://127.0.0.1:$PORT/jmap/")
	printf '%s\n' "$out" >"$WORK/wrk-${1//\//-}.txt"
	printf '%s\n' "$out" | awk -v name="$1" '
		/^ +Latency / && !avg { avg = $2; max = $4 }
		/^ +50%/ { p50 = $2 } /^ +90%/ { p90 = $2 } /^ +99%/ { p99 = $2 }
		/^Requests\/sec:/ { rps = $2 }
		/Non-2xx or 3xx responses:/ { bad = $NF }
		/Socket errors:/ { errs = $0; sub(/^ *Socket errors: */, "", errs) }
		END {
			printf "%-12s %12s %9s %9s %9s %9s %9s %8s %s\n", name, rps, avg, p50, p90, p99, max,
				bad ? bad : 0, errs ? "(socket errors: " errs ")" : ""
		}'
}

echo "ternd $(git rev-parse --short HEAD 2>/dev/null || echo '?') on $(nproc) cores," \
	"wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s, keep-alive, POST /jmap/ with Basic auth"
printf '%-12s %12s %9s %9s %9s %9s %9s %8s\n' test "requests/s" avg p50 p90 p99 max non-2xx
run Core/echo "$ECHO"
run Mailbox/get "$GET"
sleep 2
RSS_AFTER=$(rss_mb)
echo
echo "idle RSS after start: $RSS_IDLE MB (aim <= 15 MB)"
echo "idle RSS after load:  $RSS_AFTER MB"
echo "aim: Core/echo >= 20,000 requests/s"

kill -TERM "$PID"
RC=0
wait "$PID" || RC=$?
PID=
[ "$RC" -eq 0 ] || { echo "bench: ternd exited with $RC" >&2; exit 1; }
