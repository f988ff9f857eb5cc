package dev.fairway.langchain4j;

import dev.fairway.engine.FinishReason;
import dev.fairway.engine.GenerationHandle;
import dev.fairway.engine.GenerationListener;
import dev.fairway.engine.GenerationRequest;
import dev.fairway.engine.GenerationResult;
import dev.fairway.engine.TokenEvent;
import dev.fairway.engine.tools.ToolCallExtractor;
import dev.fairway.langchain4j.spi.LocalStreamingChatModelBuilderFactory;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.exception.LangChain4jException;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.CompleteToolCall;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.PartialToolCall;
import dev.langchain4j.model.chat.response.PartialToolCallContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.chat.response.StreamingHandle;
import dev.langchain4j.spi.ServiceHelper;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A LangChain4j {@link StreamingChatModel} on the Fairway engine. Tokens are handed from the engine thread to one
 * virtual thread per request, which calls the handler (so a slow handler never stalls the batch, and every callback
 * of a request comes from the same thread). {@link StreamingHandle#cancel()} cancels the engine sequence: its KV
 * blocks are freed at once and no further callback is made.
 */
public class LocalStreamingChatModel extends LocalBaseChatModel implements StreamingChatModel {

    private static final Logger log = LoggerFactory.getLogger(LocalStreamingChatModel.class);
    private static final AtomicLong STREAMS = new AtomicLong();

    protected LocalStreamingChatModel(Builder builder) {
        super(builder);
    }

    public static Builder builder() {
        for (LocalStreamingChatModelBuilderFactory factory :
                ServiceHelper.loadFactories(LocalStreamingChatModelBuilderFactory.class)) {
            return factory.get();
        }
        return new Builder();
    }

    /**
     * Called by {@link StreamingChatModel#chat} with default parameters merged and listeners wired. Unsupported
     * features throw {@link dev.langchain4j.exception.UnsupportedFeatureException} at once (like remote providers
     * validating before the HTTP call); everything else, including the engine rejecting the request, goes to
     * {@code handler.onError}.
     */
    @Override
    public void doChat(ChatRequest chatRequest, StreamingChatResponseHandler handler) {
        GenerationRequest request;
        try {
            request = toGenerationRequest(chatRequest);
        } catch (dev.langchain4j.exception.UnsupportedFeatureException e) {
            throw e;
        } catch (RuntimeException e) {
            new Stream(handler, dev.fairway.engine.tools.Tools.NONE).fail(toLangChain4jException(e));
            return;
        }
        Stream stream = new Stream(handler, toolsOf(request));
        try {
            stream.attach(engine.submit(request, stream));
        } catch (RuntimeException e) {
            stream.fail(toLangChain4jException(e));
        }
    }

    private static dev.fairway.engine.tools.Tools toolsOf(GenerationRequest request) {
        return request.prompt() instanceof dev.fairway.engine.Prompt.Chat c
                ? c.tools()
                : dev.fairway.engine.tools.Tools.NONE;
    }

    /** One streamed request: engine listener on one side, handler-calling virtual thread on the other. */
    private final class Stream implements GenerationListener, StreamingHandle, Runnable {

        private final StreamingChatResponseHandler handler;
        private final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
        private final AtomicReference<GenerationHandle> generation = new AtomicReference<>();
        private final PartialResponseContext context = new PartialResponseContext(this);
        private final StringBuilder sent = new StringBuilder();
        private volatile boolean cancelled;
        /**
         * With tools offered: content goes out as partial responses, calls as partial tool calls (id and name with
         * every fragment of the arguments), each call complete once the output is.
         */
        private final dev.fairway.engine.tools.ToolCallExtractor extractor;

        private final PartialToolCallContext toolCallContext = new PartialToolCallContext(this);
        /** The calls announced so far, by index (delivery thread only). */
        private final Map<Integer, ToolCallExtractor.CallStart> calls = new HashMap<>();

        Stream(StreamingChatResponseHandler handler, dev.fairway.engine.tools.Tools tools) {
            this.handler = handler;
            this.extractor =
                    tools.offered() ? new dev.fairway.engine.tools.ToolCallExtractor(LocalTools.names(tools)) : null;
            Thread.ofVirtual()
                    .name("fairway-lc4j-stream-" + STREAMS.incrementAndGet())
                    .start(this);
        }

        void attach(GenerationHandle handle) {
            generation.set(handle);
            if (cancelled) handle.cancel();
        }

        void fail(Throwable error) {
            events.add(error);
        }

        // ---- engine thread: enqueue only, never block or throw

        @Override
        public void onToken(TokenEvent event) {
            if (event.choice() == 0 && !event.textDelta().isEmpty() && !cancelled) events.add(event.textDelta());
        }

        @Override
        public void onComplete(GenerationResult result) {
            events.add(result);
        }

        // ---- StreamingHandle

        @Override
        public void cancel() {
            cancelled = true;
            GenerationHandle handle = generation.get();
            if (handle != null) handle.cancel();
        }

        @Override
        public boolean isCancelled() {
            return cancelled;
        }

        // ---- delivery thread

        @Override
        public void run() {
            try {
                while (true) {
                    Object event = events.take();
                    if (event instanceof String delta) {
                        if (!cancelled) relay(delta);
                    } else if (event instanceof GenerationResult result) {
                        if (!cancelled) complete(result);
                        return;
                    } else if (event instanceof Throwable error) {
                        if (!cancelled) error(error);
                        return;
                    }
                }
            } catch (InterruptedException e) {
                cancel();
                Thread.currentThread().interrupt();
            }
        }

        private void relay(String delta) {
            if (extractor == null) {
                partial(delta);
                return;
            }
            relayEvents(extractor.feed(delta));
        }

        private void relayEvents(List<ToolCallExtractor.Event> events) {
            for (ToolCallExtractor.Event e : events) {
                if (cancelled) return;
                switch (e) {
                    case ToolCallExtractor.Content c -> partial(c.text());
                    case ToolCallExtractor.CallStart s -> calls.put(s.index(), s);
                    case ToolCallExtractor.CallArguments a -> partialCall(a);
                }
            }
        }

        private void partialCall(ToolCallExtractor.CallArguments fragment) {
            ToolCallExtractor.CallStart call = calls.get(fragment.index());
            try {
                handler.onPartialToolCall(
                        PartialToolCall.builder()
                                .index(fragment.index())
                                .id(call.id())
                                .name(call.name())
                                .partialArguments(fragment.fragment())
                                .build(),
                        toolCallContext);
            } catch (Exception userError) {
                error(userError);
            }
        }

        /** Every call, whole, once the output ended (its arguments are known complete only then). */
        private void completeCalls() {
            List<ToolExecutionRequest> requests = LocalTools.requests(extractor.calls());
            for (int i = 0; i < requests.size() && !cancelled; i++) {
                try {
                    handler.onCompleteToolCall(new CompleteToolCall(i, requests.get(i)));
                } catch (Exception userError) {
                    error(userError);
                }
            }
        }

        private void partial(String delta) {
            sent.append(delta);
            try {
                handler.onPartialResponse(new PartialResponse(delta), context);
            } catch (Exception userError) {
                error(userError);
            }
        }

        private void complete(GenerationResult result) {
            var choice = result.first();
            if (choice.finishReason() == FinishReason.ERROR || choice.finishReason() == FinishReason.CANCELLED) {
                error(new LangChain4jException(
                        choice.finishReason() == FinishReason.ERROR
                                ? "generation failed: " + choice.error()
                                : "generation was cancelled (engine closed?)"));
                return;
            }
            String text = choice.text();
            // Text the engine held back until the end (never expected, but the handler must see all of it).
            if (extractor != null) {
                relayEvents(extractor.finish());
                completeCalls();
            } else if (text.length() > sent.length() && text.startsWith(sent.toString()))
                partial(text.substring(sent.length()));
            if (cancelled) return;
            ChatResponse response;
            try {
                response = toChatResponse(result, extractor); // the calls with the ids streamed
            } catch (RuntimeException e) {
                error(e);
                return;
            }
            try {
                handler.onCompleteResponse(response);
            } catch (Exception userError) {
                error(userError);
            }
        }

        private void error(Throwable error) {
            try {
                handler.onError(error);
            } catch (Exception ignored) {
                log.debug("exception thrown by onError() ignored", ignored);
            }
        }
    }

    public static class Builder extends LocalBaseChatModel.Builder<LocalStreamingChatModel, Builder> {

        public Builder() {
            // public so that frameworks can extend it (see LocalStreamingChatModelBuilderFactory)
        }

        @Override
        public LocalStreamingChatModel build() {
            return new LocalStreamingChatModel(this);
        }
    }
}
