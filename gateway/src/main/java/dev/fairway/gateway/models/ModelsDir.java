package dev.fairway.gateway.models;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The models in a {@code --models-dir}: each folder holding a config.json (a Hugging Face layout) and each .gguf file,
 * named after the folder or the file (without .gguf), in name order. Hidden entries are skipped.
 */
public final class ModelsDir {
    private ModelsDir() {}

    public static List<ModelsConfig.Spec> scan(Path dir) {
        if (!Files.isDirectory(dir)) throw new IllegalArgumentException("--models-dir " + dir + ": no such folder");
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.filter(ModelsDir::isModel)
                    .sorted()
                    .map(p -> new ModelsConfig.Spec(
                            ModelsConfig.defaultName(p.toString()),
                            p.toAbsolutePath().normalize().toString()))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("--models-dir " + dir + ": " + e.getMessage(), e);
        }
    }

    static boolean isModel(Path p) {
        String name = p.getFileName().toString();
        if (name.startsWith(".")) return false;
        if (Files.isDirectory(p)) return Files.isRegularFile(p.resolve("config.json"));
        return Files.isRegularFile(p) && name.toLowerCase(Locale.ROOT).endsWith(".gguf");
    }
}
