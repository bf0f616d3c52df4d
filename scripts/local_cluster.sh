#!/usr/bin/env bash
# A three-node cluster of `synapsed serve --cluster` on loopback, for trying
# the replicated mode and the `distributed` backend (examples/distributed):
# three partitions, each replicated on all three nodes, client ports PORT,
# PORT+1, PORT+2 (Raft ports from PORT+100).
#
#   scripts/local_cluster.sh start SYNAPSED_BINARY DIR [PORT]   (PORT: 7001)
#   scripts/local_cluster.sh stop DIR
#
# `start` writes DIR/cluster.json, starts the nodes (their replicas in
# DIR/nodeN, their output in DIR/nodeN.log, their PIDs in DIR/pids), waits
# until every partition has a leader (at most 30 s), and prints the first
# node's address. `stop` sends SIGTERM to every PID in DIR/pids and waits.
set -euo pipefail

usage() {
  echo "usage: $0 start SYNAPSED_BINARY DIR [PORT] | stop DIR" >&2
  exit 2
}

stop() {
  local dir="$1"
  [[ -f "$dir/pids" ]] || return 0
  local pids
  pids="$(cat "$dir/pids")"
  # shellcheck disable=SC2086  # one PID per word
  kill $pids 2>/dev/null || true
  for pid in $pids; do
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  rm -f "$dir/pids"
}

[[ $# -ge 2 ]] || usage
case "$1" in
  stop)
    stop "$2"
    ;;
  start)
    [[ $# -ge 3 ]] || usage
    bin="$2"
    dir="$3"
    port="${4:-7001}"
    mkdir -p "$dir"
    nodes=()
    for i in 0 1 2; do
      nodes+=(--node "127.0.0.1:$((port + i)):$((port + 100 + 10 * i))")
    done
    "$bin" cluster init "${nodes[@]}" --partitions 3 --replication-factor 3 \
      --min-replicas 2 --out "$dir/cluster.json" > /dev/null
    : > "$dir/pids"
    for n in 1 2 3; do
      "$bin" serve --cluster "$dir/cluster.json" --node-id "$n" --dir "$dir/node$n" \
        > "$dir/node$n.log" 2>&1 &
      echo $! >> "$dir/pids"
    done
    for _ in $(seq 150); do
      if "$bin" cluster status --cluster "$dir/cluster.json" > "$dir/status.txt" 2>&1; then
        echo "127.0.0.1:$port"
        exit 0
      fi
      sleep 0.2
    done
    echo "local_cluster: the cluster in $dir did not elect every leader within 30 s:" >&2
    cat "$dir/status.txt" "$dir"/node*.log >&2
    stop "$dir"
    exit 1
    ;;
  *)
    usage
    ;;
esac
