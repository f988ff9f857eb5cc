package dev.fairway.langchain4j;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.langchain4j.model.chat.listener.ChatModelErrorContext;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.listener.ChatModelRequestContext;
import dev.langchain4j.model.chat.listener.ChatModelResponseContext;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.chat.response.StreamingHandle;
import dev.langchain4j.model.output.FinishReason;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The shared suite's user-exception tests (which need a "Berlin" answer) with a story prompt, plus cancellation
 * freeing the engine sequence and streamed text equal to the final text.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LocalStreamingChatModelTest {

    static final String STORY = "Once upon a time";

    /** Counts listener calls like the suite's mock does. */
    static final class CountingListener implements ChatModelListener {
        final AtomicInteger requests = new AtomicInteger();
        final AtomicInteger responses = new AtomicInteger();
        final AtomicInteger errors = new AtomicInteger();

        @Override
        public void onRequest(ChatModelRequestContext c) {
            requests.incrementAndGet();
        }

        @Override
        public void onResponse(ChatModelResponseContext c) {
            responses.incrementAndGet();
        }

        @Override
        public void onError(ChatModelErrorContext c) {
            errors.incrementAndGet();
        }
    }

    private final LocalStreamingChatModel model = TestModels.greedyStreaming();

    @AfterAll
    void close() {
        model.close();
    }

    @Test
    void user_exceptions_from_onPartialResponse_go_to_onError_and_streaming_goes_on() throws Exception {
        CountingListener listener = new CountingListener();
        RuntimeException boom = new RuntimeException("user code");
        AtomicInteger partials = new AtomicInteger();
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        try (LocalStreamingChatModel m = TestModels.streaming()
                .temperature(0.0)
                .maxOutputTokens(20)
                .listeners(listener)
                .build()) {
            m.chat(STORY, new StreamingChatResponseHandler() {
                @Override
                public void onPartialResponse(String partialResponse) {
                    partials.incrementAndGet();
                    throw boom;
                }

                @Override
                public void onCompleteResponse(ChatResponse r) {
                    done.complete(r);
                }

                @Override
                public void onError(Throwable error) {
                    errors.add(error);
                }
            });
            ChatResponse r = done.get(60, SECONDS);
            assertThat(r.aiMessage().text()).isNotBlank();
            assertThat(partials.get()).isPositive();
            assertThat(errors).hasSize(partials.get()).allMatch(e -> e == boom);
            assertThat(listener.requests).hasValue(1);
            assertThat(listener.errors).hasValue(partials.get());
            assertThat(listener.responses).hasValue(1);
        }
    }

    @Test
    void user_exception_from_onCompleteResponse_goes_to_onError_once_and_onError_exceptions_are_ignored()
            throws Exception {
        CountingListener listener = new CountingListener();
        RuntimeException boom = new RuntimeException("user code");
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        CompletableFuture<Void> errored = new CompletableFuture<>();
        try (LocalStreamingChatModel m = TestModels.streaming()
                .temperature(0.0)
                .maxOutputTokens(10)
                .listeners(listener)
                .build()) {
            m.chat(STORY, new StreamingChatResponseHandler() {
                @Override
                public void onCompleteResponse(ChatResponse r) {
                    done.complete(r);
                    throw boom;
                }

                @Override
                public void onError(Throwable error) {
                    errors.add(error);
                    errored.complete(null);
                    throw new RuntimeException("must be ignored");
                }
            });
            done.get(60, SECONDS);
            errored.get(60, SECONDS);
            Thread.sleep(200);
            assertThat(errors).containsExactly(boom);
            assertThat(listener.requests).hasValue(1);
            assertThat(listener.responses).hasValue(1);
            assertThat(listener.errors).hasValue(1);
        }
    }

    @Test
    void streamed_text_equals_final_text_and_all_callbacks_come_from_one_other_thread() throws Exception {
        StringBuilder streamed = new StringBuilder();
        List<Thread> threads = new CopyOnWriteArrayList<>();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        model.chat(
                ChatRequest.builder()
                        .messages(dev.langchain4j.data.message.UserMessage.from(STORY))
                        .parameters(ChatRequestParameters.builder()
                                .maxOutputTokens(40)
                                .stopSequences("park")
                                .build())
                        .build(),
                new StreamingChatResponseHandler() {
                    @Override
                    public void onPartialResponse(String p) {
                        threads.add(Thread.currentThread());
                        streamed.append(p);
                    }

                    @Override
                    public void onCompleteResponse(ChatResponse r) {
                        threads.add(Thread.currentThread());
                        done.complete(r);
                    }

                    @Override
                    public void onError(Throwable error) {
                        done.completeExceptionally(error);
                    }
                });
        ChatResponse r = done.get(60, SECONDS);
        assertThat(streamed.toString()).isEqualTo(r.aiMessage().text());
        assertThat(r.aiMessage().text()).doesNotContain("park");
        assertThat(threads).isNotEmpty().allMatch(t -> t == threads.get(0)).noneMatch(t -> t == Thread.currentThread());
        assertThat(r.metadata().tokenUsage().outputTokenCount()).isPositive();
        assertThat(r.metadata().finishReason()).isIn(FinishReason.STOP, FinishReason.LENGTH);
    }

    @Test
    void cancel_stops_callbacks_and_frees_the_engine_sequence() throws Exception {
        AtomicInteger partials = new AtomicInteger();
        AtomicReference<StreamingHandle> handle = new AtomicReference<>();
        AtomicInteger terminal = new AtomicInteger();
        model.chat(STORY, new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(PartialResponse p, PartialResponseContext context) {
                handle.set(context.streamingHandle());
                if (partials.incrementAndGet() == 3) context.streamingHandle().cancel();
            }

            @Override
            public void onCompleteResponse(ChatResponse r) {
                terminal.incrementAndGet();
            }

            @Override
            public void onError(Throwable error) {
                terminal.incrementAndGet();
            }
        });
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (handle.get() == null || !handle.get().isCancelled()) {
            assertThat(System.nanoTime()).isLessThan(deadline);
            Thread.sleep(10);
        }
        // The engine drops the sequence: nothing left running (other test classes run sequentially).
        while (model.engine().stats().runningSequences()
                        + model.engine().stats().waitingSequences()
                > 0) {
            assertThat(System.nanoTime()).isLessThan(deadline);
            Thread.sleep(10);
        }
        Thread.sleep(300);
        assertThat(partials).hasValue(3);
        assertThat(terminal).hasValue(0);
        handle.get().cancel(); // idempotent
        assertThat(handle.get().isCancelled()).isTrue();
    }
}
