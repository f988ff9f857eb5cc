package dev.fairway.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fairway.engine.Engine;
import dev.fairway.engine.EngineConfig;
import dev.fairway.engine.GenerationRequest;
import dev.fairway.engine.Prompt;
import dev.fairway.engine.SamplingParams;
import dev.fairway.testkit.TestModels;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** BF16 and F16 checkpoints (most Hugging Face models) load and tell the same story as the F32 original. */
class HalfPrecisionWeightsTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"BF16", "F16"})
    void halfPrecisionCheckpointTellsTheSameStory(String dtype) throws IOException {
        Path src = TestModels.stories();
        for (String f : new String[] {"config.json", "tokenizer.json", "tokenizer_config.json"}) {
            Files.copy(src.resolve(f), dir.resolve(f));
        }
        convert(src.resolve("model.safetensors"), dir.resolve("model.safetensors"), dtype);
        SamplingParams greedy = SamplingParams.greedy(12);
        try (Engine e = Engine.create(
                Model.load(dir, null), EngineConfig.builder().kvCacheTokens(512).build())) {
            assertThat(e.generate(GenerationRequest.of(Prompt.text("Once upon a time"), greedy))
                            .text())
                    .startsWith(", there was a little girl named Lily");
        }
    }

    /** Rewrites an F32 safetensors file with every tensor in BF16 or F16 (round to nearest). */
    private static void convert(Path in, Path out, String dtype) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(in)).order(ByteOrder.LITTLE_ENDIAN);
        int headerLen = (int) buf.getLong(0);
        ObjectMapper om = new ObjectMapper();
        ObjectNode header = (ObjectNode) om.readTree(new String(buf.array(), 8, headerLen, StandardCharsets.UTF_8));
        ObjectNode outHeader = om.createObjectNode();
        ByteBuffer data = ByteBuffer.allocate(buf.capacity()).order(ByteOrder.LITTLE_ENDIAN);
        for (Iterator<Map.Entry<String, com.fasterxml.jackson.databind.JsonNode>> it = header.fields();
                it.hasNext(); ) {
            var e = it.next();
            if (e.getKey().equals("__metadata__")) continue;
            long from = e.getValue().get("data_offsets").get(0).asLong(),
                    to = e.getValue().get("data_offsets").get(1).asLong();
            int start = data.position();
            for (long p = from; p < to; p += 4) {
                float v = buf.getFloat(8 + headerLen + (int) p);
                data.putShort(dtype.equals("BF16") ? bf16(v) : Float.floatToFloat16(v));
            }
            ObjectNode t = outHeader.putObject(e.getKey());
            t.put("dtype", dtype);
            t.set("shape", e.getValue().get("shape"));
            t.putArray("data_offsets").add(start).add(data.position());
        }
        byte[] h = om.writeValueAsBytes(outHeader);
        ByteBuffer file = ByteBuffer.allocate(8 + h.length + data.position()).order(ByteOrder.LITTLE_ENDIAN);
        file.putLong(h.length).put(h).put(data.array(), 0, data.position());
        Files.write(out, file.array());
    }

    private static short bf16(float v) {
        int bits = Float.floatToRawIntBits(v);
        return (short) ((bits + 0x7FFF + ((bits >> 16) & 1)) >>> 16);
    }
}
