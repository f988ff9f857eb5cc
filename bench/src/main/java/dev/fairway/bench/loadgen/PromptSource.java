package dev.fairway.bench.loadgen;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Where prompts come from: generated text of a fixed or uniform length, or a JSONL file. Thread-safe. */
public interface PromptSource {
    String next();

    /** Short description for the report. */
    String describe();

    /** True when prompt lengths are word counts that only approximate tokens. */
    boolean approximate();

    /** {@code "128"} (fixed) or {@code "64:256"} (uniform, inclusive). */
    static PromptSource ofTokens(String spec, long seed) {
        String[] parts = spec.trim().split(":");
        try {
            int lo = Integer.parseInt(parts[0].trim());
            int hi = parts.length == 2 ? Integer.parseInt(parts[1].trim()) : lo;
            if (parts.length > 2 || lo < 1 || hi < lo) throw new NumberFormatException();
            return new Generated(lo, hi, new Random(seed));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "--prompt-tokens expects N or MIN:MAX with 1 <= MIN <= MAX, got '" + spec + "'");
        }
    }

    /** One {"prompt": "..."} per line; blank lines skipped; served in file order, cycling. */
    static PromptSource ofJsonl(Path file) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<String> prompts = new ArrayList<>();
        int lineNo = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            lineNo++;
            if (line.isBlank()) continue;
            JsonNode node;
            try {
                node = json.readTree(line);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalArgumentException(file + ":" + lineNo + ": not JSON: " + e.getOriginalMessage());
            }
            JsonNode p = node == null ? null : node.get("prompt");
            if (p == null || !p.isTextual())
                throw new IllegalArgumentException(file + ":" + lineNo + ": expected {\"prompt\": \"...\"}");
            prompts.add(p.asText());
        }
        if (prompts.isEmpty()) throw new IllegalArgumentException(file + ": no prompts");
        return new FromFile(file.getFileName().toString(), prompts);
    }

    final class Generated implements PromptSource {
        private final int lo, hi;
        private final Random random;

        Generated(int lo, int hi, Random random) {
            this.lo = lo;
            this.hi = hi;
            this.random = random;
        }

        @Override
        public synchronized String next() {
            int n = lo == hi ? lo : lo + random.nextInt(hi - lo + 1);
            return WordText.generate(n, random);
        }

        @Override
        public String describe() {
            return (lo == hi ? "~" + lo : "~" + lo + ".." + hi) + " tokens (generated words)";
        }

        @Override
        public boolean approximate() {
            return true;
        }
    }

    final class FromFile implements PromptSource {
        private final String name;
        private final List<String> prompts;
        private int i;

        FromFile(String name, List<String> prompts) {
            this.name = name;
            this.prompts = List.copyOf(prompts);
        }

        @Override
        public synchronized String next() {
            String p = prompts.get(i);
            i = (i + 1) % prompts.size();
            return p;
        }

        @Override
        public String describe() {
            return prompts.size() + " prompts from " + name;
        }

        @Override
        public boolean approximate() {
            return false;
        }

        public int size() {
            return prompts.size();
        }
    }
}
