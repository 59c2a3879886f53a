#!/usr/bin/env bash
# Runs the standard performance scenarios of issue #5 against ltp-server and the plain echo baseline, on this host
# (loopback only, every run bounded), and writes docs/performance.md. Takes about 40 minutes here; --quick about 6.
#
#   ltp-bench/run-benchmarks.sh [--quick] [--skip-jmh]
#                               [--only echo,events,latency,handshake,scale,memory,soak,durable,storm,cluster,jakarta,sse,client,jmh]
#                               [--rounds N] [--out docs/performance.md]
#
# --only runs the named scenarios and writes its partial report to the work directory unless --out is given;
# --rounds sets the number of alternating echo rounds (5, or 1 with --quick).
#
# Servers and load generator share the machine; figures are ratios to the baseline measured in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."

QUICK=false; SKIP_JMH=false; OUT=; ONLY=; ROUNDS_WANTED=
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=true ;;
    --skip-jmh) SKIP_JMH=true ;;
    --only) ONLY="$2"; shift ;;
    --rounds) ROUNDS_WANTED="$2"; shift ;;
    --out) OUT="$2"; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

if $QUICK; then
  ROUNDS=1; EVENT_ROUNDS=1; HS_ROUNDS=1; LAT_ROUNDS=1; WARMUP=5s; DURATION=10s; HS_WARMUP=10s; SCALE_DURATION=30s; SOAK=20s; DURABLE_SECONDS=5
  DURABLE_PAIRS=1
  SCALE_SESSIONS=5000
else
  ROUNDS=5; EVENT_ROUNDS=3; HS_ROUNDS=5; LAT_ROUNDS=3; WARMUP=10s; DURATION=20s; HS_WARMUP=45s; SCALE_DURATION=120s; SOAK=60s; DURABLE_SECONDS=15
  # The host's speed drifts by a fifth within minutes here (the load generator's own CPU per message shows it):
  # the in-memory ratio is the median of seven pairs of phases on one server.
  DURABLE_PAIRS=7
  SCALE_SESSIONS=19000
fi

if [ -n "$ROUNDS_WANTED" ]; then ROUNDS=$ROUNDS_WANTED; fi

echo "Building ltp-bench..." >&2
mvn -B -q -pl ltp-bench -am install -DskipTests
JAR=ltp-bench/target/ltp-bench.jar
WORK=$(mktemp -d /tmp/ltp-bench.XXXXXX)
RESULTS=$WORK/results.jsonl
if [ -z "$OUT" ]; then
  if [ -n "$ONLY" ]; then OUT=$WORK/performance.md; else OUT=docs/performance.md; fi
fi
# want <scenario>: whether this run includes it.
want() { [ -z "$ONLY" ] || [[ ",$ONLY," == *",$1,"* ]]; }
SERVER_PID=

cleanup() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true; }
trap cleanup EXIT

# start_server <baseline|ltp|ltp-executor|jakarta> <port> [jvm options...]: starts a server, sets SERVER_PID, waits
# until it listens. ltp-executor: BenchServer with its handler on the application executor (a handler that may block).
start_server() {
  local kind=$1 port=$2; shift 2
  local main=io.liminal.ltp.bench.server.BenchServer
  local options=()
  [ "$kind" = baseline ] && main=io.liminal.ltp.bench.server.EchoServer
  [ "$kind" = jakarta ] && main=io.liminal.ltp.bench.server.JakartaBenchServer
  [ "$kind" = ltp-executor ] && options=(-Dltp.bench.handler=executor)
  java "$@" "${options[@]}" -cp "$JAR" "$main" "$port" > "$WORK/$kind-$port.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    grep -q "listening" "$WORK/$kind-$port.log" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "server $kind did not start" >&2; cat "$WORK/$kind-$port.log" >&2; exit 1
}

stop_server() { kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=; }

# load <label> <port> [load generator options...]
load() {
  local label=$1 port=$2; shift 2
  java -Xmx2g -cp "$JAR" io.liminal.ltp.bench.load.LoadGenerator --label "$label" \
      --url "ws://127.0.0.1:$port/" --server-pid "$SERVER_PID" --json "$RESULTS" "$@" | tail -n 1
}

SOURCES=127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5
SERVER_JVM=(-Xms256m -Xmx1g)

# Machine description for the report.
{
  printf '{"label":"machine","cpus":%s,"cpu_model":"%s","kernel":"%s","java":"%s","memory_gib":%s,"quick":%s}\n' \
    "$(nproc)" "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//; s/"//g')" "$(uname -r)" \
    "$(java -version 2>&1 | head -n 1 | sed 's/"//g')" "$(awk '/MemTotal/ {printf "%.0f", $2/1048576}' /proc/meminfo)" \
    "$QUICK"
} >> "$RESULTS"

