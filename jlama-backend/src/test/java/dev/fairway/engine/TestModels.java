package dev.fairway.engine;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the shared test models live (../shared/models, or -Dfairway.shared). */
public final class TestModels {
    private TestModels() {}

    public static Path shared() {
        Path p = Path.of(System.getProperty("fairway.shared", "../shared"));
        if (!Files.isDirectory(p.resolve("models"))) p = Path.of("../../shared");
        return p.toAbsolutePath().normalize();
    }

    public static Path stories() { return shared().resolve("models/stories260K"); }

    public static Path storiesQ4() { return shared().resolve("models/stories260K-JQ4"); }
}
