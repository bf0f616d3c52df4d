#!/bin/bash
# redis-benchmark against redis-server (appendonly yes, everysec) and
# synapsed serve (native, --sync everysec), same machine, one after the other.
# Usage: scripts/redis_bench.sh SYNAPSED_BINARY OUT_DIR
# (docs/performance.md, "redis-benchmark": the table there comes from the
# CSV files this leaves in OUT_DIR). Run it on a quiet machine; ports 6390
# and 6391 on 127.0.0.1 must be free. Every process is bounded by timeout.
set -u
BIN=$1; OUT=$2
mkdir -p "$OUT"; rm -rf "$OUT"/redis-data "$OUT"/syn-data; mkdir -p "$OUT"/redis-data
run_bench() {  # name port
  for P in 1 16; do
    timeout 600 redis-benchmark -h 127.0.0.1 -p "$2" -t set,get,incr,mset -n 200000 -c 50 -P $P --csv \
      > "$OUT/$1-P$P.csv" 2>"$OUT/$1-P$P.err"
  done
}
timeout 1800 redis-server --port 6390 --bind 127.0.0.1 --dir "$OUT"/redis-data --appendonly yes \
  --appendfsync everysec --save "" --daemonize no > "$OUT"/redis.log 2>&1 &
RPID=$!
for i in $(seq 50); do redis-cli -p 6390 ping >/dev/null 2>&1 && break; sleep 0.1; done
run_bench redis 6390
kill $RPID; wait $RPID 2>/dev/null
timeout 1800 "$BIN" serve --dir "$OUT"/syn-data --listen 127.0.0.1:6391 --sync everysec > "$OUT"/syn.log 2>&1 &
SPID=$!
for i in $(seq 100); do redis-cli -p 6391 ping >/dev/null 2>&1 && break; sleep 0.1; done
run_bench synapsed 6391
kill $SPID; wait $SPID 2>/dev/null
for f in "$OUT"/*.csv; do echo "== $f"; cat "$f"; done
