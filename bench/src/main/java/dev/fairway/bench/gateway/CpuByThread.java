package dev.fairway.bench.gateway;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * CPU time per thread group (digits in names folded): which part of the process used the cores, and how much in the
 * kernel. JIT compiler and GC threads are no Java threads: they show as the whole process minus the groups, next to
 * the JIT's compile time and the GC's collection time. The whole machine's busy time shows what other processes took.
 */
final class CpuByThread {
    private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();
    private static final String PROCESS = "~ whole process";
    private static final String JIT = "~ JIT compiling (time, not CPU)";
    private static final String GC = "~ GC collecting (time, not CPU)";
    private static final String MACHINE = "~ whole machine (all processes)";

    /** Nanoseconds: total and user. */
    record Cpu(long total, long user) {
        Cpu plus(Cpu o) {
            return new Cpu(total + o.total, user + o.user);
        }
    }

    private CpuByThread() {}

    static Map<String, Cpu> snapshot() {
        Map<String, Cpu> byGroup = new TreeMap<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            long total = MX.getThreadCpuTime(t.threadId());
            long user = MX.getThreadUserTime(t.threadId());
            if (total >= 0 && user >= 0)
                byGroup.merge(t.getName().replaceAll("\\d+", "N"), new Cpu(total, user), Cpu::plus);
        }
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            byGroup.put(PROCESS, new Cpu(os.getProcessCpuTime(), -1));
        }
        long machine = machineBusyNanos();
        if (machine >= 0) byGroup.put(MACHINE, new Cpu(machine, -1));
        byGroup.put(JIT, new Cpu(ManagementFactory.getCompilationMXBean().getTotalCompilationTime() * 1_000_000, -1));
        long gc = 0;
        for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans())
            gc += Math.max(0, b.getCollectionTime());
        byGroup.put(GC, new Cpu(gc * 1_000_000, -1));
        return byGroup;
    }

    /** Busy CPU time of all processes from /proc/stat (user, nice, system, irq, softirq, steal), -1 if unknown. */
    private static long machineBusyNanos() {
        try {
            String[] f =
                    Files.readAllLines(Path.of("/proc/stat")).getFirst().trim().split("\\s+");
            long ticks = 0;
            for (int i : new int[] {1, 2, 3, 6, 7, 8}) ticks += Long.parseLong(f[i]);
            return ticks * 10_000_000; // USER_HZ = 100
        } catch (Exception e) {
            return -1;
        }
    }

    /** CPU nanoseconds the groups whose names start with {@code prefix} used between two snapshots. */
    static long nanos(Map<String, Cpu> before, Map<String, Cpu> after, String prefix) {
        long sum = 0;
        for (var e : after.entrySet()) {
            if (e.getKey().startsWith(prefix))
                sum += e.getValue().total()
                        - before.getOrDefault(e.getKey(), new Cpu(0, 0)).total();
        }
        return sum;
    }

    /** Groups that used at least 5 ms since {@code before}, one per line. Threads that ended meanwhile are missed. */
    static String since(Map<String, Cpu> before) {
        StringBuilder sb = new StringBuilder();
        for (var e : snapshot().entrySet()) {
            Cpu was = before.getOrDefault(e.getKey(), new Cpu(0, 0));
            long ms = (e.getValue().total() - was.total()) / 1_000_000;
            if (ms < 5) continue;
            String user =
                    e.getValue().user() < 0 ? "" : " (user " + (e.getValue().user() - was.user()) / 1_000_000 + ")";
            sb.append(String.format(Locale.ROOT, "    %-36s %7d ms%s%n", e.getKey(), ms, user));
        }
        return sb.toString();
    }
}
