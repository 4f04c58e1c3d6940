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
. bench/lib.sh

DURATION=${1:-10}
CONNECTIONS=${2:-50}
THREADS=${3:-2}

bench_build wrk
bench_start
sleep 1
RSS_IDLE=$(bench_rss_mb)

USER_PW=bench-password-1
ACCOUNT=$(bench_user bench "$USER_PW")
export TERN_BENCH_AUTH
TERN_BENCH_AUTH=$(printf 'bench:%s' "$USER_PW" | base64 -w0)

ECHO='{"using":["urn:ietf:params:jmap:core"],"methodCalls":[["Core/echo",{"hello":true,"n":42},"0"]]}'
GET='{"using":["urn:ietf:params:jmap:core","urn:ietf:params:jmap:mail"],"methodCalls":[["Mailbox/get",{"accountId":"'$ACCOUNT'","ids":null},"0"]]}'

# Check that each body gets a real answer before timing it.
for body in "$ECHO" "$GET"; do
	out=$(curl -sf -H "Authorization: Basic $TERN_BENCH_AUTH" -H 'Content-Type: application/json' \
		--data "$body" "$BENCH_URL/jmap/")
	case $out in
	*'"error"'*|'') echo "bench: bad answer: $out" >&2; exit 1 ;;
	esac
done

# run NAME BODY: wrk, then one table row from its output.
run() {
	local out
	out=$(TERN_BENCH_BODY=$2 wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency \
		-s bench/jmap.lua "$BENCH_URL/jmap/")
	printf '%s\n' "$out" >"$BENCH_WORK/wrk-${1//\//-}.txt"
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
RSS_AFTER=$(bench_rss_mb)
echo
echo "idle RSS after start: $RSS_IDLE MB (aim <= 15 MB)"
echo "idle RSS after load:  $RSS_AFTER MB"
echo "aim: Core/echo >= 20,000 requests/s"

bench_stop
