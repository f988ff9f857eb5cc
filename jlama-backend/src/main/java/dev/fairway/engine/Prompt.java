package dev.fairway.engine;

import dev.fairway.engine.tools.Tools;
import java.util.List;

/** What to continue: raw text, chat messages (templated by the engine, with the tools offered) or token ids. */
public sealed interface Prompt {
    record Text(String text) implements Prompt {}

    record Chat(List<ChatMessage> messages, Tools tools) implements Prompt {
        public Chat {
            messages = List.copyOf(messages);
            tools = tools == null ? Tools.NONE : tools;
        }

        public Chat(List<ChatMessage> messages) {
            this(messages, Tools.NONE);
        }
    }

    record Tokens(int[] ids) implements Prompt {}

    static Prompt text(String text) {
        return new Text(text);
    }

    static Prompt chat(List<ChatMessage> messages) {
        return new Chat(messages);
    }

    static Prompt chat(List<ChatMessage> messages, Tools tools) {
        return new Chat(messages, tools);
    }

    static Prompt tokens(int... ids) {
        return new Tokens(ids);
    }
}
