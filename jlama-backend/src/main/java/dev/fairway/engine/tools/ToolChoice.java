package dev.fairway.engine.tools;

/** OpenAI's tool_choice: the model decides (auto), must not call (none), must call (required), or must call one. */
public record ToolChoice(Mode mode, String function) {
    public enum Mode {
        AUTO,
        NONE,
        REQUIRED,
        FUNCTION
    }

    public static final ToolChoice AUTO = new ToolChoice(Mode.AUTO, null);
    public static final ToolChoice NONE = new ToolChoice(Mode.NONE, null);
    public static final ToolChoice REQUIRED = new ToolChoice(Mode.REQUIRED, null);

    public static ToolChoice function(String name) {
        return new ToolChoice(Mode.FUNCTION, name);
    }

    /** Calls are forced: generated under a grammar, so they are always well-formed with valid arguments. */
    public boolean forcesCall() {
        return mode == Mode.REQUIRED || mode == Mode.FUNCTION;
    }
}
