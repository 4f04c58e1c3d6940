# Shared by the benchmarks: build a release ternd, start it on a fresh
# data directory on loopback, talk to its admin API, read its RSS, stop
# it. Source it from bash after `cd` to the repository root; it sources
# scripts/deps.sh.
#
# After bench_start: BENCH_WORK (temporary directory, removed at exit),
# BENCH_PID, BENCH_PORT, BENCH_URL, BENCH_ADMIN_PW.

. scripts/deps.sh

# bench_build [EXTRA_PACKAGES...]: the packages, then build-release/ternd.
bench_build() {
	tern_need_packages "${TERN_BUILD_PACKAGES[@]}" curl "$@"
	if [ ! -f build-release/build.ninja ]; then
		tern_meson_setup build-release --buildtype=release >/dev/null
	fi
	ninja -C build-release ternd >/dev/null
}

bench_cleanup() {
	if [ -n "${BENCH_PID:-}" ] && kill -0 "$BENCH_PID" 2>/dev/null; then
		kill -TERM "$BENCH_PID"
		wait "$BENCH_PID" || true
	fi
	if [ -n "${BENCH_WORK:-}" ]; then
		rm -rf "$BENCH_WORK"
	fi
}

bench_free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# bench_start [EXTRA_CONFIG]: a release ternd with log level warn; extra
# libconfig text is appended to its configuration. BENCH_LISTENERS (more
# listener groups) and BENCH_SERVER_EXTRA (more settings of the server
# group) are put in when set.
bench_start() {
	BENCH_WORK=$(mktemp -d /tmp/tern-bench.XXXXXX)
	trap bench_cleanup EXIT
	BENCH_PORT=$(bench_free_port)
	BENCH_URL="http://127.0.0.1:$BENCH_PORT"
	BENCH_ADMIN_PW=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
	cat >"$BENCH_WORK/ternd.conf" <<CONF
server = {
  hostname = "bench.test";
  listener = {
    http = { bind = [ "127.0.0.1:$BENCH_PORT" ]; protocol = "http"; };
${BENCH_LISTENERS:-}
  };
${BENCH_SERVER_EXTRA:-}
};
storage = { path = "$BENCH_WORK/data"; };
log = { level = "warn"; file = "$BENCH_WORK/ternd.log"; };
authentication = { fallback-admin = { user = "admin"; secret = "$BENCH_ADMIN_PW"; }; };
security = { auth-ban = { failures = 1000000; }; };
${1:-}
CONF
	build-release/ternd --config "$BENCH_WORK/ternd.conf" >"$BENCH_WORK/stdout" 2>"$BENCH_WORK/stderr" &
	BENCH_PID=$!
	for _ in $(seq 200); do
		curl -s -o /dev/null "$BENCH_URL/.well-known/jmap" && return 0
		kill -0 "$BENCH_PID" 2>/dev/null || { cat "$BENCH_WORK/stderr" >&2; exit 1; }
		sleep 0.05
	done
	echo "bench: ternd did not start listening" >&2
	exit 1
}

# bench_rss_mb [FIELD]: VmRSS (or VmHWM, the peak) of ternd in MB.
bench_rss_mb() {
	awk -v f="^${1:-VmRSS}:" '$0 ~ f { printf "%.1f", $2 / 1024 }' "/proc/$BENCH_PID/status"
}

# bench_cpu_s: CPU seconds (user + system) ternd has used so far.
bench_cpu_s() {
	awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$BENCH_PID/stat"
}

# bench_api METHOD PATH [BODY]: the admin REST API.
bench_api() {
	curl -sf -u "admin:$BENCH_ADMIN_PW" -X "$1" -H 'Content-Type: application/json' \
		${3:+--data "$3"} "$BENCH_URL/api$2"
}

# bench_user NAME PASSWORD: a domain bench.test (once) and a user
# NAME@bench.test; prints its accountId.
bench_user() {
	bench_api POST /principal '{"type":"domain","name":"bench.test"}' >/dev/null || true
	local body
	body=$(printf '{"type":"individual","name":"%s","secrets":["%s"],"emails":["%s@bench.test"]}' \
		"$1" "$2" "$1")
	bench_api POST /principal "$body" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["accountId"])'
}

# bench_stop: SIGTERM; fails if ternd does not exit 0.
bench_stop() {
	local rc=0
	kill -TERM "$BENCH_PID"
	wait "$BENCH_PID" || rc=$?
	BENCH_PID=
	[ "$rc" -eq 0 ] || { echo "bench: ternd exited with $rc" >&2; return 1; }
}