if want echo; then
  echo "== Echo: ping in, pong out, 256-byte payload, 100 sessions, closed loop ($ROUNDS rounds, alternating)" >&2
  for round in $(seq 1 "$ROUNDS"); do
    for kind in baseline ltp; do
      start_server "$kind" 18080 "${SERVER_JVM[@]}"
      load "echo:$kind" 18080 --mode closed --sessions 100 --payload 256 --warmup "$WARMUP" --duration "$DURATION" >&2
      stop_server
    done
  done
fi

if want events; then
  echo "== Events: event in, the application's event out, 256-byte payload, 100 sessions, closed loop, heartbeats" >&2
  for round in $(seq 1 "$EVENT_ROUNDS"); do
    for kind in baseline ltp ltp-executor; do
      start_server "$kind" 18080 "${SERVER_JVM[@]}"
      load "events:$kind" 18080 --mode closed --message event --heartbeat 15s --sessions 100 --payload 256 \
          --warmup "$WARMUP" --duration "$DURATION" >&2
      stop_server
    done
  done
fi

if want latency; then
  echo "== Latency: open loop, 1,000 sessions, 5,000 and 40,000 msg/s ($LAT_ROUNDS rounds, alternating)" >&2
  for rate in 5000 40000; do
    for round in $(seq 1 "$LAT_ROUNDS"); do
      for kind in baseline ltp; do
        start_server "$kind" 18080 "${SERVER_JVM[@]}"
        load "latency-$rate:$kind" 18080 --mode open --sessions 1000 --rate "$rate" --payload 256 \
            --warmup "$WARMUP" --duration "$DURATION" >&2
        stop_server
      done
    done
  done
fi

if want handshake; then
  echo "== Handshakes: connect, handshake, close; 50 in flight, 10 s ($HS_ROUNDS rounds, alternating)" >&2
  for round in $(seq 1 "$HS_ROUNDS"); do
    for kind in baseline ltp; do
      start_server "$kind" 18080 "${SERVER_JVM[@]}"
      load "handshake:$kind" 18080 --mode handshake --in-flight 50 --warmup "$HS_WARMUP" --duration 10s \
          --source-addresses "$SOURCES" >&2
      stop_server
    done
  done
fi

