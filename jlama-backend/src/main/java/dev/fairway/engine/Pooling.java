package dev.fairway.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** How an embedding is made of a text's final hidden states. */
public enum Pooling {
    /** The average over every token of the input (BOS included, as the tokenizer adds it). */
    MEAN,
    /** The last token's state: decoder embedding models trained for it (Qwen3-Embedding and the like). */
    LAST;

    /**
     * The pooling a model folder declares the sentence-transformers way ({@code 1_Pooling/config.json} with
     * {@code pooling_mode_lasttoken: true}); mean otherwise.
     */
    public static Pooling declaredBy(Path folder) {
        Path config = folder.resolve("1_Pooling").resolve("config.json");
        if (!Files.isRegularFile(config)) return MEAN;
        try {
            JsonNode n = new ObjectMapper().readTree(config.toFile());
            return n.path("pooling_mode_lasttoken").asBoolean(false) ? LAST : MEAN;
        } catch (IOException e) {
            return MEAN;
        }
    }

    public String label() {
        return this == MEAN ? "mean" : "last";
    }
}
