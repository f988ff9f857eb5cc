package dev.fairway.bench.engine;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fairway.engine.gguf.GgufFile;
import dev.fairway.testkit.GgufExport;
import dev.fairway.testkit.GgufQuantizer;
import dev.fairway.testkit.TestModels;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

/** The GGUF files of `bench engine --gguf`: written from the random weights once, and the table of their rows. */
final class GgufVariants {
    private GgufVariants() {}

    static Function<String, GgufQuantizer.Type> typeOf(String type) {
        return switch (type.toUpperCase(Locale.ROOT)) {
            case "Q4_K_M" -> GgufExport::q4km;
            case "Q4_K" -> GgufExport.all(GgufQuantizer.Type.Q4_K);
            case "Q6_K" -> GgufExport.all(GgufQuantizer.Type.Q6_K);
            case "Q8_0" -> GgufExport.all(GgufQuantizer.Type.Q8_0);
            case "F32" -> GgufExport.all(GgufQuantizer.Type.F32);
            default ->
                throw new picocli.CommandLine.ParameterException(
                        new picocli.CommandLine(new EngineBenchCommand()),
                        "--gguf: unknown type " + type + " (Q4_K_M, Q4_K, Q6_K, Q8_0, F32)");
        };
    }

    /** The cached GGUF file of the random folder {@code dir} in {@code type}, written first if missing. */
    static Path file(Path dir, String type) throws IOException {
        Path file = dir.resolveSibling(dir.getFileName() + "-" + type.toUpperCase(Locale.ROOT) + ".gguf");
        if (Files.isRegularFile(file)) return file;
        Path tmp = Files.createTempFile(dir.getParent(), "gguf-", ".part");
        try {
            GgufExport.export(dir, tmp, typeOf(type), tokenizerFor(dir));
            return Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The tokenizer metadata of a shared GGUF file whose vocabulary has the folder's size. */
    private static Map<String, Object> tokenizerFor(Path dir) throws IOException {
        int vocab = new ObjectMapper()
                .readTree(dir.resolve("config.json").toFile())
                .path("vocab_size")
                .asInt();
        try (Stream<Path> files = Files.list(TestModels.shared().resolve("models/gguf"))) {
            for (Path p :
                    files.filter(f -> f.toString().endsWith(".gguf")).sorted().toList()) {
                try (GgufFile f = GgufFile.open(p)) {
                    if (f.get("tokenizer.ggml.tokens") instanceof String[] tokens && tokens.length == vocab) {
                        return f.metadata();
                    }
                }
            }
        }
        throw new IOException("no shared GGUF file has a vocabulary of " + vocab + " tokens for " + dir);
    }

    /** One line per mode and n: each variant's tok/s (mean of its two rounds) and its ratio to the folder at Q8. */
    static void printTable(PrintStream out, Map<String, List<EngineBenchCommand.Result>> rounds) {
        List<String> labels = List.copyOf(rounds.keySet());
        StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "%-26s %-10s %3s", "model", "mode", "n"));
        for (String l : labels) head.append(String.format(Locale.ROOT, " %14s", l + " tok/s"));
        out.println(head);
        List<EngineBenchCommand.Result> base = rounds.get(labels.get(0));
        int rows = base.size() / 2;
        for (int i = 0; i < rows; i++) {
            EngineBenchCommand.Result r = base.get(i);
            StringBuilder line =
                    new StringBuilder(String.format(Locale.ROOT, "%-26s %-10s %3d", r.model(), r.mode(), r.n()));
            for (String l : labels) {
                List<EngineBenchCommand.Result> rs = rounds.get(l);
                double mean = (rs.get(i).tokensPerSecond() + rs.get(i + rows).tokensPerSecond()) / 2;
                line.append(String.format(Locale.ROOT, " %14.1f", mean));
            }
            out.println(line);
        }
        out.println("# each figure: mean of two rounds (variants loaded in one order, then the reverse);"
                + " GGUF files load to Q8 panels (the engine's default for quantized GGUF).");
    }
}
