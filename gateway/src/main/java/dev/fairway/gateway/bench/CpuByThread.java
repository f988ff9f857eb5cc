package dev.fairway.gateway.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** CPU time per thread group (digits in names folded): which part of the process used the cores, and how much in the kernel. */
final class CpuByThread {
    private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();

    /** Nanoseconds: total and user. */
    record Cpu(long total, long user) {
        Cpu plus(Cpu o) { return new Cpu(total + o.total, user + o.user); }
    }

    private CpuByThread() {}

    static Map<String, Cpu> snapshot() {
        Map<String, Cpu> byGroup = new TreeMap<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            long total = MX.getThreadCpuTime(t.threadId());
            long user = MX.getThreadUserTime(t.threadId());
            if (total >= 0 && user >= 0) byGroup.merge(t.getName().replaceAll("\\d+", "N"), new Cpu(total, user), Cpu::plus);
        }
        return byGroup;
    }

    /** Groups that used at least 5 ms since {@code before}, one per line. Threads that ended meanwhile are missed. */
    static String since(Map<String, Cpu> before) {
        StringBuilder sb = new StringBuilder();
        for (var e : snapshot().entrySet()) {
            Cpu was = before.getOrDefault(e.getKey(), new Cpu(0, 0));
            long ms = (e.getValue().total() - was.total()) / 1_000_000;
            long userMs = (e.getValue().user() - was.user()) / 1_000_000;
            if (ms >= 5) sb.append(String.format(Locale.ROOT, "    %-36s %7d ms (user %d)%n", e.getKey(), ms, userMs));
        }
        return sb.toString();
    }
}
