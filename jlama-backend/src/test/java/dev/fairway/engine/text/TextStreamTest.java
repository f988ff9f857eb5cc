package dev.fairway.engine.text;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fairway.engine.model.Model;
import dev.fairway.testkit.TestModels;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TextStreamTest {
    static TextCodec codec;

    @BeforeAll
    static void load() throws Exception {
        codec = Model.loadCodec(TestModels.stories());
    }

    static List<String> stream(String text, List<String> stops, TextStream[] out) {
        TextStream s = new TextStream(codec, stops);
        out[0] = s;
        List<String> deltas = new ArrayList<>();
        for (int t : codec.encode(text)) {
            deltas.add(s.add(t));
            if (s.stopped()) return deltas;
        }
        deltas.add(s.flush());
        return deltas;
    }

    @Test
    void multiByteCharactersAreNeverSplit() {
        String text = " Zoë saw a 😀 and a 猫.";
        int[] ids = codec.encode(text);
        assertThat(ids.length).as("byte-fallback tokens").isGreaterThan(text.length() / 2);
        TextStream[] s = new TextStream[1];
        List<String> deltas = stream(text, List.of(), s);
        for (String d : deltas) assertThat(d).doesNotContain("\uFFFD");
        assertThat(String.join("", deltas)).isEqualTo(codec.decode(ids));
        assertThat(String.join("", deltas)).contains("Zoë", "😀", "猫");
    }

    @Test
    void stopStringIsCutAndItsPrefixIsHeldBack() {
        TextStream[] s = new TextStream[1];
        String text = "Tom went to the park and played.";
        String full = codec.decode(codec.encode(text));
        String expected = full.substring(0, full.indexOf("park"));
        List<String> deltas = stream(text, List.of("park"), s);
        assertThat(s[0].stopped()).isTrue();
        assertThat(String.join("", deltas)).isEqualTo(expected).endsWith("the ");
        assertThat(deltas).noneMatch(d -> d.contains("p") || d.contains("pa"));
        assertThat(s[0].text()).isEqualTo(expected);
    }

    @Test
    void heldBackPrefixIsReleasedWhenTheStopDoesNotComplete() {
        TextStream[] s = new TextStream[1];
        String text = "Tom went to the pa";
        List<String> deltas = stream(text, List.of("park"), s);
        assertThat(s[0].stopped()).isFalse();
        assertThat(String.join("", deltas))
                .isEqualTo(codec.decode(codec.encode(text)))
                .endsWith("the pa");
        assertThat(deltas.get(deltas.size() - 1)).endsWith("pa");
    }
}
