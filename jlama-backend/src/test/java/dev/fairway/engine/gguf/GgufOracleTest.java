package dev.fairway.engine.gguf;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fairway.engine.model.Model;
import dev.fairway.engine.text.TextCodec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every shared GGUF file against llama.cpp's own outputs (reference/FILE.json): tokenization, top-20 logprobs of the
 * first 4 generated positions (teacher-forced with llama.cpp's greedy ids), greedy ids/text.
 * Tolerances (README of the test data): 0.5 for stories260K files, 0.05 for the random-weight files.
 */
class GgufOracleTest {
    static Stream<String> files() throws IOException {
        try (Stream<Path> s = Files.list(GgufDequantTest.dir())) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".gguf")).sorted().toList().stream();
        }
    }

    static JsonNode reference(String file) throws IOException {
        return new ObjectMapper()
                .readTree(GgufDequantTest.dir()
                        .resolve("reference")
                        .resolve(file.replace(".gguf", ".json"))
                        .toFile());
    }

    static double tolerance(String file) {
        return file.startsWith("stories") ? 0.5 : 0.05;
    }

    private static final Map<String, Model> MODELS = new HashMap<>();

    static synchronized Model model(String file) {
        return MODELS.computeIfAbsent(
                file, f -> GgufModel.load(GgufDequantTest.dir().resolve(f), "F32"));
    }

    @ParameterizedTest
    @MethodSource("files")
    void tokenizationEqualsLlamaCpp(String file) throws IOException {
        TextCodec codec = GgufModel.loadCodec(GgufDequantTest.dir().resolve(file));
        JsonNode ref = reference(file);
        int n = 0;
        for (JsonNode t : ref.path("tokenize")) {
            String text = t.path("text").asText();
            int[] ids = t.path("add_special").asBoolean() ? codec.promptTokens(text) : codec.encode(text);
            assertThat(ids)
                    .as("%s: %s (add_special %s)", file, text, t.path("add_special"))
                    .containsExactly(ints(t.path("ids")));
            n++;
        }
        for (JsonNode c : ref.path("completions")) {
            assertThat(codec.promptTokens(c.path("prompt").asText())).containsExactly(ints(c.path("prompt_ids")));
        }
        assertThat(n).isGreaterThanOrEqualTo(12);
    }

    @ParameterizedTest
    @MethodSource("files")
    void logprobsWithinToleranceOfLlamaCpp(String file) throws IOException {
        compareLogprobs(file, model(file), "F32");
    }

    /** The default load (quantized files requantized to the engine's Q8 panels) stays within the same tolerance. */
    @ParameterizedTest
    @MethodSource("files")
    void defaultWeightsWithinToleranceOfLlamaCpp(String file) throws IOException {
        Model m = GgufModel.load(GgufDequantTest.dir().resolve(file), null);
        compareLogprobs(file, m, m.weightType());
    }

    private static void compareLogprobs(String file, Model m, String weights) throws IOException {
        JsonNode ref = reference(file);
        double tol = tolerance(file), maxErr = 0, maxTop1 = 0;
        int compared = 0, greedyChecked = 0;
        for (JsonNode c : ref.path("completions")) {
            int[] prompt = ints(c.path("prompt_ids")), gen = ints(c.path("ids"));
            JsonNode tops = c.path("top_logprobs");
            int steps = Math.min(tops.size(), gen.length);
            int[] seq = new int[prompt.length + steps - 1];
            System.arraycopy(prompt, 0, seq, 0, prompt.length);
            System.arraycopy(gen, 0, seq, prompt.length, steps - 1);
            float[][] logits = GgufRun.logits(m, seq, prompt.length);
            for (int s = 0; s < steps; s++) {
                double[] lp = GgufRun.logSoftmax(logits[s]);
                JsonNode top = tops.get(s);
                for (int k = 0; k < top.size(); k++) {
                    double err = Math.abs(lp[top.get(k).path("id").asInt()]
                            - top.get(k).path("logprob").asDouble());
                    maxErr = Math.max(maxErr, err);
                    if (k == 0) maxTop1 = Math.max(maxTop1, err);
                    compared++;
                }
                double margin = top.get(0).path("logprob").asDouble()
                        - top.get(1).path("logprob").asDouble();
                if (margin >= tol) {
                    assertThat(GgufRun.argmax(logits[s]))
                            .as(
                                    "%s '%s' greedy token %d",
                                    file, c.path("prompt").asText(), s)
                            .isEqualTo(gen[s]);
                    greedyChecked++;
                }
            }
        }
        System.out.printf(
                "ORACLE %s as %s: %d logprobs compared, max |dlogprob| %.5f (top-1 %.5f), tolerance %.2f, "
                        + "%d greedy tokens checked%n",
                file, weights, compared, maxErr, maxTop1, tol, greedyChecked);
        assertThat(maxErr).as(file + " max |logprob - llama.cpp|").isLessThanOrEqualTo(tol);
    }

    @ParameterizedTest
    @MethodSource("files")
    void storiesGreedyTextEqualsLlamaCpp(String file) throws IOException {
        if (!file.startsWith("stories")) return; // random-weight files have near-ties: see the logprob test
        Model m = model(file);
        JsonNode ref = reference(file);
        JsonNode twin = ref.path("f32_activation_twin").path("completions");
        for (int i = 0; i < ref.path("completions").size(); i++) {
            JsonNode c = ref.path("completions").get(i);
            int[] ids = GgufRun.greedy(m, ints(c.path("prompt_ids")), ints(c.path("ids")).length);
            String text = m.codec().decode(ids);
            if (file.equals("stories260K-Q4_0.gguf")
                    && c.path("prompt").asText().equals("The little dog")) {
                assertThat(text)
                        .as(file)
                        .isIn(c.path("text").asText(), twin.get(i).path("text").asText());
            } else {
                assertThat(text)
                        .as("%s '%s'", file, c.path("prompt").asText())
                        .isEqualTo(c.path("text").asText());
            }
        }
    }

    static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).asInt();
        return out;
    }
}
