package dev.fairway.engine.gguf;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fairway.engine.model.Model;
import dev.fairway.engine.text.ChatTurn;
import dev.fairway.engine.text.TextCodec;
import dev.fairway.testkit.TestModels;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** GGUF vs safetensors for the same model; chat templates from the GGUF file render like Hugging Face's. */
class GgufParityTest {
    @Test
    void storiesFromSafetensorsAndGgufF32GiveTheSameLogits() {
        Model st = Model.load(TestModels.stories(), "F32");
        Model gg = GgufModel.load(GgufDequantTest.dir().resolve("stories260K-F32.gguf"), "F32");
        int[] tokens = st.codec().promptTokens("Lily and Tom went to the park. They saw a big dog!");
        assertThat(gg.codec().promptTokens("Lily and Tom went to the park. They saw a big dog!"))
                .containsExactly(tokens);
        float[][] a = GgufRun.logits(st, tokens, 1), b = GgufRun.logits(gg, tokens, 1);
        double maxAbs = 0, maxLogit = 0;
        for (int r = 0; r < a.length; r++) {
            for (int i = 0; i < a[r].length; i++) {
                maxAbs = Math.max(maxAbs, Math.abs(a[r][i] - b[r][i]));
                maxLogit = Math.max(maxLogit, Math.abs(a[r][i]));
            }
        }
        System.out.printf(
                "PARITY safetensors vs GGUF F32: %d positions x %d logits, max |diff| %.3g (max |logit| %.2f)%n",
                a.length, a[0].length, maxAbs, maxLogit);
        assertThat(maxAbs).isLessThanOrEqualTo(1e-4);
    }

    @ParameterizedTest
    @MethodSource("dev.fairway.engine.gguf.GgufOracleTest#files")
    void chatTemplateRendersLikeHuggingFace(String file) throws IOException {
        TextCodec codec = GgufModel.loadCodec(GgufDequantTest.dir().resolve(file));
        for (JsonNode chat : GgufOracleTest.reference(file).path("chat")) {
            List<ChatTurn> turns = new ArrayList<>();
            for (JsonNode m : chat.path("messages"))
                turns.add(
                        new ChatTurn(m.path("role").asText(), m.path("content").asText()));
            assertThat(codec.renderChat(turns))
                    .as(file)
                    .isEqualTo(chat.path("hf_jinja2_prompt").asText());
        }
    }

    @Test
    void chatPromptParsesSpecialTokens() throws IOException {
        TextCodec codec = GgufModel.loadCodec(GgufDequantTest.dir().resolve("tiny-smol-Q8_0.gguf"));
        int[] ids = codec.promptTokens("<|im_start|>user\nHi<|im_end|>\n");
        assertThat(ids[0]).isEqualTo(1);
        assertThat(ids).contains(2);
        assertThat(codec.decode(ids)).isEqualTo("user\nHi\n");
        // non-ASCII round trip through the byte-level vocabulary
        String s = "Héllo wörld — ñ 你好，世界 🙂🚀";
        assertThat(codec.decode(codec.encode(s))).isEqualTo(s);
        TextCodec spm = GgufModel.loadCodec(GgufDequantTest.dir().resolve("tiny-tinyllama-F16.gguf"));
        assertThat(spm.decode(spm.encode(s))).isEqualTo(" " + s);
    }
}
