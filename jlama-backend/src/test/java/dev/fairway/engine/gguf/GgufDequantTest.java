package dev.fairway.engine.gguf;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fairway.testkit.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every tensor type in the shared GGUF files dequantizes to gguf-py's values (reference/*.dequant.json). */
class GgufDequantTest {
    static Path dir() {
        return TestModels.model("gguf");
    }

    static Stream<String> dequantFiles() throws IOException {
        try (Stream<Path> s = Files.list(dir().resolve("reference"))) {
            return s
                    .map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".dequant.json"))
                    .sorted()
                    .toList()
                    .stream();
        }
    }

    @ParameterizedTest
    @MethodSource("dequantFiles")
    void matchesGgufPy(String refName) throws IOException {
        JsonNode ref = new ObjectMapper()
                .readTree(dir().resolve("reference").resolve(refName).toFile());
        try (GgufFile f = GgufFile.open(dir().resolve(ref.path("file").asText()))) {
            long dataStart = -1;
            for (JsonNode t : ref.path("tensors")) {
                GgufTensor tensor = f.tensor(t.path("name").asText());
                assertThat(tensor.type().name()).isEqualTo(t.path("type").asText());
                assertThat(tensor.elements()).isEqualTo(t.path("n_elements").asLong());
                assertThat(tensor.bytes()).isEqualTo(t.path("n_bytes").asLong());
                if (dataStart < 0)
                    dataStart = tensor.offset() - t.path("data_offset").asLong();
                assertThat(tensor.offset() - dataStart)
                        .as("data offset")
                        .isEqualTo(t.path("data_offset").asLong());
                float[] v = f.floats(tensor);
                double maxErr = 0;
                int i = 0;
                for (JsonNode e : t.path("first64")) maxErr = Math.max(maxErr, err(v[i++], e.floatValue()));
                JsonNode idx = t.path("strided_indices"), vals = t.path("strided_values");
                for (int k = 0; k < idx.size(); k++)
                    maxErr = Math.max(
                            maxErr, err(v[idx.get(k).asInt()], vals.get(k).floatValue()));
                assertThat(maxErr).as(tensor + " max relative error").isLessThanOrEqualTo(1e-6);
            }
        }
    }

    private static double err(float a, float b) {
        return Math.abs(a - b) / Math.max(1e-3, Math.abs(b));
    }

    /** Every supported quantized type appears in the oracle (so none goes untested). */
    @Test
    void oracleCoversEverySupportedType() throws IOException {
        TreeSet<String> seen = new TreeSet<>();
        for (String n : dequantFiles().toList()) {
            for (JsonNode t : new ObjectMapper()
                    .readTree(dir().resolve("reference").resolve(n).toFile())
                    .path("tensors")) {
                seen.add(t.path("type").asText());
            }
        }
        List<String> supported = new ArrayList<>();
        for (GgmlType t : GgmlType.values()) if (t.supported) supported.add(t.name());
        assertThat(seen).containsAll(supported);
    }
}
