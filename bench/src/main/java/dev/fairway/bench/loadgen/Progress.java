package dev.fairway.bench.loadgen;

import java.io.Console;
import java.util.concurrent.atomic.AtomicInteger;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** Progress of the measured phase: a progress bar on a terminal, nothing otherwise. */
interface Progress extends AutoCloseable {
    Progress NONE = new Progress() {
        @Override
        public void done(RequestRecord r) {}

        @Override
        public void close() {}
    };

    void done(RequestRecord r);

    @Override
    void close();

    /** max = number of requests, or -1 when the run is bounded by time only. */
    static Progress create(boolean enabled, long max) {
        return enabled && stdoutIsTerminal() ? new Bar(max) : NONE;
    }

    static boolean stdoutIsTerminal() {
        Console c = System.console();
        if (c == null) return false;
        try { // JDK 22+: System.console() is non-null even when redirected
            return (Boolean) Console.class.getMethod("isTerminal").invoke(c);
        } catch (ReflectiveOperationException e) {
            return true;
        }
    }

    final class Bar implements Progress {
        private final ProgressBar bar;
        private final AtomicInteger failed = new AtomicInteger();

        Bar(long max) {
            bar = new ProgressBarBuilder()
                    .setTaskName("requests")
                    .setInitialMax(max)
                    .setStyle(ProgressBarStyle.ASCII)
                    .setUpdateIntervalMillis(250)
                    .build();
        }

        @Override
        public void done(RequestRecord r) {
            if (!r.ok()) bar.setExtraMessage(failed.incrementAndGet() + " failed");
            bar.step();
        }

        @Override
        public void close() {
            bar.close();
        }
    }
}
