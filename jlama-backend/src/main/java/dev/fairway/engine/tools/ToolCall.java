package dev.fairway.engine.tools;

/** One call the model made: an id for the tool's answer to refer to, the function's name, its JSON arguments. */
public record ToolCall(String id, String name, String arguments) {
    public ToolCall {
        arguments = arguments == null || arguments.isBlank() ? "{}" : arguments;
    }

    /** OpenAI-style call ids ("call_" and 24 letters or digits). */
    public static String newId() {
        String chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        var random = java.util.concurrent.ThreadLocalRandom.current();
        StringBuilder sb = new StringBuilder("call_");
        for (int i = 0; i < 24; i++) sb.append(chars.charAt(random.nextInt(chars.length())));
        return sb.toString();
    }
}
