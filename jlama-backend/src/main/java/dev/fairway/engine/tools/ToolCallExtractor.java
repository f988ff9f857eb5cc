package dev.fairway.engine.tools;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.IntFunction;

/**
 * Splits a model's output, as it streams, into content and tool calls, whichever native format the calls come in
 * ({@code <tool_call>} blocks, {@code [TOOL_CALLS]} arrays, bare JSON objects with "name" and "arguments" or
 * "parameters"). Events come as OpenAI streams them: a call's id and name first, then fragments of its arguments.
 * Text that might still turn out to be a call is held back until it is known. The non-streaming answer is the same
 * extractor fed the whole text, so both always agree.
 */
public final class ToolCallExtractor {
    public sealed interface Event permits Content, CallStart, CallArguments {}

    public record Content(String text) implements Event {}

    public record CallStart(int index, String id, String name) implements Event {}

    public record CallArguments(int index, String fragment) implements Event {}

    private static final List<String> MARKERS = List.of("<tool_call>", "[TOOL_CALLS]", "<|python_tag|>");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Set<String> names;
    private final IntFunction<String> ids;
    private final StringBuilder text = new StringBuilder();
    private final StringBuilder content = new StringBuilder();
    private int contentEmitted;
    /** Where the calls begin in the text; -1 while it is content. */
    private int callsFrom = -1;

    private final List<Started> started = new ArrayList<>();

    private static final class Started {
        final int parsedIndex;
        final String id;
        final String name;
        int argumentsEmitted = -1;
        String arguments = "";

        Started(int parsedIndex, String id, String name) {
            this.parsedIndex = parsedIndex;
            this.id = id;
            this.name = name;
        }
    }

    /** {@code names}: the tools offered; calls to other names are not calls. */
    public ToolCallExtractor(Set<String> names) {
        this(names, i -> ToolCall.newId());
    }

    /**
     * {@code ids}: the id of the call at each index; two extractors fed the same text with the same ids agree (the
     * gateway stores a conversation reply with the call ids its client was sent).
     */
    public ToolCallExtractor(Set<String> names, IntFunction<String> ids) {
        this.names = Set.copyOf(names);
        this.ids = ids;
    }

    public List<Event> feed(String delta) {
        text.append(delta);
        List<Event> out = new ArrayList<>();
        process(out, false);
        return out;
    }

    /** At the end of the output: what was held back, as content or as the rest of the calls. */
    public List<Event> finish() {
        List<Event> out = new ArrayList<>();
        process(out, true);
        if (callsFrom >= 0 && started.isEmpty()) emitContent(text.length(), out); // it was no call after all
        return out;
    }

    public List<ToolCall> calls() {
        List<ToolCall> calls = new ArrayList<>();
        for (Started s : started) calls.add(new ToolCall(s.id, s.name, s.arguments.strip()));
        return calls;
    }

    public String content() {
        return content.toString();
    }

    private void process(List<Event> out, boolean end) {
        String t = text.toString();
        if (callsFrom < 0) findCalls(t, out, end);
        if (callsFrom >= 0) followCalls(t, out, end);
    }

    private void findCalls(String t, List<Event> out, boolean end) {
        int first = firstNonSpace(t);
        if (first >= 0 && contentEmitted == 0 && (t.charAt(first) == '{' || t.charAt(first) == '[')) {
            callsFrom = first; // a bare JSON answer may be a call (Llama 3, Mistral without its marker)
            return;
        }
        int marker = -1;
        for (String m : MARKERS) {
            int i = t.indexOf(m, Math.max(0, contentEmitted - m.length()));
            if (i >= 0 && (marker < 0 || i < marker)) marker = i;
        }
        if (marker >= 0) {
            emitContent(marker, out);
            callsFrom = marker;
            return;
        }
        if (end) {
            emitContent(t.length(), out);
            return;
        }
        int hold = first < 0 ? t.length() : heldSuffix(t);
        emitContent(t.length() - hold, out);
    }

    /** The longest end of t that begins a marker: it may still become one. */
    private static int heldSuffix(String t) {
        int hold = 0;
        for (String m : MARKERS) {
            for (int k = Math.min(m.length() - 1, t.length()); k > hold; k--) {
                if (t.endsWith(m.substring(0, k))) {
                    hold = k;
                    break;
                }
            }
        }
        return hold;
    }

    private void emitContent(int upTo, List<Event> out) {
        if (upTo <= contentEmitted) return;
        String s = text.substring(contentEmitted, upTo);
        contentEmitted = upTo;
        content.append(s);
        out.add(new Content(s));
    }

    private void followCalls(String t, List<Event> out, boolean end) {
        List<CallScanner.Parsed> parsed = CallScanner.scan(t, callsFrom);
        for (int i = 0; i < parsed.size(); i++) {
            CallScanner.Parsed p = parsed.get(i);
            Started s = startedFor(i);
            if (s == null) {
                if (p.name() == null || !names.contains(p.name())) continue;
                s = new Started(i, ids.apply(started.size()), p.name());
                started.add(s);
                out.add(new CallStart(started.size() - 1, s.id, s.name));
            }
            emitArguments(t, p, s, started.indexOf(s), out, end);
        }
    }

    private Started startedFor(int parsedIndex) {
        for (Started s : started) if (s.parsedIndex == parsedIndex) return s;
        return null;
    }

    private void emitArguments(String t, CallScanner.Parsed p, Started s, int index, List<Event> out, boolean end) {
        if (p.argumentsStart() < 0) {
            if (end && s.argumentsEmitted < 0) {
                s.arguments = "{}";
                s.argumentsEmitted = t.length();
                out.add(new CallArguments(index, "{}"));
            }
            return;
        }
        int upTo = p.argumentsEnd() >= 0 ? p.argumentsEnd() : t.length();
        if (t.charAt(p.argumentsStart()) == '"') {
            // arguments written as a JSON string: sent decoded, once complete
            if (p.argumentsEnd() < 0 || s.argumentsEmitted >= 0) return;
            try {
                s.arguments =
                        JSON.readTree(t.substring(p.argumentsStart(), upTo)).asText();
            } catch (Exception e) {
                s.arguments = "{}";
            }
            s.argumentsEmitted = upTo;
            out.add(new CallArguments(index, s.arguments));
            return;
        }
        int from = Math.max(p.argumentsStart(), s.argumentsEmitted);
        if (upTo > from) {
            String fragment = t.substring(from, upTo);
            s.arguments += fragment;
            s.argumentsEmitted = upTo;
            out.add(new CallArguments(index, fragment));
        }
    }

    private static int firstNonSpace(String t) {
        for (int i = 0; i < t.length(); i++) if (!Character.isWhitespace(t.charAt(i))) return i;
        return -1;
    }
}
