#!/bin/bash
# JMAP Mail benchmark: a release ternd on loopback, a synthetic corpus
# (bench/gen_corpus.py: 2-20 KB messages, threads of replies, some
# multipart with attachments) imported into one account through the JMAP
# API, then the latency of an Inbox page and of a full-text query, and
# ternd's RSS. Prints a table.
#
#   bench/jmap_mail.sh [COUNT] [WORKERS] [BATCH]
#
# COUNT messages (default 100000) go in by requests of BATCH (default
# 200), each a Blob/upload of inline data (RFC 9404) and an Email/import
# of "#b<i>" in the same request, from WORKERS (default 2) client
# processes. The corpus is generated once and kept in $TERN_BENCH_CACHE
# (default /tmp) for the next run.
#
# Aims (issue 3), on a 2-core machine shared by ternd and the clients:
# import >= 2,000 messages/s; page p50 <= 5 ms; full-text p50 <= 20 ms.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
. bench/lib.sh

COUNT=${1:-100000}
WORKERS=${2:-2}
BATCH=${3:-200}
RUNS=${TERN_BENCH_RUNS:-200}
WORDS=${TERN_BENCH_WORDS:-meeting,budget,invoice,workshop,roadmap}
CACHE=${TERN_BENCH_CACHE:-/tmp}
CORPUS=$CACHE/tern-mail-corpus-$COUNT-v1.bin

bench_build
if [ ! -s "$CORPUS" ]; then
	echo "generating $COUNT messages into $CORPUS" >&2
	python3 bench/gen_corpus.py "$COUNT" "$CORPUS.tmp"
	mv "$CORPUS.tmp" "$CORPUS"
fi

bench_start
export TERN_BENCH_URL=$BENCH_URL TERN_BENCH_USER=bench TERN_BENCH_PASSWORD=bench-password-1
ACCOUNT=$(bench_user bench "$TERN_BENCH_PASSWORD")
RSS_START=$(bench_rss_mb)

CPU_START=$(bench_cpu_s)
IMPORT=$(python3 bench/jmap_mail_client.py import "$CORPUS" "$COUNT" --workers "$WORKERS" \
	--batch "$BATCH" | tail -n 1)
CPU_IMPORT=$(awk -v a="$CPU_START" -v b="$(bench_cpu_s)" 'BEGIN { printf "%.1f", b - a }')
RSS_IMPORT=$(bench_rss_mb)
LATENCY=$(python3 bench/jmap_mail_client.py latency --runs "$RUNS" --words "$WORDS" | tail -n 1)
RSS_END=$(bench_rss_mb)
RSS_PEAK=$(bench_rss_mb VmHWM)
DISK=$(du -sm "$BENCH_WORK/data" | cut -f1)

echo "ternd $(git rev-parse --short HEAD 2>/dev/null || echo '?') on $(nproc) cores," \
	"account $ACCOUNT, $COUNT messages ($(du -m "$CORPUS" | cut -f1) MB)," \
	"$WORKERS import clients, $BATCH messages per request"
python3 - "$IMPORT" "$LATENCY" "$CPU_IMPORT" <<'PY'
import json, sys
imp, lat, cpu = json.loads(sys.argv[1]), json.loads(sys.argv[2]), float(sys.argv[3])
print(f"{'test':<34} {'result':>14} {'p50 ms':>8} {'p99 ms':>8} {'mean ms':>8}")
print(f"{'Email/import (Blob/upload inline)':<34} {imp['rate']:>9.0f} msg/s "
      f"{'':>8} {'':>8} {'':>8}   ({imp['imported']} in {imp['seconds']:.1f} s; ternd used "
      f"{cpu:.1f} CPU s, {1000 * cpu / max(imp['imported'], 1):.2f} ms per message)")
for key, name in (("page", "Inbox page: query + get of 50"),
                  ("fulltext", "full-text query, limit 50")):
    r = lat[key]
    print(f"{name:<34} {'':>14} {r['p50']:>8.2f} {r['p99']:>8.2f} {r['mean']:>8.2f}")
print("full-text words and their matches: "
      + ", ".join(f"{w} {n}" for w, n in lat["matches"].items()))
PY
echo "ternd RSS: $RSS_START MB at start, $RSS_IMPORT MB after the import," \
	"$RSS_END MB after the queries, $RSS_PEAK MB peak; data directory $DISK MB"
echo "aims: import >= 2,000 messages/s; page p50 <= 5 ms; full-text p50 <= 20 ms"

bench_stop
