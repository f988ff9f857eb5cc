package dev.fairway.engine.gguf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code ollama:NAME[:TAG]} through a local Ollama store, without Ollama running: the manifest
 * {@code manifests/registry.ollama.ai/library/NAME/TAG} (or {@code .../NAMESPACE/NAME/TAG}, or {@code HOST/NS/NAME})
 * names the model layer ({@code application/vnd.ollama.image.model}) whose blob {@code blobs/sha256-HEX} is a GGUF
 * file. The store is {@code -Dfairway.ollama.models}, else {@code $OLLAMA_MODELS}, else {@code ~/.ollama/models}.
 */
public final class OllamaStore {
    private OllamaStore() {}

    public static final String PREFIX = "ollama:";
    private static final String MODEL_LAYER = "application/vnd.ollama.image.model";

    public static Path defaultStore() {
        String p = System.getProperty("fairway.ollama.models");
        if (p == null || p.isBlank()) p = System.getenv("OLLAMA_MODELS");
        return p != null && !p.isBlank() ? Path.of(p) : Path.of(System.getProperty("user.home"), ".ollama", "models");
    }

    /** The GGUF blob of {@code ollama:NAME[:TAG]} in the store; a clear error when the model is not there. */
    public static Path resolve(String reference, Path store) {
        String ref = reference.startsWith(PREFIX) ? reference.substring(PREFIX.length()) : reference;
        int colon = ref.lastIndexOf(':');
        String name = colon > ref.lastIndexOf('/') && colon >= 0 ? ref.substring(0, colon) : ref;
        String tag = colon > ref.lastIndexOf('/') && colon >= 0 ? ref.substring(colon + 1) : "latest";
        if (name.isEmpty() || tag.isEmpty() || name.contains("..") || tag.contains("/") || tag.contains("..")) {
            throw new GgufException("'" + reference + "' is not an Ollama model name (ollama:NAME[:TAG])");
        }
        String[] parts = name.split("/");
        Path manifests = store.resolve("manifests");
        Path manifest = switch (parts.length) {
            case 1 -> manifests.resolve("registry.ollama.ai").resolve("library").resolve(name);
            case 2 -> manifests.resolve("registry.ollama.ai").resolve(parts[0]).resolve(parts[1]);
            default -> manifests.resolve(name);
        };
        manifest = manifest.resolve(tag);
        if (!Files.isRegularFile(manifest)) {
            throw new GgufException("Ollama model " + name + ":" + tag + " is not in the store " + store
                    + " (no manifest " + manifest + "; pull it with `ollama pull " + name + ":" + tag + "`)");
        }
        try {
            JsonNode m = new ObjectMapper().readTree(manifest.toFile());
            for (JsonNode layer : m.path("layers")) {
                if (!MODEL_LAYER.equals(layer.path("mediaType").asText())) continue;
                String digest = layer.path("digest").asText();
                if (!digest.matches("sha256[:-][0-9a-f]{64}"))
                    throw new GgufException("bad digest '" + digest + "' in " + manifest);
                Path blob = store.resolve("blobs").resolve("sha256-" + digest.substring(7));
                if (!Files.isRegularFile(blob)) blob = store.resolve("blobs").resolve("sha256:" + digest.substring(7));
                if (!Files.isRegularFile(blob)) {
                    throw new GgufException(
                            "Ollama model " + name + ":" + tag + ": blob " + digest + " is missing from " + store);
                }
                return blob;
            }
            throw new GgufException("Ollama manifest " + manifest + " has no model layer (" + MODEL_LAYER + ")");
        } catch (IOException e) {
            throw new GgufException("Cannot read Ollama manifest " + manifest + ": " + e.getMessage(), e);
        }
    }
}
