package dev.fairway.engine.jlama;

import com.github.tjake.jlama.safetensors.SafeTensorSupport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Downloads a Hugging Face model folder (owner/name) once into a cache directory, through jlama. */
public final class JlamaDownloader {
    private JlamaDownloader() {}

    /** Told how far each file's download is. */
    public interface Progress {
        void update(String file, long done, long total);
    }

    /** The local folder of {@code id} under {@code cacheDir}, downloaded first if it is not there yet. */
    public static Path download(String id, Path cacheDir, Progress progress) throws IOException {
        Files.createDirectories(cacheDir);
        return SafeTensorSupport.maybeDownloadModel(cacheDir.toString(), id, progress::update)
                .toPath();
    }
}
