#!/usr/bin/env bash
# Runs kine-bench with the same workloads against, in one session:
#   real etcd 3.4 (Debian's etcd-server, durable defaults),
#   `k3s kine` on SQLite, and `k3s kine` on PostgreSQL 15 (fsync on),
# each started here on loopback in a temporary directory, and prints a markdown table.
#
# Usage: bench/kine/run.sh [build-dir] [extra kine-bench flags...]
#   K3S=/path/to/k3s and KINE_BENCH=/path/to/kine-bench override the build-dir defaults.
set -euo pipefail
BUILD=${1:-build}
shift || true
K3S=${K3S:-$BUILD/cmd/k3s/k3s}
KINE_BENCH=${KINE_BENCH:-$BUILD/bench/kine/kine-bench}
BENCH_FLAGS=("$@")
[ ${#BENCH_FLAGS[@]} -eq 0 ] && BENCH_FLAGS=(--concurrency 16 --total 20000 --watchers 1000 --watch-streams 50 --watch-events 100 --watch-rate 10)
for tool in "$K3S" "$KINE_BENCH" /usr/bin/etcd /usr/lib/postgresql/15/bin/postgres; do
  [ -x "$tool" ] || { echo "run.sh: $tool is missing (build, or scripts/deps.sh test)" >&2; exit 1; }
done

WORK=$(mktemp -d /tmp/kine-bench.XXXXXX)
chmod 755 "$WORK"
PIDS=()
cleanup() {
  # postgres runs under runuser, which does not pass SIGTERM on: stop it by its data dir.
  if [ -f "$WORK/pg/data/postmaster.pid" ]; then
    as_pg "$PG_BIN/pg_ctl" stop -D "$WORK/pg/data" -m fast >/dev/null 2>&1 || true
  fi
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  # A run whose results hold errors keeps its logs (servers' and kine-bench's stderr).
  if grep -qs 'errors=[1-9]' "$WORK/results"; then
    echo "run.sh: some requests failed; logs kept in $WORK" >&2
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_etcd_api() {  # endpoint, log
  for _ in $(seq 1 200); do
    ETCDCTL_API=3 etcdctl --endpoints="$1" endpoint health >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "run.sh: $1 did not come up; log:" >&2; tail -n 20 "$2" >&2; exit 1
}

# --- etcd 3.4
ETCD_PORT=$(free_port); ETCD_PEER=$(free_port)
etcd --name bench --data-dir "$WORK/etcd" \
  --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls "http://127.0.0.1:$ETCD_PEER" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER" \
  --initial-cluster "bench=http://127.0.0.1:$ETCD_PEER" >"$WORK/etcd.log" 2>&1 &
PIDS+=($!)
wait_etcd_api "127.0.0.1:$ETCD_PORT" "$WORK/etcd.log"

# --- k3s kine on SQLite
SQLITE_PORT=$(free_port)
"$K3S" kine --endpoint "sqlite://$WORK/sqlite/state.db" --listen-address "127.0.0.1:$SQLITE_PORT" \
  >"$WORK/kine-sqlite.log" 2>&1 &
PIDS+=($!)
wait_etcd_api "127.0.0.1:$SQLITE_PORT" "$WORK/kine-sqlite.log"

# --- PostgreSQL 15 (durable: fsync and synchronous_commit at their defaults) and k3s kine on it
PG_BIN=/usr/lib/postgresql/15/bin
PG_PORT=$(free_port)
PG_USER=""; [ "$(id -u)" -eq 0 ] && PG_USER=postgres
as_pg() { if [ -n "$PG_USER" ]; then runuser -u "$PG_USER" -- "$@"; else "$@"; fi; }
mkdir -p "$WORK/pg"; [ -n "$PG_USER" ] && chown "$PG_USER" "$WORK/pg"
as_pg "$PG_BIN/initdb" -D "$WORK/pg/data" -U postgres --auth=trust -E UTF8 >"$WORK/initdb.log" 2>&1
as_pg "$PG_BIN/postgres" -D "$WORK/pg/data" -p "$PG_PORT" -k "$WORK/pg" -c listen_addresses=127.0.0.1 \
  -c max_connections=200 >"$WORK/postgres.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 200); do
  "$PG_BIN/pg_ctl" status -D "$WORK/pg/data" >/dev/null 2>&1 && \
    as_pg psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -c 'select 1' >/dev/null 2>&1 && break
  sleep 0.2
done
PG_KINE_PORT=$(free_port)
"$K3S" kine --endpoint "postgres://postgres@127.0.0.1:$PG_PORT/kine?sslmode=disable" \
  --listen-address "127.0.0.1:$PG_KINE_PORT" >"$WORK/kine-postgres.log" 2>&1 &
PIDS+=($!)
wait_etcd_api "127.0.0.1:$PG_KINE_PORT" "$WORK/kine-postgres.log"

echo "kine-bench ${BENCH_FLAGS[*]}" >&2
RESULTS="$WORK/results"
for target in "etcd-3.4=127.0.0.1:$ETCD_PORT" "kine-sqlite=127.0.0.1:$SQLITE_PORT" "kine-postgres=127.0.0.1:$PG_KINE_PORT"; do
  label=${target%%=*}; endpoint=${target#*=}
  echo "== $label ($endpoint)" >&2
  "$KINE_BENCH" --endpoint "$endpoint" --label "$label" "${BENCH_FLAGS[@]}" 2>"$WORK/bench-$label.err" | grep '^RESULT' | tee -a "$RESULTS" >&2 || true
done

python3 - "$RESULTS" <<'PY'
import sys, collections
rows = collections.OrderedDict()
labels = []
for line in open(sys.argv[1]):
    fields = dict(kv.split("=", 1) for kv in line.split()[1:])
    label, workload = fields["label"], fields["workload"]
    if label not in labels: labels.append(label)
    rows.setdefault(workload, {})[label] = fields
print("| workload | " + " | ".join(f"{l} ops/s (p50 / p99 ms)" for l in labels) + " |")
print("|---|" + "---:|" * len(labels))
for workload, by_label in rows.items():
    cells = []
    for l in labels:
        f = by_label.get(l)
        if not f: cells.append("-"); continue
        err = f" ({f['errors']} errors)" if f["errors"] != "0" else ""
        cells.append(f"{float(f['ops_per_sec']):.0f} ({float(f['p50_ms']):.2f} / {float(f['p99_ms']):.2f}){err}")
    print(f"| {workload} | " + " | ".join(cells) + " |")
PY