if want scale; then
  echo "== Scale: $SCALE_SESSIONS idle sessions, 15 s heartbeats, $SCALE_DURATION" >&2
  # A short closed-loop run first, so that JIT and the young generation are warm before the memory baseline.
  for kind in baseline ltp; do
    start_server "$kind" 18080 -Xms256m -Xmx1g -Xmn64m
    metrics=(); [ "$kind" = ltp ] && metrics=(--metrics-url http://127.0.0.1:18080/metrics)
    load "prewarm:$kind" 18080 --mode closed --sessions 100 --warmup 2s --duration 10s > /dev/null
    load "scale:$kind" 18080 --mode idle --sessions "$SCALE_SESSIONS" --heartbeat 15s --warmup 2s \
        --duration "$SCALE_DURATION" --live-heap true --source-addresses "$SOURCES" "${metrics[@]}" >&2
    stop_server
  done
  start_server ltp 18080 -Xms256m -Xmx1g
  load "prewarm:ltp-default-gc" 18080 --mode closed --sessions 100 --warmup 2s --duration 10s > /dev/null
  load "scale-default-gc:ltp" 18080 --mode idle --sessions "$SCALE_SESSIONS" --heartbeat 15s --warmup 2s \
      --duration "$SCALE_DURATION" --live-heap true --source-addresses "$SOURCES" >&2
  stop_server
fi

if want memory; then
  echo "== Memory as an operator sees it: bin/ltp-server with its defaults, cold, 5,000 / 10,000 / 15,000 idle sessions" >&2
  # Each count on a freshly started server: RSS before the first client and after two heartbeat rounds. The limits
  # raised here bound what one address may do; the load comes from four, and they do not change memory.
  # ltp: bin/ltp-server's own JVM options; ltp-g1: the previous default (G1, -Xmn64m) for comparison.
  bin/ltp-server --help > /dev/null # builds the standalone jar first when it is missing or stale
  for kind in ltp ltp-g1; do
    for sessions in 5000 10000 15000; do
      opts=(); [ "$kind" = ltp-g1 ] && opts=(env JAVA_OPTS=-Xmn64m)
      "${opts[@]}" bin/ltp-server --host 127.0.0.1 --port 18080 --max-connections 20000 --handshakes-per-address 0 \
          --max-pending-per-address 0 > "$WORK/memory-$kind-$sessions.log" 2>&1 &
      SERVER_PID=$!
      for _ in $(seq 1 600); do grep -q "listening" "$WORK/memory-$kind-$sessions.log" 2>/dev/null && break; sleep 0.1; done
      sleep 1
      load "memory-$sessions:$kind" 18080 --mode idle --sessions "$sessions" --heartbeat 15s --warmup 2s \
          --duration 35s --source-addresses "$SOURCES" >&2
      stop_server
    done
  done
fi

if want soak; then
  echo "== Soak: 100 closed-loop sessions, $SOAK, no stalls" >&2
  start_server ltp 18080 "${SERVER_JVM[@]}"
  load "soak:ltp" 18080 --mode closed --sessions 100 --warmup 2s --duration "$SOAK" >&2
  stop_server
fi

if want durable; then
  echo "== Durable: 100 delivery-v1 sessions (DeliveryLoad, own process), a reply per message, per store" >&2
  # durable <kind> <store spec> <delivery batch> [DeliveryLoad options...]: BenchServer on that store with that
  # deliveryBatch, the load from another process.
  durable() {
    local kind=$1 spec=$2 batch=$3; shift 3
    # 500 messages per thread's log: every log reaches its retention in the warm-up, so each commit also trims, as
    # a long-lived thread's commits do (docs/performance.md, Durable path).
    start_server ltp 18080 "${SERVER_JVM[@]}" "-Dltp.bench.store=$spec" "-Dltp.bench.delivery-batch=$batch" \
        -Dltp.bench.retention=500
    java -Xmx1g -cp "$JAR" io.liminal.ltp.bench.load.DeliveryLoad --url ws://127.0.0.1:18080/ \
        --server-pid "$SERVER_PID" --seconds "$DURABLE_SECONDS" --warmup "${WARMUP%s}" --store "$kind" \
        --server-batch "$batch" --json "$RESULTS" "$@" | tail -n 12 >&2
    stop_server
    # This host's floor at the rate the latency was measured at: the bare Netty echo server (the baseline of the
    # sections above) under the same open loop, 100 sessions. A p99 target below the floor cannot be met here.
    local label rate
    label=$(tail -n 1 "$RESULTS" | sed -E 's/.*"label":"([^"]*)".*/\1/')
    rate=$(tail -n 1 "$RESULTS" | sed -E 's/.*"half_load_offered":([0-9.]+).*/\1/')
    start_server baseline 18090 "${SERVER_JVM[@]}"
    load "floor:$label:$batch" 18090 --mode open --message ping --sessions 100 --rate "${rate%.*}" \
        --warmup "$WARMUP" --duration "${DURABLE_SECONDS}s" >&2
    stop_server
  }
  # The in-memory target is a ratio: plain and delivery-v1 sessions alternate on one server (DeliveryLoad --pairs).
  durable memory memory 1 --pairs "$DURABLE_PAIRS" --label durable-memory
  # Each store as it is by default, then with batched commits (docs/durability.md, "Batched commits").
  for batch in 1 16; do
    rm -f "$WORK"/durable.db*
    durable sqlite "sqlite:$WORK/durable.db" "$batch" --label durable-sqlite
  done
  for batch in 1 16; do
    if psql -h 127.0.0.1 -U postgres -d test -q -c "DROP SCHEMA IF EXISTS ltp_bench CASCADE; CREATE SCHEMA ltp_bench" \
        > /dev/null 2>&1; then
      durable postgresql "jdbc:postgresql://127.0.0.1:5432/test?user=postgres&currentSchema=ltp_bench" "$batch" \
          --label durable-postgresql
      if [ "$batch" = 1 ]; then
        # The same without waiting for each commit's WAL flush (the SQLite row's durability class): what the
        # flush's stalls cost at p99.
        psql -h 127.0.0.1 -U postgres -d test -q -c "DROP SCHEMA IF EXISTS ltp_bench CASCADE; CREATE SCHEMA ltp_bench" \
            > /dev/null 2>&1
        durable postgresql-async "jdbc:postgresql://127.0.0.1:5432/test?user=postgres&currentSchema=ltp_bench&options=-c%20synchronous_commit%3Doff" \
            1 --label durable-postgresql-async
      fi
    else
      echo "   (no PostgreSQL on 127.0.0.1:5432: skipped)" >&2
    fi
  done
  for batch in 1 16; do
    if redis-cli -h 127.0.0.1 ping > /dev/null 2>&1; then
      redis-cli -h 127.0.0.1 --scan --pattern 'ltp:*' | xargs -r redis-cli -h 127.0.0.1 del > /dev/null
      # Redis is one process: its CPU per message is reported too (--store-pid).
      durable redis redis://127.0.0.1:6379 "$batch" --label durable-redis --store-pid \
          "$(redis-cli -h 127.0.0.1 info server | awk -F: '/^process_id:/ {print $2}' | tr -d '\r')"
    else
      echo "   (no Redis on 127.0.0.1:6379: skipped)" >&2
    fi
  done
fi

if want storm; then
  echo "== Reconnect storm: 10,000 delivery-v1 sessions on SQLite, server killed and restarted" >&2
  storm() {
    local label=$1; shift
    rm -f "$WORK"/storm.db*
    java -Xmx2g -cp "$JAR" io.liminal.ltp.bench.load.ReconnectStorm --store "sqlite:$WORK/storm.db" \
        --sessions 10000 --rate 2000 --label "$label" --json "$RESULTS" "$@" 2>/dev/null | head -n 1 >&2 || true
  }
  storm reconnect-storm-sqlite
  # The same with the bound on waiting handshakes at 1,000 (the default before this scenario): load shedding.
  storm reconnect-storm-sqlite-pending-1000 --server-jvm "-Xms256m -Xmx1g -Dltp.bench.pending-handshakes=1000"
fi

if want jakarta; then
  echo "== Jakarta: ltp-server on Netty vs inside embedded Tomcat (Jakarta WebSocket), events, 100 sessions ($EVENT_ROUNDS rounds, alternating)" >&2
  for round in $(seq 1 "$EVENT_ROUNDS"); do
    for kind in ltp jakarta; do
      start_server "$kind" 18080 "${SERVER_JVM[@]}"
      load "jakarta-events:$kind" 18080 --mode closed --message event --sessions 100 --payload 256 \
          --warmup "$WARMUP" --duration "$DURATION" >&2
      stop_server
    done
  done
fi

if want sse; then
  echo "== sse-v1 fallback vs WebSocket: ping/pong, 100 sessions, closed loop; sse-v1 at 2,000 msg/s ($EVENT_ROUNDS rounds, alternating)" >&2
  for round in $(seq 1 "$EVENT_ROUNDS"); do
    start_server ltp 18080 "${SERVER_JVM[@]}"
    load "sse-compare:websocket" 18080 --mode closed --sessions 100 --payload 256 --warmup "$WARMUP" \
        --duration "$DURATION" >&2
    stop_server
    start_server ltp 18080 "${SERVER_JVM[@]}"
    java -Xmx1g -cp "$JAR" io.liminal.ltp.bench.load.SseEchoLoad --url http://127.0.0.1:18080 --sessions 100 \
        --payload 256 --warmup "${WARMUP%s}" --seconds "${DURATION%s}" --rate 2000 --server-pid "$SERVER_PID" \
        --label sse-compare:sse --json "$RESULTS" | tail -n 1 >&2
    stop_server
  done
fi

if want cluster; then
  echo "== Cluster: pushes across nodes vs one node, latency at 2,000/s, failover of 1,000 sessions (Redis)" >&2
  if redis-cli -h 127.0.0.1 ping > /dev/null 2>&1; then
    CLUSTER_ARGS=(); $QUICK && CLUSTER_ARGS=(--seconds 5 --rounds 1)
    java -Xms2g -Xmx3g -cp "$JAR" io.liminal.ltp.bench.load.ClusterLoad --redis redis://127.0.0.1:6379/7 \
        --json "$RESULTS" "${CLUSTER_ARGS[@]}" 2>"$WORK/cluster.log" | tail -n 1 >&2
  else
    echo "   (no Redis on 127.0.0.1:6379: skipped)" >&2
  fi
fi

if want client; then
  echo "== Client: one LtpClient, small events to a local server" >&2
  java -Xmx1g -cp "$JAR" io.liminal.ltp.bench.load.ClientThroughput 500000 "$RESULTS" 2>/dev/null | tail -n 1 >&2
fi

JMH_JSON=
if ! $SKIP_JMH && want jmh; then
  echo "== JMH: codec and engine" >&2
  JMH_JSON=$WORK/jmh.json
  if $QUICK; then JMH_ARGS=(-f 1 -wi 2 -i 3 -w 1s -r 1s); else JMH_ARGS=(-f 2 -wi 5 -i 5); fi
  java -jar "$JAR" 'CodecBenchmark|EngineBenchmark' "${JMH_ARGS[@]}" -rf json -rff "$JMH_JSON" > "$WORK/jmh.txt" 2>&1
fi

printf '{"label":"run","seconds":%s}\n' "$SECONDS" >> "$RESULTS"
java -cp "$JAR" io.liminal.ltp.bench.report.PerformanceReport "$RESULTS" "${JMH_JSON:-}" > "$OUT"
cp "$RESULTS" "${OUT%.md}.jsonl"
echo "Wrote $OUT (raw results: ${OUT%.md}.jsonl, logs: $WORK)" >&2
