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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns what the user typed after --model into a local folder: an existing path as is, otherwise a Hugging Face id
 * (owner/name) downloaded once into the cache directory with a progress bar per file. Something that looks like a
 * path (see {@link #looksLikePath}) but is not a folder is an error, never a download of a misread id.
 */
public final class ModelSource {
    private static final Logger log = LoggerFactory.getLogger(ModelSource.class);

    /** me.tongfei:progressbar is optional (the fairway application has it; a library user may not). */
    private static final boolean PROGRESS_BARS = present("me.tongfei.progressbar.ProgressBar");

    private ModelSource() {}

    public static Path resolve(String model, Path cacheDir) {
        Path local = Path.of(model);
        if (Files.isDirectory(local)) return local.toAbsolutePath();
        if (looksLikePath(model)) {
            throw new EngineException("Model '" + model + "' is neither a local folder nor a Hugging Face id: it looks like a "
                    + "path, and there is no folder " + local.toAbsolutePath().normalize()
                    + (model.startsWith("~") ? " (~ is not expanded here)" : ""));
        }
        if (!model.matches("[A-Za-z0-9][\\w.-]*/[\\w.-]+")) {
            throw new EngineException("Model '" + model + "' is neither a local folder nor a Hugging Face id (owner/name)");
        }
        try {
            Files.createDirectories(cacheDir);
            var folder = PROGRESS_BARS ? Bars.download(cacheDir, model) : SafeTensorSupport.maybeDownloadModel(
                    cacheDir.toString(), model, (file, done, total) -> {
                        if (done >= total) log.info("downloaded {} of {} ({} MB)", file, model, total >> 20);
                    });
            return folder.toPath();
        } catch (IOException | RuntimeException e) {
            String why = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            throw new EngineException("Cannot download " + model + " from Hugging Face (" + why.lines().findFirst().orElse("")
                    + "). Are you offline? Pass a local model folder instead: --model /path/to/folder");
        }
    }

    /**
     * A path, not a Hugging Face id (owner/name): absolute, starting with . or ~, with a backslash, a trailing slash or
     * more than one slash, or whose first segment is a folder here (models/x when ./models exists).
     */
    static boolean looksLikePath(String model) {
        int slash = model.indexOf('/');
        return model.startsWith("/") || model.startsWith(".") || model.startsWith("~") || model.contains("\\")
                || model.endsWith("/") || (slash >= 0 && model.indexOf('/', slash + 1) >= 0)
                || (slash > 0 && Files.isDirectory(Path.of(model.substring(0, slash))));
    }

    private static boolean present(String className) {
        try {
            Class.forName(className, false, ModelSource.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** Console progress bars, one per file; loaded only when the library is there. */
    private static final class Bars {
        static java.io.File download(Path cacheDir, String model) throws IOException {
            Map<String, ProgressBar> bars = new HashMap<>();
            var folder = SafeTensorSupport.maybeDownloadModel(cacheDir.toString(), model, (file, done, total) -> {
                ProgressBar bar = bars.computeIfAbsent(file, f -> new ProgressBarBuilder().setTaskName(f)
                        .setInitialMax(Math.max(total, 1)).setStyle(ProgressBarStyle.ASCII).setUnit("MB", 1 << 20)
                        .build());
                bar.stepTo(done);
                if (done >= total) bar.close();
            });
            bars.values().forEach(ProgressBar::close);
            return folder;
        }
    }
}
