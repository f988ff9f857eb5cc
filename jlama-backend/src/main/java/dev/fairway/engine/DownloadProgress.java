package dev.fairway.engine;

import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shows a download's progress: a console progress bar per file where me.tongfei:progressbar is on the classpath (the
 * fairway application), one log line per finished file otherwise (a library user need not ship it).
 */
final class DownloadProgress implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DownloadProgress.class);
    private static final boolean BARS = present("me.tongfei.progressbar.ProgressBar");

    private final String what;
    private final Map<String, AutoCloseable> bars = new HashMap<>();

    DownloadProgress(String what) {
        this.what = what;
    }

    void update(String file, long done, long total) {
        if (BARS) {
            Bars.step(bars, file, done, total);
        } else if (done >= total) {
            log.info("downloaded {} of {} ({} MB)", file, what, total >> 20);
        }
    }

    @Override
    public void close() {
        for (AutoCloseable bar : bars.values()) {
            try {
                bar.close();
            } catch (Exception e) {
                log.debug("closing a progress bar", e);
            }
        }
    }

    private static boolean present(String className) {
        try {
            Class.forName(className, false, DownloadProgress.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** Loaded only when the progress bar library is there. */
    private static final class Bars {
        static void step(Map<String, AutoCloseable> bars, String file, long done, long total) {
            var bar = (me.tongfei.progressbar.ProgressBar) bars.computeIfAbsent(
                    file,
                    f -> new me.tongfei.progressbar.ProgressBarBuilder()
                            .setTaskName(f)
                            .setInitialMax(Math.max(total, 1))
                            .setStyle(me.tongfei.progressbar.ProgressBarStyle.ASCII)
                            .setUnit("MB", 1 << 20)
                            .build());
            bar.stepTo(done);
            if (done >= total) bar.close();
        }
    }
}
