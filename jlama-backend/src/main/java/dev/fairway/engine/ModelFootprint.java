package dev.fairway.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fairway.engine.gguf.GgmlType;
import dev.fairway.engine.gguf.GgufFile;
import dev.fairway.engine.gguf.GgufModel;
import dev.fairway.engine.gguf.GgufTensor;
import dev.fairway.engine.gguf.OllamaStore;
import dev.fairway.engine.kv.PagedKvCache;
import dev.fairway.engine.model.ModelConfig;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What a model will take in memory once loaded, read from its files without loading it: the weights in the type the
 * engine will hold them in (F32, Q8 or Q4, with their packed copies) plus the KV pool the engine config asks for.
 * Computed by the loaders' own rules (the tests find it equal to {@link Engine#memoryBytes()}, the figure of a
 * loaded engine). Also reports the stored quantization and the context length, for model listings.
 *
 * @param storedType the weights' type on disk: a GGUF file's quantization (Q4_K_M, Q8_0, F16...), or a folder's
 *     safetensors type (F32, F16, BF16, jlama's Q4 and Q8)
 * @param weightType the type the engine will hold them in (F32, Q8, Q4)
 */
public record ModelFootprint(
        long weightBytes,
        long kvBytes,
        String storedType,
        String weightType,
        int contextLength,
        long parameterCount,
        long fileBytes) {

    /** In-memory bytes per weight: the quantized values, their F32 block scales, and the panel-packed copy. */
    private static final Map<String, Double> BYTES_PER_WEIGHT = Map.of("F32", 4.0, "Q8", 2.25, "Q4", 1.25);

    /** llama.cpp's general.file_type values: the quantization a GGUF file was made with. */
    private static final Map<Integer, String> FILE_TYPES = Map.ofEntries(
            Map.entry(0, "F32"),
            Map.entry(1, "F16"),
            Map.entry(2, "Q4_0"),
            Map.entry(3, "Q4_1"),
            Map.entry(7, "Q8_0"),
            Map.entry(8, "Q5_0"),
            Map.entry(9, "Q5_1"),
            Map.entry(10, "Q2_K"),
            Map.entry(11, "Q3_K_S"),
            Map.entry(12, "Q3_K_M"),
            Map.entry(13, "Q3_K_L"),
            Map.entry(14, "Q4_K_S"),
            Map.entry(15, "Q4_K_M"),
            Map.entry(16, "Q5_K_S"),
            Map.entry(17, "Q5_K_M"),
            Map.entry(18, "Q6_K"),
            Map.entry(32, "BF16"));

    public long totalBytes() {
        return weightBytes + kvBytes;
    }

    /**
     * The footprint of {@code config.model()} if it is on this machine (a folder, a GGUF file, an Ollama name in the
     * local store), else null (a Hugging Face id not downloaded: its size is known once loaded). Throws
     * IOException or a RuntimeException for a file that cannot be read as a model.
     */
    public static ModelFootprint estimate(EngineConfig config) throws IOException {
        String model = config.model();
        Path source;
        if (model.startsWith(OllamaStore.PREFIX)) {
            try {
                source = OllamaStore.resolve(model, OllamaStore.defaultStore());
            } catch (RuntimeException e) {
                return null;
            }
        } else {
            source = Path.of(model);
        }
        if (Files.isRegularFile(source) && GgufModel.isGguf(source)) return gguf(source, config);
        if (Files.isDirectory(source) && Files.isRegularFile(source.resolve("config.json")))
            return folder(source, config);
        return null;
    }

    private static ModelFootprint gguf(Path file, EngineConfig config) throws IOException {
        try (GgufFile f = GgufFile.open(file)) {
            ModelConfig c = GgufModel.config(f);
            Map<GgmlType, Long> byType = new HashMap<>();
            boolean quantized = false;
            for (GgufTensor t : f.tensors().values()) {
                if (t.ne().length < 2) continue;
                byType.merge(t.type(), t.elements(), Long::sum);
                quantized |= t.type() != GgmlType.F32 && t.type() != GgmlType.F16 && t.type() != GgmlType.BF16;
            }
            String stored = FILE_TYPES.getOrDefault(
                    (int) f.uint("general.file_type", -1),
                    byType.entrySet().stream()
                            .max(Map.Entry.comparingByValue())
                            .map(e -> e.getKey().name())
                            .orElse("F32"));
            // as GgufModel.load: quantized files are held as Q8 unless a type is asked for
            String held = config.weightType() != null
                    ? config.weightType().toUpperCase(Locale.ROOT)
                    : (quantized ? "Q8" : "F32");
            return of(c, config, stored, held, Files.size(file));
        }
    }

    private static ModelFootprint folder(Path folder, EngineConfig config) throws IOException {
        ModelConfig c = ModelConfig.read(folder.resolve("config.json"));
        Map<String, Long> byType = new HashMap<>();
        long fileBytes = 0;
        List<Path> files;
        try (Stream<Path> s = Files.list(folder)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".safetensors"))
                    .sorted()
                    .toList();
        }
        for (Path p : files) {
            fileBytes += Files.size(p);
            safetensorsTypes(p, byType);
        }
        String stored = byType.entrySet().stream()
                .max(Map.Entry.comparingByValue())
                .map(Map.Entry::getKey)
                .orElse("F32");
        // as Model.load: a quantized stored type (jlama Q4/Q8) is kept, anything else is expanded to F32
        String held = config.weightType() != null
                ? config.weightType().toUpperCase(Locale.ROOT)
                : (stored.equals("Q4") || stored.equals("Q8") ? stored : "F32");
        return of(c, config, stored, held, fileBytes);
    }

    /** Adds the element count of each 2-D tensor in a safetensors header to its dtype's total. */
    private static void safetensorsTypes(Path file, Map<String, Long> byType) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] len = new DataInputStream(in).readNBytes(8);
            if (len.length < 8) return;
            long n = ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (n <= 0 || n > 100_000_000) return;
            JsonNode header = new ObjectMapper().readTree(in.readNBytes((int) n));
            header.fields().forEachRemaining(e -> {
                JsonNode shape = e.getValue().path("shape");
                if (!shape.isArray() || shape.size() < 2) return;
                long elements = 1;
                for (JsonNode d : shape) elements *= d.asLong();
                byType.merge(e.getValue().path("dtype").asText("F32"), elements, Long::sum);
            });
        }
    }

    private static ModelFootprint of(ModelConfig c, EngineConfig config, String stored, String held, long fileBytes) {
        long h = c.hidden();
        long perLayer = h * (c.qDim() + 2L * c.kvDim()) + (long) c.qDim() * h + 3L * h * c.intermediate();
        long matrices = c.layers() * perLayer + (long) c.vocab() * h; // the LM head (or the tied embeddings)
        double perWeight = BYTES_PER_WEIGHT.getOrDefault(held, 4.0);
        // the LM head is held in the weight type; the embeddings are looked up in F32
        long weights = (long) (matrices * perWeight) + (long) c.vocab() * h * 4L;
        long params = matrices + (c.tiedEmbeddings() ? 0 : (long) c.vocab() * h);
        return new ModelFootprint(
                weights,
                kvBytes(c, config),
                stored,
                held,
                c.maxPositions(),
                params + 2 * h * c.layers() + h,
                fileBytes);
    }

    /** The KV pool the engine allocates for this model and config (the same rule as the engine's constructor). */
    static long kvBytes(ModelConfig c, EngineConfig config) {
        int blockSize = config.blockSize();
        long blocks = config.kvCacheTokens() > 0
                ? (config.kvCacheTokens() + blockSize - 1) / blockSize
                : PagedKvCache.blocksForMegabytes(c, config.kvCacheMb(), blockSize);
        return blocks * PagedKvCache.bytesPerBlock(c, blockSize);
    }
}
