package dev.fairway.engine.jlama;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tjake.jlama.model.ModelSupport;
import com.github.tjake.jlama.safetensors.SafeTensorSupport;
import com.github.tjake.jlama.safetensors.tokenizer.Tokenizer;
import dev.fairway.engine.text.BpeTokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/** jlama's tokenizer for a model folder (the class jlama picks from config.json): BPE and the chat template. */
public final class JlamaTokenizer implements BpeTokenizer {
    private final Tokenizer tokenizer;

    private JlamaTokenizer(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    public static JlamaTokenizer load(Path folder) throws IOException {
        try {
            return new JlamaTokenizer(
                    modelType(folder).tokenizerClass.getConstructor(Path.class).newInstance(folder));
        } catch (ReflectiveOperationException e) {
            throw new IOException("Cannot load tokenizer from " + folder, e);
        }
    }

    /** jlama 0.8.4 predates qwen3, whose tokenizer is qwen2's (byte-level BPE, same template machinery). */
    private static ModelSupport.ModelType modelType(Path folder) throws IOException {
        var config = folder.resolve("config.json").toFile();
        if (new ObjectMapper().readTree(config).path("model_type").asText().equals("qwen3")) {
            return ModelSupport.ModelType.QWEN2;
        }
        return SafeTensorSupport.detectModel(config);
    }

    @Override
    public long[] encode(String piece) {
        return tokenizer.encode(piece);
    }

    @Override
    public Optional<String> chatTemplate() {
        return tokenizer.getModel().promptTemplates().map(t -> t.get("default"));
    }

    @Override
    public String eosToken() {
        return tokenizer.getModel().eosToken();
    }
}
