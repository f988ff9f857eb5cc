package dev.fairway.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.memory.chat.MessageWindowChatMemory;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.listener.ChatModelRequestContext;
import dev.langchain4j.service.AiServices;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Example: an AI service with chat memory on a local model. The second call sees the first exchange, because the
 * memory sends it along (checked through a listener, since stories260K cannot "remember" in words).
 */
class AiServicesMemoryTest {

    interface Storyteller {
        String tell(String beginning);
    }

    @Test
    void ai_service_with_chat_memory_sends_history_to_the_local_model() {
        List<List<ChatMessage>> sent = new CopyOnWriteArrayList<>();
        ChatModelListener recorder = new ChatModelListener() {
            @Override
            public void onRequest(ChatModelRequestContext context) {
                sent.add(context.chatRequest().messages());
            }
        };
        MessageWindowChatMemory memory = MessageWindowChatMemory.withMaxMessages(10);
        try (LocalChatModel model = TestModels.chat()
                .temperature(0.0)
                .maxOutputTokens(40)
                .listeners(recorder)
                .build()) {
            Storyteller storyteller = AiServices.builder(Storyteller.class)
                    .chatModel(model)
                    .chatMemory(memory)
                    .build();

            String first = storyteller.tell("Once upon a time, there was a little cat");
            String second = storyteller.tell("The next day, the cat");

            assertThat(first).isNotBlank();
            assertThat(second).isNotBlank();
            assertThat(sent).hasSize(2);
            assertThat(sent.get(0)).hasSize(1);
            assertThat(sent.get(1)).hasSize(3);
            assertThat(((AiMessage) sent.get(1).get(1)).text()).isEqualTo(first);
            assertThat(((UserMessage) sent.get(1).get(2)).singleText()).isEqualTo("The next day, the cat");
            assertThat(memory.messages()).hasSize(4);
        }
    }
}
