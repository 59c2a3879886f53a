#!/usr/bin/env bash
# Profiles one server under load with async-profiler, over the measurement window only (attached after the
# warm-up with jcmd), and prints where its CPU time goes per million messages (or handshakes). Run it for both
# servers and compare: what ltp-server spends beyond the baseline is LTP.
#
#   ltp-bench/profile-server.sh <ltp|baseline> [echo|events|handshake] [out-prefix]
#
# echo (default): 100 closed-loop sessions sending 256-byte pings; events: the same with events that the
# application answers (the "Events" scenario); handshake: connect, handshake, close, 50 in flight. The default
# prefix is /tmp/ltp-profile-<server>-<scenario>. SERVER_JVM_OPTS adds JVM options to the server, for example
# -Dltp.bench.handler=executor (the handler on the application executor).
#
# Writes <prefix>.collapsed (collapsed stacks, one sample per millisecond of CPU; feed them to a flame graph tool)
# and <prefix>.load.txt (the load generator's report). This VM has no hardware counters: samples come from itimer.
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:?usage: profile-server.sh <ltp|baseline> [echo|events|handshake] [out-prefix]}
scenario=${2:-echo}
out=${3:-/tmp/ltp-profile-$kind-$scenario}
case "$scenario" in
  echo) LOAD_ARGS=(--mode closed --sessions 100 --payload 256 --warmup 10s --duration 20s); START=12; SECONDS_PROFILED=15 ;;
  events) LOAD_ARGS=(--mode closed --message event --heartbeat 15s --sessions 100 --payload 256 --warmup 10s
                     --duration 20s); START=12; SECONDS_PROFILED=15 ;;
  handshake) LOAD_ARGS=(--mode handshake --in-flight 50 --warmup 45s --duration 12s
                        --source-addresses 127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5); START=46; SECONDS_PROFILED=10 ;;
  *) echo "unknown scenario $scenario" >&2; exit 2 ;;
esac
JAR=ltp-bench/target/ltp-bench.jar
[ -f "$JAR" ] || mvn -B -q -pl ltp-bench -am install -DskipTests

AP=ltp-bench/target/async-profiler
LIB=$PWD/$AP/linux-x64/libasyncProfiler.so
if [ ! -f "$LIB" ]; then
  mvn -B -q dependency:get -Dartifact=tools.profiler:async-profiler:3.0
  mkdir -p "$AP"
  (cd "$AP" && unzip -q -o "$HOME/.m2/repository/tools/profiler/async-profiler/3.0/async-profiler-3.0.jar")
fi

main=io.liminal.ltp.bench.server.BenchServer
[ "$kind" = baseline ] && main=io.liminal.ltp.bench.server.EchoServer
java -Xms256m -Xmx1g ${SERVER_JVM_OPTS:-} -cp "$JAR" "$main" 18080 > "$out.server.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do grep -q listening "$out.server.log" && break; sleep 0.1; done

java -Xmx2g -cp "$JAR" io.liminal.ltp.bench.load.LoadGenerator --label "profile:$kind" --url ws://127.0.0.1:18080/ \
    --server-pid "$PID" "${LOAD_ARGS[@]}" > "$out.load.txt" &
LOAD=$!
sleep "$START"
jcmd "$PID" JVMTI.agent_load "$LIB" "\"start,event=itimer,interval=1ms${PROFILE_OPTS:-}\"" > /dev/null
sleep "$SECONDS_PROFILED"
jcmd "$PID" JVMTI.agent_load "$LIB" "\"stop,collapsed,file=$out.collapsed\"" > /dev/null
wait "$LOAD"
tail -n 1 "$out.load.txt"

# Messages (handshakes) in the profiled seconds, from the measured rate.
rate=$(sed -E 's/.*: ([0-9,]+) msg\/s.*/\1/' "$out.load.txt" | tail -n 1 | tr -d ,)
awk -v messages="$((rate * SECONDS_PROFILED))" '
  { n = $NF; $NF = ""; total += n; count = split($0, frames, ";"); self[frames[count]] += n }
  END {
    printf "%d samples, %.0f per million messages\n", total, total * 1e6 / messages
    for (f in self) printf "%10.1f  %s\n", self[f] * 1e6 / messages, f | "sort -rn | head -25"
  }' "$out.collapsed"
echo "Stacks: $out.collapsed" >&2
