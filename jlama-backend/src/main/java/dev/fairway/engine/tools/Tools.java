package dev.fairway.engine.tools;

import java.util.List;

/** The tools offered with a chat request, how the model may use them, and whether several calls may come at once. */
public record Tools(List<ToolSpec> specs, ToolChoice choice, boolean parallel) {
    /** At most this many calls in one forced answer (parallel_tool_calls). */
    public static final int MAX_PARALLEL_CALLS = 4;

    public static final Tools NONE = new Tools(List.of(), ToolChoice.NONE, false);

    public Tools {
        specs = List.copyOf(specs);
        choice = choice == null ? ToolChoice.AUTO : choice;
        String named = choice.mode() == ToolChoice.Mode.FUNCTION ? choice.function() : null;
        if (named != null && specs.stream().noneMatch(s -> s.name().equals(named))) {
            throw new IllegalArgumentException("tool_choice names an unknown function: " + named);
        }
    }

    /** Whether the model sees the tools at all (tool_choice none hides them). */
    public boolean offered() {
        return !specs.isEmpty() && choice.mode() != ToolChoice.Mode.NONE;
    }

    /** The tools a forced call may use: all of them, or the one named. */
    public List<ToolSpec> callable() {
        if (choice.mode() != ToolChoice.Mode.FUNCTION) return specs;
        return specs.stream().filter(s -> s.name().equals(choice.function())).toList();
    }
}
