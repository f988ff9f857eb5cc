package dev.fairway.engine;

import java.util.List;

/** What to continue: raw text, chat messages (templated by the engine) or token ids. */
public sealed interface Prompt {
    record Text(String text) implements Prompt {}

    record Chat(List<ChatMessage> messages) implements Prompt {
        public Chat {
            messages = List.copyOf(messages);
        }
    }

    record Tokens(int[] ids) implements Prompt {}

    static Prompt text(String text) {
        return new Text(text);
    }

    static Prompt chat(List<ChatMessage> messages) {
        return new Chat(messages);
    }

    static Prompt tokens(int... ids) {
        return new Tokens(ids);
    }
}
