package dev.fairway.engine.jlama;

import com.github.tjake.jlama.safetensors.SafeTensorSupport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Downloads a Hugging Face model (owner/name) once into a cache directory: a console progress bar per file where
 * me.tongfei:progressbar is on the classpath (the fairway application), one log line per file otherwise (a library
 * user need not ship it).
 */
public final class JlamaDownloader {
    private static final Logger log = LoggerFactory.getLogger(JlamaDownloader.class);
    private static final boolean PROGRESS_BARS = present("me.tongfei.progressbar.ProgressBar");

    private JlamaDownloader() {}

    /** The local folder of {@code id} under {@code cacheDir}, downloaded first if it is not there yet. */
    public static Path download(String id, Path cacheDir) throws IOException {
        Files.createDirectories(cacheDir);
        if (PROGRESS_BARS) return Bars.download(cacheDir, id);
        return SafeTensorSupport.maybeDownloadModel(cacheDir.toString(), id, (file, done, total) -> {
                    if (done >= total) log.info("downloaded {} of {} ({} MB)", file, id, total >> 20);
                })
                .toPath();
    }

    private static boolean present(String className) {
        try {
            Class.forName(className, false, JlamaDownloader.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** Loaded only when the progress bar library is there. */
    private static final class Bars {
        static Path download(Path cacheDir, String id) throws IOException {
            Map<String, me.tongfei.progressbar.ProgressBar> bars = new HashMap<>();
            var folder = SafeTensorSupport.maybeDownloadModel(cacheDir.toString(), id, (file, done, total) -> {
                var bar = bars.computeIfAbsent(
                        file,
                        f -> new me.tongfei.progressbar.ProgressBarBuilder()
                                .setTaskName(f)
                                .setInitialMax(Math.max(total, 1))
                                .setStyle(me.tongfei.progressbar.ProgressBarStyle.ASCII)
                                .setUnit("MB", 1 << 20)
                                .build());
                bar.stepTo(done);
                if (done >= total) bar.close();
            });
            bars.values().forEach(me.tongfei.progressbar.ProgressBar::close);
            return folder.toPath();
        }
    }
}
