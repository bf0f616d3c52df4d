#!/usr/bin/env bash
# The native engine against LevelDB and RocksDB in one go, ending in one
# report (Markdown, ready for docs/performance.md): ops/s per workload and
# engine, native ÷ the better peer, p99 latencies, write amplification,
# fillsync against what the device allows for synced writes
# (`synapsed disk-limit`), the same for two threads, and each performance
# target marked met or not met (a workload's target holds when native's
# median ratio is ≥ 1.5x, its p99 no higher than the best peer's and, for
# readwhilewriting, its writer's puts/s no lower than either peer's).
#
#   scripts/bench.sh
#
# Builds nothing: build first with `ninja -C build/ci-release synapsed`.
# Environment (defaults in brackets):
#   SYNAPSED    the binary [build/ci-release/synapsed, from the repository root]
#   BENCH_DIR   work directory: databases, each run's output and JSON, the
#               report [/tmp/synapsed_bench_sh-$UID]; its db/ is removed at
#               the end
#   ROUNDS      rounds of every bench run (`bench --repeat`) [1]; with more
#               than 1, ops/s and p99 are medians over the rounds and each
#               ratio is the median of the rounds' ratios (lowest–highest)
#   NUM         --num of the main and 2-thread fillrandom runs [1000000]
#   SYNC_NUM    --num of the fillsync runs; fillsync writes num/1000 keys
#               [20000000]
#   DISK_COUNT  synced writes per `disk-limit` measurement [20000]
#   SCALE_NUM   keys of the second scale point [20000000], much more than
#               the 64 MiB block cache: one fillrandom, then readrandom,
#               seekrandom and multireadrandom with --use_direct_reads
#               (native and RocksDB read with O_DIRECT; LevelDB has no such
#               option and reads through the page cache); 0 skips it
#   SCALE_READS --reads of those read workloads [100000]
# NUM=20000 SYNC_NUM=200000 DISK_COUNT=500 SCALE_NUM=100000 SCALE_READS=1000
# runs in about a minute, to try the script; only the defaults measure the
# targets.
#
# Needs python3 (scripts/setup.sh installs it) to read the JSON reports.
# Exit status: 0 when every run finished (whether or not the targets are
# met), 1 when a run failed or wrote no report.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
SYNAPSED=${SYNAPSED:-build/ci-release/synapsed}
[[ "$SYNAPSED" == /* ]] || SYNAPSED="$root/$SYNAPSED"
BENCH_DIR=${BENCH_DIR:-/tmp/synapsed_bench_sh-$UID}
ROUNDS=${ROUNDS:-1}
NUM=${NUM:-1000000}
SYNC_NUM=${SYNC_NUM:-20000000}
DISK_COUNT=${DISK_COUNT:-20000}
SCALE_NUM=${SCALE_NUM:-20000000}
SCALE_READS=${SCALE_READS:-100000}

die() { echo "bench.sh: $*" >&2; exit 1; }
[[ -x "$SYNAPSED" ]] ||
  die "no synapsed binary at $SYNAPSED (build it: ninja -C build/ci-release synapsed, or set SYNAPSED)"
command -v python3 >/dev/null || die "python3 is missing (scripts/setup.sh installs it)"
for v in ROUNDS NUM SYNC_NUM DISK_COUNT; do
  [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer (got '${!v}')"
done

# Only these are removed: a BENCH_DIR holding other files keeps them.
db="$BENCH_DIR/db"; disk="$BENCH_DIR/disk"; out="$BENCH_DIR/out"
rm -rf "$db" "$disk" "$out"
mkdir -p "$db" "$disk" "$out"
[[ "$(stat -c %d "$db")" == "$(stat -c %d "$disk")" ]] ||
  die "$db and $disk are on different file systems"

# The machine and the state it is in, before anything runs.
cpu_model=$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//' || true)
os=$(sed -n 's/^PRETTY_NAME="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' /etc/os-release 2>/dev/null || true)
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
changed=$({ git -C "$root" status --porcelain --untracked-files=no 2>/dev/null || true; } | wc -l)
[[ "$changed" -eq 0 ]] || commit="$commit + uncommitted changes in $changed tracked files"
fs=$(df -PT "$db" | awk 'NR == 2 { print $2 " (" $1 ", mounted on " $7 ")" }')
start_date=$(date -u '+%Y-%m-%d %H:%M:%S UTC')
start_load=$(cut -d' ' -f1-3 /proc/loadavg)
{
  echo "- Date: $start_date"
  echo "- Machine: $(nproc) CPUs, ${cpu_model:-unknown model}; $(uname -sr)${os:+; $os}"
  echo "- Commit: $commit"
  echo "- Binary: $SYNAPSED"
  echo "- File system of $BENCH_DIR: $fs"
  echo "- Load average at the start: $start_load"
} > "$out/header.md"
echo "== scripts/bench.sh"
cat "$out/header.md"
echo

# run NAME CMD...: runs CMD with its output in $out/NAME.txt and the command
# line in $out/commands.txt. A failed run stops the script unless it still
# wrote its JSON report (a failed engine or workload shows as missing).
failed=0
run() {
  local name=$1; shift
  local cmd="" arg
  for arg in "$@"; do  # shell-quoted only where needed, to paste as is
    if [[ "$arg" =~ ^[A-Za-z0-9_./=,:+@%-]+$ ]]; then
      cmd+="$arg "
    else
      cmd+="$(printf '%q' "$arg") "
    fi
  done
  cmd=${cmd% }
  echo "$cmd" >> "$out/commands.txt"
  echo "[$(date -u +%H:%M:%S)] $name: $cmd"
  local t0=$SECONDS rc=0
  "$@" > "$out/$name.txt" 2>&1 || rc=$?
  if [[ $rc -ne 0 ]]; then
    echo "bench.sh: $name exited with $rc; the end of its output ($out/$name.txt):" >&2
    tail -n 20 "$out/$name.txt" >&2
    [[ -s "$out/$name.json" ]] || die "$name wrote no report"
    failed=1
  fi
  echo "           done in $((SECONDS - t0)) s"
}

engines=native,leveldb,rocksdb
flags=(--engine="$engines" --compression_type=lz4 --bloom_bits=10 --cache_size=67108864
       --write_buffer_size=4194304 --repeat="$ROUNDS" --db="$db")
run main "$SYNAPSED" bench "${flags[@]}" \
  --benchmarks=fillseq,fillrandom,overwrite,readrandom,readseq,seekrandom,multireadrandom,readwhilewriting \
  --num="$NUM" --json="$out/main.json"
# The device's synced-write rate drifts by ±15% over minutes, so it is
# measured right before and right after the 1-thread fillsync, and fillsync is
# held against the mean of the two.
run disk_limit_before "$SYNAPSED" disk-limit --dir "$disk" --count "$DISK_COUNT" \
  --json "$out/disk_limit_before.json"
run fillsync "$SYNAPSED" bench "${flags[@]}" --benchmarks=fillsync --num="$SYNC_NUM" \
  --json="$out/fillsync.json"
run disk_limit "$SYNAPSED" disk-limit --dir "$disk" --count "$DISK_COUNT" \
  --json "$out/disk_limit.json"
run fillrandom_t2 "$SYNAPSED" bench "${flags[@]}" --benchmarks=fillrandom --threads=2 \
  --num="$NUM" --json="$out/fillrandom_t2.json"
run fillsync_t2 "$SYNAPSED" bench "${flags[@]}" --benchmarks=fillsync --threads=2 \
  --num="$SYNC_NUM" --json="$out/fillsync_t2.json"
if [[ "$SCALE_NUM" -gt 0 ]]; then
  scale_flags=("${flags[@]/--repeat=*/--repeat=1}")
  run scale_fill "$SYNAPSED" bench "${scale_flags[@]}" --benchmarks=fillrandom \
    --num="$SCALE_NUM" --json="$out/scale_fill.json"
  run scale_reads "$SYNAPSED" bench "${flags[@]}" --use_existing_db --use_direct_reads \
    --benchmarks=readrandom,seekrandom,multireadrandom --num="$SCALE_NUM" \
    --reads="$SCALE_READS" --json="$out/scale_reads.json"
fi
rm -rf "$db" "$disk"

end_date=$(date -u '+%H:%M:%S UTC')
echo "- Load average at the end ($end_date): $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/header.md"

python3 - "$out" "$ROUNDS" > "$out/report.md" <<'PY'
import json
import os
import statistics
import sys

out, rounds = sys.argv[1], int(sys.argv[2])
PEERS = ["leveldb", "rocksdb"]
ENGINES = ["native"] + PEERS
TARGET_RATIO = 1.5      # native ÷ the better peer, each workload below
TARGET_WORKLOADS = ["fillseq", "fillrandom", "overwrite", "readrandom", "readseq",
                    "seekrandom", "multireadrandom", "readwhilewriting"]
TARGET_DISK = 0.90      # fillsync ÷ preallocated overwrite
AMP_WORKLOADS = ["fillrandom", "overwrite"]


def load(name):
    """The rounds of a bench report: {(workload, engine): [result per round]}."""
    path = os.path.join(out, name + ".json")
    if not os.path.exists(path):
        return None, []
    with open(path) as f:
        j = json.load(f)
    reports = j["rounds"] if "rounds" in j else [j]  # RoundsJson when --repeat > 1
    per_round = []
    for report in reports:
        by_key = {}
        for r in report["results"]:
            if r.get("ok"):
                by_key[(r["workload"], r["engine"])] = r
        per_round.append(by_key)
    return reports[0]["flags"], per_round


def median(values):
    return statistics.median(values) if values else None


def field(per_round, workload, engine, key):
    """The median over the rounds of a result's field (None: never reported)."""
    return median([rd[(workload, engine)][key] for rd in per_round
                   if (workload, engine) in rd and key in rd[(workload, engine)]])


def ops(v):
    return "failed" if v is None else f"{v:,.0f}"


def us(v):
    return "-" if v is None else f"{v:,.1f}"


def spread(values, fmt):
    """Median, with lowest–highest when there are several rounds."""
    if not values:
        return "-"
    text = fmt.format(median(values))
    if len(values) > 1:
        text += " (" + fmt.format(min(values)) + "–" + fmt.format(max(values)) + ")"
    return text


def peer_ratio(per_round, workload):
    """Per round, native ÷ the faster peer of that round; and the peer with the
    higher median ops/s (named in the table, its p99 shown)."""
    ratios = []
    for rd in per_round:
        native = rd.get((workload, "native"))
        peers = [rd[(workload, p)]["ops_per_sec"] for p in PEERS if (workload, p) in rd]
        if native and peers and max(peers) > 0:
            ratios.append(native["ops_per_sec"] / max(peers))
    medians = {p: field(per_round, workload, p, "ops_per_sec") for p in PEERS}
    medians = {p: v for p, v in medians.items() if v is not None}
    best = max(medians, key=medians.get) if medians else None
    return ratios, best


targets = []  # (met, text)


def workload_target(per_round, workload, ratios, best):
    """Whether native met a workload's target, and the text saying why: the
    median ratio ≥ 1.5x, native's p99 no higher than the best peer's, and for
    readwhilewriting, its writer no slower than either peer's."""
    ratio_met = bool(ratios) and median(ratios) >= TARGET_RATIO
    text = (f"{workload}: native ≥ 1.5x the better peer ("
            + (f"{median(ratios):.2f}x" if ratios else "no data")
            + (f", rounds {min(ratios):.2f}x–{max(ratios):.2f}x" if len(ratios) > 1 else ""))
    native_p99 = field(per_round, workload, "native", "p99_us")
    peer_p99 = field(per_round, workload, best, "p99_us") if best else None
    p99_met = native_p99 is not None and peer_p99 is not None and native_p99 <= peer_p99
    text += f"; p99 {us(native_p99)} µs against {best or 'no peer'}'s {us(peer_p99)} µs"
    met = ratio_met and p99_met
    if workload == "readwhilewriting":
        writers = {e: field(per_round, workload, e, "writer_ops_per_sec") for e in ENGINES}
        peers = [writers[p] for p in PEERS if writers[p] is not None]
        writer_met = writers["native"] is not None and bool(peers) and \
            writers["native"] >= max(peers)
        text += "; writer puts/s " + ", ".join(f"{e} {ops(writers[e])}" for e in ENGINES)
        met = met and writer_met
    return met, text + ")"


def workload_table(title, runs, with_targets):
    print(f"### {title}\n")
    print("| workload | native ops/s | leveldb ops/s | rocksdb ops/s | best peer "
          "| native ÷ best peer | p99 µs native / best peer |"
          + (" target ≥ 1.5x |" if with_targets else ""))
    print("|---|---:|---:|---:|---|---:|---:|" + ("---|" if with_targets else ""))
    for per_round, workload in runs:
        cells = [ops(field(per_round, workload, e, "ops_per_sec")) for e in ENGINES]
        ratios, best = peer_ratio(per_round, workload)
        p99 = (us(field(per_round, workload, "native", "p99_us")) + " / " +
               (us(field(per_round, workload, best, "p99_us")) if best else "-"))
        row = f"| {workload} | " + " | ".join(cells) + f" | {best or '-'} | " + \
              spread(ratios, "{:.2f}x") + f" | {p99} |"
        if with_targets and workload in TARGET_WORKLOADS:
            met, text = workload_target(per_round, workload, ratios, best)
            row += " met |" if met else " **not met** |"
            targets.append((met, text))
        elif with_targets:
            row += " - |"
        print(row)
    print()


flags, main = load("main")
_, sync1 = load("fillsync")
_, rand2 = load("fillrandom_t2")
_, sync2 = load("fillsync_t2")
# The device, measured before and after the 1-thread fillsync: each rate is
# the mean of the two measurements.
disks = []
for name in ("disk_limit_before", "disk_limit"):
    if os.path.exists(os.path.join(out, name + ".json")):
        with open(os.path.join(out, name + ".json")) as f:
            disks.append(json.load(f))
disk = None
if disks:
    disk = dict(disks[0])
    for key in ("preallocated_overwrite_ops_per_sec", "append_ops_per_sec"):
        disk[key] = sum(d[key] for d in disks) / len(disks)

print("## Native against LevelDB and RocksDB (scripts/bench.sh)\n")
with open(os.path.join(out, "header.md")) as f:
    print(f.read().rstrip())
print(f"- Rounds: {rounds}" + (" (ops/s and p99: medians of the rounds; ratios: median of "
                              "the rounds' ratios, lowest–highest in brackets)" if rounds > 1 else ""))
print("\n```")
with open(os.path.join(out, "commands.txt")) as f:
    print(f.read().rstrip())
print("```\n")
print("Best peer: the peer with the higher ops/s (median over the rounds); native ÷ best "
      "peer divides by the faster peer of each round. multireadrandom counts keys "
      f"(batches of {flags['batch_size'] if flags else '?'}); its p99 is per batch. "
      "readwhilewriting counts the readers' ops.\n")

workload_table("One thread", [(main, w) for w in TARGET_WORKLOADS] + [(sync1, "fillsync")], True)
workload_table("Two threads (`--threads=2`)", [(rand2, "fillrandom"), (sync2, "fillsync")], False)

scale_flags, scale = load("scale_reads")
_, scale_fill = load("scale_fill")
if scale:
    workload_table(f"{scale_flags['num']:,} keys, reads around the page cache "
                   "(`--use_direct_reads`)",
                   [(scale_fill, "fillrandom")] +
                   [(scale, w) for w in ("readrandom", "seekrandom", "multireadrandom")], False)
    print(f"One fillrandom of {scale_flags['num']:,} keys, then {scale_flags['reads']:,} reads "
          "per workload and round over the settled store, 64 MiB block cache. native and "
          "RocksDB read their tables with O_DIRECT (every block-cache miss goes to the "
          "device); LevelDB has no direct-read option, so its misses are served by the page "
          "cache, which holds its whole database on this machine.\n")

print("### Write amplification (bytes written to disk ÷ user bytes)\n")
print("| workload | native | leveldb | rocksdb | lower peer | target: native ≤ lower peer |")
print("|---|---:|---:|---:|---|---|")
for w in AMP_WORKLOADS:
    amps = {e: field(main, w, e, "write_amp") for e in ENGINES}
    peers = {p: amps[p] for p in PEERS if amps[p] is not None}
    low = min(peers, key=peers.get) if peers else None
    met = amps["native"] is not None and low is not None and amps["native"] <= peers[low]
    cells = ["-" if amps[e] is None else f"{amps[e]:.2f}" for e in ENGINES]
    print(f"| {w} | " + " | ".join(cells) + f" | {low or '-'} | " +
          ("met" if met else "**not met**") + " |")
    targets.append((met, f"{w}: write amplification ≤ the better peer's "
                         f"({cells[0]} against {low or 'no peer'} "
                         f"{'-' if low is None else format(peers[low], '.2f')})"))
print()

print("### fillsync against the device (`synapsed disk-limit`: pwrite + fdatasync of "
      f"{disk['size'] if disk else '?'} B, {disk['count'] if disk else '?'} times)\n")
if len(disks) == 2:
    print("The device measured right before and right after the 1-thread fillsync: "
          "preallocated overwrite " +
          " and ".join(ops(d["preallocated_overwrite_ops_per_sec"]) for d in disks) +
          " ops/s, append " + " and ".join(ops(d["append_ops_per_sec"]) for d in disks) +
          " ops/s; the table holds their means.\n")
print("| run | native fillsync ops/s | preallocated overwrite ops/s | native ÷ preallocated "
      "| append ops/s | native ÷ append |")
print("|---|---:|---:|---:|---:|---:|")
pre = disk["preallocated_overwrite_ops_per_sec"] if disk else None
app = disk["append_ops_per_sec"] if disk else None
disk_ratio = None
for label, per_round in (("1 thread", sync1), ("2 threads", sync2)):
    native = field(per_round, "fillsync", "native", "ops_per_sec")
    r_pre = native / pre if native and pre else None
    r_app = native / app if native and app else None
    if label == "1 thread":
        disk_ratio = r_pre
    print(f"| {label} | {ops(native)} | {ops(pre)} | " +
          ("-" if r_pre is None else f"{r_pre:.2f}") + f" | {ops(app)} | " +
          ("-" if r_app is None else f"{r_app:.2f}") + " |")
print()
targets.append((disk_ratio is not None and disk_ratio >= TARGET_DISK,
                "fillsync ≥ 90% of the preallocated-overwrite rate (" +
                ("no data" if disk_ratio is None else f"{disk_ratio:.0%}") + ")"))

print("### Targets\n")
for met, text in targets:
    print(f"- {'met' if met else '**not met**'}: {text}")
print(f"\n{sum(m for m, _ in targets)} of {len(targets)} targets met.")
PY

echo
cat "$out/report.md"
echo
echo "bench.sh: the report is in $out/report.md; each run's output and JSON are in $out/"
exit $failed
