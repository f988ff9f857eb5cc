package dev.fairway.gateway.responses;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.NotFoundException;
import com.openai.models.conversations.Conversation;
import com.openai.models.conversations.ConversationCreateParams;
import com.openai.models.conversations.items.ConversationItem;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStatus;
import com.openai.models.responses.ResponseStreamEvent;
import dev.fairway.gateway.SharedGateway;
import dev.fairway.gateway.TestGateway;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The official OpenAI Java SDK's Responses and Conversations APIs against the gateway, as two users. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ResponsesJavaSdkTest {
    private OpenAIClient alice;
    private OpenAIClient bob;

    @BeforeAll
    void start() {
        alice = client("alice-sdk");
        bob = client("bob-sdk");
    }

    private static OpenAIClient client(String user) {
        return OpenAIOkHttpClient.builder()
                .baseUrl(SharedGateway.get().baseUrl() + "/v1")
                .apiKey("unused-on-loopback")
                .putHeader("X-Fairway-User", user)
                .maxRetries(0)
                .build();
    }

    private static ResponseCreateParams.Builder story(String input, int max) {
        return ResponseCreateParams.builder()
                .model("stories260K")
                .input(input)
                .maxOutputTokens(max)
                .temperature(0.0);
    }

    static String text(Response r) {
        return r.output().get(0).asMessage().content().get(0).asOutputText().text();
    }

    @Test
    void createAnswersTheStoryWithUsageAndIsStored() {
        Response r = alice.responses().create(story("Once upon a time", 12).build());
        assertThat(text(r)).startsWith(TestGateway.STORY);
        assertThat(r.status()).contains(ResponseStatus.INCOMPLETE); // it hit max_output_tokens
        var usage = r.usage().orElseThrow();
        assertThat(usage.outputTokens()).isEqualTo(12);
        assertThat(usage.totalTokens()).isEqualTo(usage.inputTokens() + 12);
        assertThat(usage.inputTokensDetails().cachedTokens()).isGreaterThanOrEqualTo(0);

        Response again = alice.responses().retrieve(r.id());
        assertThat(text(again)).isEqualTo(text(r));
        var inputs = alice.responses().inputItems().list(r.id());
        assertThat(inputs.data()).hasSize(1);
        assertThat(inputs.data()
                        .get(0)
                        .asResponseInputMessageItem()
                        .content()
                        .get(0)
                        .asInputText()
                        .text())
                .isEqualTo("Once upon a time");

        // another user sees nothing of it
        assertThatThrownBy(() -> bob.responses().retrieve(r.id())).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> bob.responses()
                        .create(story(" She", 4).previousResponseId(r.id()).build()))
                .isInstanceOf(com.openai.errors.BadRequestException.class)
                .hasMessageContaining("not found");

        alice.responses().delete(r.id());
        assertThatThrownBy(() -> alice.responses().retrieve(r.id())).isInstanceOf(NotFoundException.class);
    }

    @Test
    void streamingSendsTheEventSequenceWithTheSameText() {
        Response plain = alice.responses().create(story("Once upon a time", 12).build());
        List<String> types = new ArrayList<>();
        StringBuilder deltas = new StringBuilder();
        Response completed = null;
        try (StreamResponse<ResponseStreamEvent> stream =
                alice.responses().createStreaming(story("Once upon a time", 12).build())) {
            for (ResponseStreamEvent e : (Iterable<ResponseStreamEvent>) stream.stream()::iterator) {
                e.outputTextDelta().ifPresent(d -> deltas.append(d.delta()));
                if (e.isCreated()) types.add("created");
                if (e.isOutputTextDelta() && !types.contains("delta")) types.add("delta");
                if (e.isOutputTextDone()) types.add("text.done");
                if (e.isIncomplete()) {
                    types.add("incomplete");
                    completed = e.asIncomplete().response();
                }
                if (e.isCompleted()) {
                    types.add("completed");
                    completed = e.asCompleted().response();
                }
            }
        }
        assertThat(types).containsExactly("created", "delta", "text.done", "incomplete");
        assertThat(deltas.toString()).isEqualTo(text(plain));
        assertThat(text(completed)).isEqualTo(text(plain));
        assertThat(completed.usage().orElseThrow().outputTokens()).isEqualTo(12);
    }

    @Test
    void aSecondTurnContinuesThePreviousResponse() {
        Response first = alice.responses().create(story("Once upon a time", 16).build());
        Response second = alice.responses()
                .create(story(" She", 8).previousResponseId(first.id()).build());
        Response alone = alice.responses().create(story(" She", 8).build());
        assertThat(second.previousResponseId()).contains(first.id());
        // the first turn is in the second's prompt, and its KV blocks are reused from the prefix cache
        assertThat(second.usage().orElseThrow().inputTokens())
                .isGreaterThan(alone.usage().orElseThrow().inputTokens() + 16);
        assertThat(second.usage().orElseThrow().inputTokensDetails().cachedTokens())
                .isPositive();
    }

    @Test
    void aConversationCollectsTheTurnsAsItems() {
        Conversation conv =
                alice.conversations().create(ConversationCreateParams.builder().build());
        Response first = alice.responses()
                .create(story("Once upon a time", 8).conversation(conv.id()).build());
        Response second = alice.responses()
                .create(story(" She", 8).conversation(conv.id()).build());
        assertThat(second.conversation().orElseThrow().id()).isEqualTo(conv.id());
        assertThat(second.usage().orElseThrow().inputTokens())
                .isGreaterThan(first.usage().orElseThrow().inputTokens());

        List<ConversationItem> items =
                alice.conversations().items().list(conv.id()).data();
        assertThat(items).hasSize(4); // newest first: reply, " She", reply, "Once upon a time"
        assertThat(items.get(3).asMessage().content().get(0).asInputText().text())
                .isEqualTo("Once upon a time");
        assertThat(items.get(2).asMessage().content().get(0).asOutputText().text())
                .isEqualTo(text(first));
        assertThat(items.get(0).asMessage().content().get(0).asOutputText().text())
                .isEqualTo(text(second));

        assertThatThrownBy(() -> bob.conversations().items().list(conv.id())).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> bob.responses()
                        .create(story("x", 2).conversation(conv.id()).build()))
                .isInstanceOf(NotFoundException.class);
        alice.conversations().delete(conv.id());
    }
}
