package dev.fairway.engine;

import dev.fairway.engine.gguf.GgufModel;
import dev.fairway.engine.gguf.HuggingFaceGguf;
import dev.fairway.engine.gguf.OllamaStore;
import dev.fairway.engine.jlama.JlamaDownloader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Turns what the user typed after --model into a local folder or GGUF file: ollama:NAME[:TAG] from the local Ollama
 * store, an existing path as is, otherwise from Hugging Face, downloaded once into the cache directory with a progress
 * bar per file: a GGUF file (owner/repo:QUANT or owner/repo/file.gguf) or a model folder (owner/name). Something that
 * looks like a path (see {@link #looksLikePath}) but is not a folder is an error, never a download of a misread id.
 */
final class ModelSource {
    private ModelSource() {}

    static Path resolve(String model, Path cacheDir) {
        return resolve(model, cacheDir, HuggingFaceGguf.fromEnvironment());
    }

    static Path resolve(String model, Path cacheDir, HuggingFaceGguf hub) {
        if (model.startsWith(OllamaStore.PREFIX)) return OllamaStore.resolve(model, OllamaStore.defaultStore());
        Path local = Path.of(model);
        if (Files.isDirectory(local)) return local.toAbsolutePath();
        if (Files.isRegularFile(local) && GgufModel.isGguf(local)) return local.toAbsolutePath();
        if (HuggingFaceGguf.isSpec(model) && !firstSegmentIsFolder(model)) {
            try (DownloadProgress progress = new DownloadProgress(model)) {
                return hub.download(model, cacheDir, progress::update);
            } catch (IOException | RuntimeException e) {
                throw offline(model, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new EngineException("Download of " + model + " interrupted");
            }
        }
        if (looksLikePath(model)) {
            throw new EngineException("Model '" + model
                    + "' is neither a local folder nor a Hugging Face id: it looks like a "
                    + "path, and there is no folder " + local.toAbsolutePath().normalize()
                    + (model.startsWith("~") ? " (~ is not expanded here)" : ""));
        }
        if (!model.matches("[A-Za-z0-9][\\w.-]*/[\\w.-]+")) {
            throw new EngineException(
                    "Model '" + model + "' is neither a local folder nor a Hugging Face id (owner/name)");
        }
        try (DownloadProgress progress = new DownloadProgress(model)) {
            return JlamaDownloader.download(model, cacheDir, progress::update);
        } catch (IOException | RuntimeException e) {
            throw offline(model, e);
        }
    }

    /** One line: what failed and what to do instead. */
    private static EngineException offline(String model, Exception e) {
        String why = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        return new EngineException("Cannot download " + model + " from Hugging Face ("
                + why.lines().findFirst().orElse("")
                + "). Are you offline? Pass a local model folder or .gguf file instead: --model /path/to/model");
    }

    /**
     * A path, not a Hugging Face id (owner/name): absolute, starting with . or ~, with a backslash, a trailing slash or
     * more than one slash, or whose first segment is a folder here (models/x when ./models exists).
     */
    static boolean looksLikePath(String model) {
        int slash = model.indexOf('/');
        return model.startsWith("/")
                || model.startsWith(".")
                || model.startsWith("~")
                || model.contains("\\")
                || model.endsWith("/")
                || (slash >= 0 && model.indexOf('/', slash + 1) >= 0)
                || firstSegmentIsFolder(model);
    }

    /** models/x when ./models exists: a relative path, never a Hugging Face owner. */
    private static boolean firstSegmentIsFolder(String model) {
        int slash = model.indexOf('/');
        return slash > 0 && Files.isDirectory(Path.of(model.substring(0, slash)));
    }
}
