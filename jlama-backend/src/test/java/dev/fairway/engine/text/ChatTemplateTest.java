package dev.fairway.engine.text;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.tjake.jlama.model.llama.LlamaTokenizer;
import com.github.tjake.jlama.safetensors.prompt.PromptSupport;
import dev.fairway.engine.ChatMessage;
import dev.fairway.engine.model.Model;
import dev.fairway.testkit.TestModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The parsed-once template renders exactly the prompt jlama's PromptSupport renders, on every real template here. */
class ChatTemplateTest {
    static final List<List<ChatMessage>> CHATS = List.of(
            List.of(ChatMessage.user("Once upon a time")),
            List.of(ChatMessage.system("You are kind."), ChatMessage.user("Tell me a story about Lily.")),
            List.of(
                    ChatMessage.system("Be brief."),
                    ChatMessage.user("Hi"),
                    ChatMessage.assistant("Hello! How can I help?"),
                    ChatMessage.user("Zoë saw a 😀 and a 猫.\n  Then {{ braces }} and {% tags %}?")),
            List.of(ChatMessage.user("a"), ChatMessage.assistant(""), ChatMessage.user("")));

    @ParameterizedTest
    @ValueSource(
            strings = {
                "models/stories260K",
                "models/TinyLlama-1.1B-Chat-v1.0-config",
                "models/SmolLM2-135M-Instruct-config"
            })
    void rendersWhatJlamaRenders(String model) throws Exception {
        Path dir = TestModels.shared().resolve(model);
        TextCodec codec = Model.loadCodec(dir);
        PromptSupport jlama = new LlamaTokenizer(dir).promptSupport().orElseThrow();
        for (List<ChatMessage> chat : CHATS) {
            assertThat(codec.renderChat(turns(chat))).as(model + " " + chat).isEqualTo(jlamaRender(jlama, chat));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"models/SmolLM2-135M-Instruct-config"})
    void concurrentRendersDoNotMix(String model) throws Exception {
        Path dir = TestModels.shared().resolve(model);
        TextCodec codec = Model.loadCodec(dir);
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 8; i++) expected.add(codec.renderChat(turns(List.of(ChatMessage.user("message " + i)))));
        try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                results.add(pool.submit(() -> {
                    for (int round = 0; round < 200; round++) {
                        int i = round % 8;
                        if (!codec.renderChat(turns(List.of(ChatMessage.user("message " + i))))
                                .equals(expected.get(i))) return false;
                    }
                    return true;
                }));
            }
            for (Future<Boolean> r : results) assertThat(r.get()).isTrue();
        }
    }

    /** As the engine hands messages to the template: Hugging Face role names. */
    static List<ChatTurn> turns(List<ChatMessage> chat) {
        return chat.stream()
                .map(m -> new ChatTurn(m.role().name().toLowerCase(Locale.ROOT), m.content()))
                .toList();
    }

    private static String jlamaRender(PromptSupport support, List<ChatMessage> chat) {
        PromptSupport.Builder b = support.builder().addGenerationPrompt(true);
        for (ChatMessage m : chat) {
            switch (m.role()) {
                case SYSTEM -> b.addSystemMessage(m.content());
                case USER -> b.addUserMessage(m.content());
                case ASSISTANT -> b.addAssistantMessage(m.content());
            }
        }
        return b.build().getPrompt();
    }
}
