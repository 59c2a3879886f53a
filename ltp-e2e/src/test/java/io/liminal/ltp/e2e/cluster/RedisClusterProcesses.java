package io.liminal.ltp.e2e.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A Redis Cluster of the test's own: three masters (no replicas) started from the {@code redis-server} binary on
 * free ports of 127.0.0.1, joined with {@code redis-cli --cluster create}. Slots are spread over all three, so
 * a test's threads land on different shards.
 */
final class RedisClusterProcesses implements AutoCloseable {
    private final List<Integer> ports = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();
    private final Path directory;

    private RedisClusterProcesses(Path directory) {
        this.directory = directory;
    }

    /** Starts three masters, creates the cluster and waits until every node reports it ok. */
    static RedisClusterProcesses start(Path directory) {
        RedisClusterProcesses cluster = new RedisClusterProcesses(directory);
        try {
            for (int i = 0; i < 3; i++) {
                cluster.startNode(freePort());
            }
            List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
            cluster.ports.forEach(port -> create.add("127.0.0.1:" + port));
            create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
            run(create, directory.resolve("cluster-create.log"));
            for (int port : cluster.ports) {
                cluster.awaitOk(port);
            }
            return cluster;
        } catch (RuntimeException | Error e) {
            cluster.close();
            throw e;
        }
    }

    /** {@code redis-cluster://127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3}, the form LTP_CLUSTER takes. */
    String uri() {
        return "redis-cluster://" + ports.stream().map(port -> "127.0.0.1:" + port).collect(Collectors.joining(","));
    }

    /** A plain URI of one master, for tools that need only one seed. */
    String seed() {
        return "redis://127.0.0.1:" + ports.get(0);
    }

    /** Kills every master (SIGKILL) and starts them again on their ports, with their cluster configuration. */
    void restartAll() {
        for (Process process : processes) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        processes.clear();
        List<Integer> restarted = List.copyOf(ports);
        ports.clear();
        restarted.forEach(this::startNode);
        restarted.forEach(this::awaitOk);
    }

    private void startNode(int port) {
        Path nodeDirectory = directory.resolve("redis-" + port);
        try {
            Files.createDirectories(nodeDirectory);
            processes.add(new ProcessBuilder("redis-server", "--port", String.valueOf(port), "--bind", "127.0.0.1",
                    "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout",
                    "2000", "--dir", nodeDirectory.toString(), "--save", "", "--appendonly", "no")
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(nodeDirectory.resolve("redis.log").toFile()))
                    .start());
        } catch (IOException e) {
            throw new UncheckedIOException("redis-server could not start (is it installed?)", e);
        }
        ports.add(port);
        RedisProcess.awaitListening(port);
    }

    private void awaitOk(int port) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        Path log = directory.resolve("cluster-info.log");
        while (System.nanoTime() < deadline) {
            String info = run(List.of("redis-cli", "-p", String.valueOf(port), "cluster", "info"), log);
            if (info.contains("cluster_state:ok")) {
                return;
            }
            try {
                TimeUnit.MILLISECONDS.sleep(100); // the cluster converges over its own gossip: nothing to wait on
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("Redis Cluster node " + port + " never reported cluster_state:ok");
    }

    private static String run(List<String> command, Path log) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new AssertionError(String.join(" ", command) + " failed:\n" + output);
            }
            Files.writeString(log, output, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);
            return output;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() {
        for (Process process : processes) {
            process.destroyForcibly();
        }
        for (Process process : processes) {
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A port that is free, and whose cluster bus port (port + 10000) is free too: below the ephemeral range. */
    private static int freePort() {
        java.util.Random random = new java.util.Random();
        for (int attempt = 0; attempt < 100; attempt++) {
            int port = 20_000 + random.nextInt(10_000);
            if (bindable(port) && bindable(port + 10_000)) {
                return port;
            }
        }
        throw new AssertionError("No free port pair for a Redis Cluster node");
    }

    private static boolean bindable(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress("127.0.0.1", port));
            return true;
        } catch (IOException taken) {
            return false;
        }
    }
}
