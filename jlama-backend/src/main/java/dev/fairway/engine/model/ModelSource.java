package dev.fairway.engine.model;

import com.github.tjake.jlama.safetensors.SafeTensorSupport;
import dev.fairway.engine.EngineException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Turns what the user typed after --model into a local folder: an existing path as is, otherwise a Hugging Face id
 * (owner/name) downloaded once into the cache directory with a progress bar per file.
 */
public final class ModelSource {
    private ModelSource() {}

    public static Path resolve(String model, Path cacheDir) {
        Path local = Path.of(model);
        if (Files.isDirectory(local)) return local.toAbsolutePath();
        if (!model.matches("[A-Za-z0-9][\\w.-]*/[\\w.-]+")) {
            throw new EngineException("Model '" + model + "' is neither a local folder nor a Hugging Face id (owner/name)");
        }
        try {
            Files.createDirectories(cacheDir);
            Map<String, ProgressBar> bars = new HashMap<>();
            var folder = SafeTensorSupport.maybeDownloadModel(cacheDir.toString(), model, (file, done, total) -> {
                ProgressBar bar = bars.computeIfAbsent(file, f -> new ProgressBarBuilder().setTaskName(f)
                        .setInitialMax(Math.max(total, 1)).setStyle(ProgressBarStyle.ASCII).setUnit("MB", 1 << 20)
                        .build());
                bar.stepTo(done);
                if (done >= total) bar.close();
            });
            bars.values().forEach(ProgressBar::close);
            return folder.toPath();
        } catch (IOException | RuntimeException e) {
            String why = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            throw new EngineException("Cannot download " + model + " from Hugging Face (" + why.lines().findFirst().orElse("")
                    + "). Are you offline? Pass a local model folder instead: --model /path/to/folder");
        }
    }
}
