package io.liminal.ltp.bench.load;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * CPU time and resident memory of a process, from {@code /proc/<pid>/stat} and {@code /proc/<pid>/status}
 * (Linux). CPU is user + system time in clock ticks of 10 ms ({@code getconf CLK_TCK} = 100 here).
 */
public final class ProcessStats {
    private static final long NANOS_PER_TICK = 10_000_000L;

    private ProcessStats() {
    }

    /** User + system CPU time of {@code pid} in nanoseconds. */
    public static long cpuNanos(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        // Fields after the command name (which may contain spaces) start after the last ')'.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long utime = Long.parseLong(fields[11]);
        long stime = Long.parseLong(fields[12]);
        return (utime + stime) * NANOS_PER_TICK;
    }

    /**
     * The host's CPU counters from the first line of {@code /proc/stat}: {@code {steal, total}} in clock ticks, or
     * {@code null} when they cannot be read. Steal is time the hypervisor ran something else while this VM wanted
     * to run; on a shared host it is what makes two runs of the same server differ.
     */
    public static long[] hostCpuTicks() {
        try {
            String[] fields = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < fields.length && i <= 8; i++) { // user .. steal; guest time is inside user
                total += Long.parseLong(fields[i]);
            }
            return fields.length > 8 ? new long[] {Long.parseLong(fields[8]), total} : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Steal as a percentage of all CPU time between two {@link #hostCpuTicks()} readings, or -1. */
    public static double stealPercent(long[] before, long[] after) {
        if (before == null || after == null || after[1] <= before[1]) {
            return -1;
        }
        return 100.0 * (after[0] - before[0]) / (after[1] - before[1]);
    }

    /** Resident set size of {@code pid} in bytes. */
    public static long rssBytes(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IOException("No VmRSS for " + pid);
    }

    /**
     * The live Java heap of {@code pid} in bytes: forces a full collection with {@code jcmd <pid> GC.run}, then
     * reads the used heap from {@code GC.heap_info}. -1 when the process is not a JVM or jcmd is unavailable.
     */
    public static long liveHeapBytes(long pid) {
        try {
            jcmd(pid, "GC.run");
            Matcher used = Pattern.compile("used (\\d+)K").matcher(jcmd(pid, "GC.heap_info"));
            return used.find() ? Long.parseLong(used.group(1)) * 1024 : -1;
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static String jcmd(long pid, String command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder("jcmd", Long.toString(pid), command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException("jcmd " + command + " failed: " + output);
        }
        return output;
    }
}
