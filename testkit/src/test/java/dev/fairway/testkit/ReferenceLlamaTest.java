package dev.fairway.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.tjake.jlama.model.llama.LlamaTokenizer;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Proves the oracle itself: the real stories260K weights tell the known story. */
class ReferenceLlamaTest {

    static Path shared() {
        return Path.of(System.getProperty("fairway.shared", "../../shared"));
    }

    @Test
    void stories260kGreedyContinuationIsTheKnownStory() {
        Path dir = shared().resolve("models/stories260K");
        ReferenceLlama ref = ReferenceLlama.load(dir);
        LlamaTokenizer tok = new LlamaTokenizer(dir);
        long[] enc = tok.encode("Once upon a time");
        int[] prompt = new int[enc.length + 1];
        prompt[0] = 1;
        for (int i = 0; i < enc.length; i++) prompt[i + 1] = (int) enc[i];
        if (enc.length > 0 && enc[0] == 1) prompt = Arrays.copyOfRange(prompt, 1, prompt.length);

        int[] out = ref.greedy(prompt, 12);
        String text = tok.decode(Arrays.stream(out).asLongStream().toArray());
        assertThat(text).startsWith(", there was a little girl named Lily.");
    }

    @Test
    void logitsAtEveryPositionEqualPrefixRuns() {
        ReferenceLlama ref = ReferenceLlama.load(shared().resolve("models/stories260K"));
        int[] tokens = {1, 403, 407, 261, 378, 270};
        float[][] all = ref.logits(tokens);
        float[][] prefix = ref.logits(Arrays.copyOf(tokens, 3));
        assertThat(all).hasNumberOfRows(tokens.length);
        assertThat(all[2]).containsExactly(prefix[2]);
    }
}
