package dev.fairway.engine.jlama;

import com.github.tjake.jlama.safetensors.SafeTensorSupport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** Downloads a Hugging Face model (owner/name) once into a cache directory, with a progress bar per file. */
public final class JlamaDownloader {
    private JlamaDownloader() {}

    /** The local folder of {@code id} under {@code cacheDir}, downloaded first if it is not there yet. */
    public static Path download(String id, Path cacheDir) throws IOException {
        Files.createDirectories(cacheDir);
        Map<String, ProgressBar> bars = new HashMap<>();
        var folder = SafeTensorSupport.maybeDownloadModel(cacheDir.toString(), id, (file, done, total) -> {
            ProgressBar bar = bars.computeIfAbsent(file, f -> new ProgressBarBuilder().setTaskName(f)
                    .setInitialMax(Math.max(total, 1)).setStyle(ProgressBarStyle.ASCII).setUnit("MB", 1 << 20)
                    .build());
            bar.stepTo(done);
            if (done >= total) bar.close();
        });
        bars.values().forEach(ProgressBar::close);
        return folder.toPath();
    }
}
