package dev.fairway.testkit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the shared models live: the first of -Dfairway.shared, $FAIRWAY_SHARED, ../shared, ../../shared and a
 * "shared" folder beside any parent of this class's jar or classes folder that has a models/ folder. Tests (their
 * working directory is the module), benchmarks (the repository root) and child JVMs all find the same folder.
 */
public final class TestModels {
    private TestModels() {}

    public static Path shared() {
        List<Path> candidates = new ArrayList<>();
        if (System.getProperty("fairway.shared") != null) candidates.add(Path.of(System.getProperty("fairway.shared")));
        if (System.getenv("FAIRWAY_SHARED") != null) candidates.add(Path.of(System.getenv("FAIRWAY_SHARED")));
        candidates.add(Path.of("../shared"));
        candidates.add(Path.of("../../shared"));
        try {
            Path code = Path.of(TestModels.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
            for (Path p = code; p != null; p = p.getParent()) candidates.add(p.resolve("shared"));
        } catch (Exception ignored) {
            // no code source: rely on the other candidates
        }
        for (Path p : candidates) {
            if (Files.isDirectory(p.resolve("models")))
                return p.toAbsolutePath().normalize();
        }
        throw new IllegalStateException(
                "Cannot find the shared models folder; pass --model-config or -Dfairway.shared");
    }

    /** A folder under shared/models, e.g. "stories260K" or "SmolLM2-135M-Instruct-config". */
    public static Path model(String name) {
        return shared().resolve("models").resolve(name);
    }

    public static Path stories() {
        return model("stories260K");
    }

    public static Path storiesQ4() {
        return model("stories260K-JQ4");
    }
}
