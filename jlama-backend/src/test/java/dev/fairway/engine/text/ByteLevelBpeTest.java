package dev.fairway.engine.text;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fairway.engine.model.Model;
import dev.fairway.testkit.TestModels;
import java.nio.file.Path;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;

/**
 * The SmolLM2 folder's tokenizer.json (byte-level BPE, read by {@link ByteLevelBpe}) against llama.cpp: the shared
 * tiny-smol GGUF files carry the same vocabulary, and llama.cpp's own tokenization of their texts (Unicode, CJK,
 * emoji, digits, whitespace runs) is the oracle.
 */
class ByteLevelBpeTest {
    private static final Path SMOL = TestModels.shared().resolve("models/SmolLM2-135M-Instruct-config");

    @Test
    void smolLm2FolderTokenizesLikeLlamaCpp() throws Exception {
        TextCodec codec = Model.loadCodec(SMOL);
        JsonNode ref = new ObjectMapper()
                .readTree(TestModels.shared()
                        .resolve("models/gguf/reference/tiny-smol-Q8_0.json")
                        .toFile());
        int checked = 0;
        for (JsonNode t : ref.path("tokenize")) {
            if (t.path("add_special").asBoolean()) continue;
            String text = t.path("text").asText();
            int[] want = StreamSupport.stream(t.path("ids").spliterator(), false)
                    .mapToInt(JsonNode::asInt)
                    .toArray();
            assertThat(codec.encode(text)).as("[%s]", text).containsExactly(want);
            checked++;
        }
        assertThat(checked).isGreaterThanOrEqualTo(6);
    }

    @Test
    void nonAsciiTextRoundTrips() throws Exception {
        TextCodec codec = Model.loadCodec(SMOL);
        for (String text : new String[] {"héllo wörld", "日本語のテキスト", "emoji 🙂 ok", "naïve café 2024", "a\n\n  b\tc"}) {
            assertThat(codec.decode(codec.encode(text))).isEqualTo(text);
        }
    }
}
