package dev.fairway.engine.tools;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ToolCallExtractorTest {
    static final Set<String> NAMES = Set.of("get_weather", "get_time");

    record Streamed(String content, List<String> names, List<String> arguments, List<String> order) {}

    /** Feeds the text in pieces of the given size and reassembles the events as an OpenAI client would. */
    static Streamed stream(String text, int piece) {
        ToolCallExtractor x = new ToolCallExtractor(NAMES);
        List<ToolCallExtractor.Event> events = new ArrayList<>();
        for (int i = 0; i < text.length(); i += piece)
            events.addAll(x.feed(text.substring(i, Math.min(text.length(), i + piece))));
        events.addAll(x.finish());
        StringBuilder content = new StringBuilder();
        List<String> names = new ArrayList<>();
        List<StringBuilder> args = new ArrayList<>();
        List<String> order = new ArrayList<>();
        for (var e : events) {
            switch (e) {
                case ToolCallExtractor.Content c -> content.append(c.text());
                case ToolCallExtractor.CallStart s -> {
                    assertThat(s.index()).isEqualTo(names.size());
                    assertThat(s.id()).startsWith("call_");
                    names.add(s.name());
                    args.add(new StringBuilder());
                    order.add("start" + s.index());
                }
                case ToolCallExtractor.CallArguments a -> {
                    assertThat(a.index()).isLessThan(names.size()); // a call's name comes before its arguments
                    args.get(a.index()).append(a.fragment());
                    order.add("args" + a.index());
                }
            }
        }
        // the whole text at once gives the same answer
        assertThat(x.content()).isEqualTo(content.toString());
        assertThat(x.calls().stream().map(ToolCall::name).toList()).isEqualTo(names);
        return new Streamed(
                content.toString(),
                names,
                args.stream().map(b -> b.toString().strip()).toList(),
                order);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 7, 1000})
    void hermesBlocksStreamIdAndNameFirstThenArguments(int piece) {
        String text = "Let me check.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\","
                + " \"days\": [1, 2]}}\n</tool_call>\n<tool_call>\n{\"name\": \"get_time\", \"arguments\": {}}\n"
                + "</tool_call>";
        Streamed s = stream(text, piece);
        assertThat(s.content()).isEqualTo("Let me check.\n");
        assertThat(s.names()).containsExactly("get_weather", "get_time");
        assertThat(s.arguments()).containsExactly("{\"city\": \"Paris\", \"days\": [1, 2]}", "{}");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 5, 1000})
    void mistralArraysAndLlamaJson(int piece) {
        Streamed m = stream("[TOOL_CALLS] [{\"name\": \"get_time\", \"arguments\": {\"tz\": \"UTC\"}}]", piece);
        assertThat(m.names()).containsExactly("get_time");
        assertThat(m.arguments()).containsExactly("{\"tz\": \"UTC\"}");
        Streamed l = stream("{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Oslo\"}}", piece);
        assertThat(l.names()).containsExactly("get_weather");
        assertThat(l.arguments()).containsExactly("{\"city\": \"Oslo\"}");
        assertThat(l.content()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 4, 1000})
    void jsonThatIsNoCallAndTextThatLooksLikeAMarkerStayContent(int piece) {
        assertThat(stream("{\"answer\": 42}", piece).content()).isEqualTo("{\"answer\": 42}");
        assertThat(stream("{\"name\": \"unknown_tool\", \"arguments\": {}}", piece)
                        .names())
                .isEmpty();
        assertThat(stream("a <tool box> here", piece).content()).isEqualTo("a <tool box> here");
        assertThat(stream("Once upon a time", piece).names()).isEmpty();
    }

    @Test
    void argumentsWrittenAsAStringAreDecoded() {
        Streamed s = stream(
                "<tool_call>{\"name\": \"get_time\", \"arguments\": \"{\\\"tz\\\": \\\"CET\\\"}\"}</tool_call>", 2);
        assertThat(s.arguments()).containsExactly("{\"tz\": \"CET\"}");
    }

    @Test
    void aCallWithoutArgumentsGetsAnEmptyObject() {
        assertThat(stream("<tool_call>{\"name\": \"get_time\"}</tool_call>", 3).arguments())
                .containsExactly("{}");
    }
}
