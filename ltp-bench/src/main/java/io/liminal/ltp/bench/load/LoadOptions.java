package io.liminal.ltp.bench.load;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Command-line options of the load generator. */
public final class LoadOptions {
    /** How sessions generate load. */
    public enum Mode {
        /** Each session sends a ping, waits for the answer, sends the next one. */
        CLOSED,
        /** Sessions send at a fixed total rate, latency measured from the scheduled send time. */
        OPEN,
        /** Connections open, handshake, close, over and over, {@code inFlight} at a time. */
        HANDSHAKE,
        /** Sessions stay connected and only ping at the heartbeat interval. */
        IDLE
    }

    /** What sessions send as their load. */
    public enum Message {
        /** Pings, answered by the server's engine with pongs; the load is the heartbeat. */
        PING,
        /** Events, answered by the application's handler; heartbeat pings go alongside at the interval. */
        EVENT
    }

    URI url = URI.create("ws://127.0.0.1:8080/");
    Mode mode = Mode.CLOSED;
    Message message = Message.PING;
    boolean reconnect = true;
    int sessions = 100;
    double rate = 5_000;
    int payloadBytes = 256;
    Duration duration = Duration.ofSeconds(30);
    Duration warmup = Duration.ofSeconds(5);
    /**
     * Open mode: how much longer than {@link #warmup} to warm up while no whole second ran at the offered rate;
     * zero turns this off.
     */
    Duration settleMax = Duration.ofSeconds(30);
    Duration heartbeat = Duration.ofSeconds(15);
    boolean heartbeatOn = true;
    long serverPid = -1;
    URI metricsUrl;
    int inFlight = 50;
    int threads = 1;
    int connectConcurrency = 500;
    List<InetAddress> sourceAddresses = new ArrayList<>();
    boolean liveHeap;
    boolean timeline;
    String label = "run";
    String jsonOut;

    /** What {@code --help} prints. */
    static final String USAGE = """
            Usage: java -cp ltp-bench.jar io.liminal.ltp.bench.load.LoadGenerator [options]
              --url ws://host:port/        server to load (default ws://127.0.0.1:8080/)
              --mode closed|open|idle|handshake
                                           closed: each session waits for its answer; open: a fixed total --rate,
                                           latency from the scheduled send time; idle: only heartbeats;
                                           handshake: connect, handshake, close, --in-flight at a time
              --sessions N                 concurrent sessions (default 100)
              --rate R                     messages per second over all sessions, open mode (default 5000)
              --message ping|event         the load: pings (answered by the engine) or events (by the application)
              --payload BYTES              payload size (default 256)
              --heartbeat 15s|off          heartbeat interval: idle mode's traffic, or pings beside event load
              --warmup 5s --duration 30s   time before measuring, and measuring time (ms, s or m)
              --settle 30s|off             open mode: after --warmup, warm up on (at most this much longer) until
                                           one whole second both sent and answered the offered rate, so that the
                                           backlog of a cold start does not leak into the window (default 30s)
              --reconnect true|false       reconnect and resume dropped sessions (default true)
              --source-addresses a,b,...   spread connections over local addresses (past ~28,000 per address)
              --threads N                  event loop threads (default 1)
              --connect-concurrency N      handshakes in flight while sessions connect (default 500)
              --in-flight N                connections in flight, handshake mode (default 50)
              --server-pid PID             read the server's CPU time and RSS from /proc (same host)
              --live-heap true             with --server-pid: full GC and live heap via jcmd before and after
              --metrics-url URL            read heap and connections from the server's /metrics
              --timeline true              print every second's count and worst latency to stderr
              --label NAME --json FILE     name the run; append its report as a JSON line to FILE
            """;

    static LoadOptions parse(String[] args) throws UnknownHostException {
        LoadOptions options = new LoadOptions();
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("Option " + flag + " needs a value");
            }
            String value = args[++i];
            switch (flag) {
                case "--url" -> options.url = URI.create(value);
                case "--mode" -> options.mode = Mode.valueOf(value.toUpperCase(Locale.ROOT));
                case "--message" -> options.message = Message.valueOf(value.toUpperCase(Locale.ROOT));
                case "--reconnect" -> options.reconnect = Boolean.parseBoolean(value);
                case "--sessions" -> options.sessions = Integer.parseInt(value);
                case "--rate" -> options.rate = Double.parseDouble(value);
                case "--payload" -> options.payloadBytes = Integer.parseInt(value);
                case "--duration" -> options.duration = duration(value);
                case "--warmup" -> options.warmup = duration(value);
                case "--settle" -> options.settleMax = "off".equals(value) ? Duration.ZERO : duration(value);
                case "--heartbeat" -> {
                    if ("off".equals(value)) {
                        options.heartbeatOn = false;
                    } else {
                        options.heartbeat = duration(value);
                    }
                }
                case "--server-pid" -> options.serverPid = Long.parseLong(value);
                case "--metrics-url" -> options.metricsUrl = URI.create(value);
                case "--in-flight" -> options.inFlight = Integer.parseInt(value);
                case "--threads" -> options.threads = Integer.parseInt(value);
                case "--connect-concurrency" -> options.connectConcurrency = Integer.parseInt(value);
                case "--source-addresses" -> {
                    for (String address : value.split(",")) {
                        options.sourceAddresses.add(InetAddress.getByName(address.trim()));
                    }
                }
                case "--live-heap" -> options.liveHeap = Boolean.parseBoolean(value);
                case "--timeline" -> options.timeline = Boolean.parseBoolean(value);
                case "--label" -> options.label = value;
                case "--json" -> options.jsonOut = value;
                default -> throw new IllegalArgumentException("Unknown option " + flag);
            }
        }
        return options;
    }

    static Duration duration(String text) {
        String lower = text.toLowerCase(Locale.ROOT);
        if (lower.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(lower.substring(0, lower.length() - 2)));
        }
        if (lower.endsWith("s")) {
            return Duration.ofSeconds(Long.parseLong(lower.substring(0, lower.length() - 1)));
        }
        if (lower.endsWith("m")) {
            return Duration.ofMinutes(Long.parseLong(lower.substring(0, lower.length() - 1)));
        }
        return Duration.ofSeconds(Long.parseLong(lower));
    }
}
