#!/usr/bin/env bash
# Profiles one server under the echo load (100 closed-loop sessions, 256-byte pings) with async-profiler, over
# the measurement window only (attached after the warm-up with jcmd), and prints where its CPU time goes per
# million messages. Run it for both servers and compare: what ltp-server spends beyond the baseline is LTP.
#
#   ltp-bench/profile-server.sh <ltp|baseline> [out-prefix]    (default prefix: /tmp/ltp-profile-<server>)
#
# Writes <prefix>.collapsed (collapsed stacks, one sample per millisecond of CPU; feed them to a flame graph tool)
# and <prefix>.load.txt (the load generator's report). This VM has no hardware counters: samples come from itimer.
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:?usage: profile-server.sh <ltp|baseline> [out-prefix]}
out=${2:-/tmp/ltp-profile-$kind}
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
java -Xms256m -Xmx1g -cp "$JAR" "$main" 18080 > "$out.server.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do grep -q listening "$out.server.log" && break; sleep 0.1; done

java -Xmx2g -cp "$JAR" io.liminal.ltp.bench.load.LoadGenerator --label "profile:$kind" --url ws://127.0.0.1:18080/ \
    --server-pid "$PID" --mode closed --sessions 100 --payload 256 --warmup 10s --duration 20s > "$out.load.txt" &
LOAD=$!
sleep 12
jcmd "$PID" JVMTI.agent_load "$LIB" "\"start,event=itimer,interval=1ms\"" > /dev/null
sleep 15
jcmd "$PID" JVMTI.agent_load "$LIB" "\"stop,collapsed,file=$out.collapsed\"" > /dev/null
wait "$LOAD"
tail -n 1 "$out.load.txt"

# Messages in the 15 profiled seconds, from the measured rate.
rate=$(sed -E 's/.*: ([0-9,]+) msg\/s.*/\1/' "$out.load.txt" | tail -n 1 | tr -d ,)
awk -v messages="$((rate * 15))" '
  { n = $NF; $NF = ""; total += n; count = split($0, frames, ";"); self[frames[count]] += n }
  END {
    printf "%d samples, %.0f per million messages\n", total, total * 1e6 / messages
    for (f in self) printf "%10.1f  %s\n", self[f] * 1e6 / messages, f | "sort -rn | head -25"
  }' "$out.collapsed"
echo "Stacks: $out.collapsed" >&2
