package dev.fairway.langchain4j;

import static dev.langchain4j.internal.Utils.copy;
import static dev.langchain4j.internal.Utils.getOrDefault;

import dev.fairway.engine.ChatMessage.Role;
import dev.fairway.engine.ContextLengthExceededException;
import dev.fairway.engine.Engine;
import dev.fairway.engine.EngineConfig;
import dev.fairway.engine.EngineException;
import dev.fairway.engine.GenerationRequest;
import dev.fairway.engine.GenerationResult;
import dev.fairway.engine.ModelInfo;
import dev.fairway.engine.OverloadedException;
import dev.fairway.engine.Prompt;
import dev.fairway.engine.SamplingParams;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.Content;
import dev.langchain4j.data.message.ContentType;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.InvalidRequestException;
import dev.langchain4j.exception.LangChain4jException;
import dev.langchain4j.exception.RateLimitException;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.DefaultChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.ChatResponseMetadata;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What {@link LocalChatModel} and {@link LocalStreamingChatModel} share: the engine lease, default parameters,
 * listeners, validation and the mapping between LangChain4j and engine types. Only text chat is supported.
 */
public abstract class LocalBaseChatModel implements AutoCloseable {

    protected final LocalEngines.Lease lease; // null when the engine is owned by the caller
    protected final Engine engine;
    protected final ModelInfo modelInfo;
    protected final LocalChatRequestParameters defaultRequestParameters;
    protected final List<ChatModelListener> listeners;
    protected final String user;
    protected final double userWeight;

    protected LocalBaseChatModel(Builder<?, ?> builder) {
        // Validate parameters before loading anything: a bad builder must not leak an engine reference.
        ChatRequestParameters common =
                getOrDefault(builder.defaultRequestParameters, DefaultChatRequestParameters.EMPTY);
        LocalChatRequestParameters local =
                common instanceof LocalChatRequestParameters l ? l : LocalChatRequestParameters.EMPTY;
        LocalChatRequestParameters merged = LocalChatRequestParameters.builder()
                .overrideWith(common)
                .temperature(getOrDefault(builder.temperature, common.temperature()))
                .topP(getOrDefault(builder.topP, common.topP()))
                .topK(getOrDefault(builder.topK, common.topK()))
                .frequencyPenalty(getOrDefault(builder.frequencyPenalty, common.frequencyPenalty()))
                .presencePenalty(getOrDefault(builder.presencePenalty, common.presencePenalty()))
                .maxOutputTokens(getOrDefault(builder.maxOutputTokens, common.maxOutputTokens()))
                .stopSequences(getOrDefault(builder.stopSequences, common.stopSequences()))
                .minP(getOrDefault(builder.minP, local.minP()))
                .seed(getOrDefault(builder.seed, local.seed()))
                .repetitionPenalty(getOrDefault(builder.repetitionPenalty, local.repetitionPenalty()))
                .build();
        validateParameters(merged, null);

        if (builder.engine != null) {
            this.lease = null;
            this.engine = builder.engine;
        } else {
            this.lease = LocalEngines.acquire(builder.engineConfig());
            this.engine = lease.engine();
        }
        try {
            this.modelInfo = engine.modelInfo();
            validateParameters(merged, modelInfo.id());
        } catch (RuntimeException e) {
            if (lease != null) lease.close();
            throw e;
        }
        // The served model's id is the default modelName, so listeners and responses report it.
        this.defaultRequestParameters = merged.modelName() != null
                ? merged
                : LocalChatRequestParameters.builder()
                        .overrideWith(merged)
                        .modelName(modelInfo.id())
                        .build();
        this.listeners = copy(builder.listeners);
        this.user = builder.user;
        this.userWeight = builder.userWeight == null ? 1.0 : builder.userWeight;
    }

    public LocalChatRequestParameters defaultRequestParameters() {
        return defaultRequestParameters;
    }

    public List<ChatModelListener> listeners() {
        return listeners;
    }

    public ModelProvider provider() {
        return ModelProvider.OTHER;
    }

    /** JSON schema response formats are generated under a grammar: always valid. */
    public Set<Capability> supportedCapabilities() {
        return Set.of(Capability.RESPONSE_FORMAT_JSON_SCHEMA);
    }

    /** The engine this model runs on (shared with every other model instance naming the same model). */
    public Engine engine() {
        return engine;
    }

    public ModelInfo modelInfo() {
        return modelInfo;
    }

    /** Releases this instance's hold on the shared engine; the engine closes with its last user. Idempotent. */
    @Override
    public void close() {
        if (lease != null) lease.close();
    }

    // ---------------------------------------------------------------------------------------------- validation

    private static final String NOT_SUPPORTED = " is not supported by the Fairway local model provider";

    /** Throws UnsupportedFeatureException for anything the engine cannot do. {@code servedModel} null = unknown yet. */
    static void validateParameters(ChatRequestParameters p, String servedModel) {
        if (servedModel != null && p.modelName() != null && !p.modelName().equals(servedModel)) {
            throw new UnsupportedFeatureException("'modelName' parameter '" + p.modelName() + "'" + NOT_SUPPORTED
                    + ": this model instance serves only '" + servedModel
                    + "' (build another instance for another model)");
        }
        if (servedModel == null && p.modelName() != null && p.modelName().isBlank()) {
            throw new UnsupportedFeatureException("blank 'modelName' parameter" + NOT_SUPPORTED);
        }
    }

    static List<dev.fairway.engine.ChatMessage> toEngineMessages(List<ChatMessage> messages) {
        List<dev.fairway.engine.ChatMessage> out = new ArrayList<>(messages.size());
        for (ChatMessage message : messages) {
            if (message instanceof SystemMessage s) {
                out.add(new dev.fairway.engine.ChatMessage(Role.SYSTEM, s.text()));
            } else if (message instanceof UserMessage u) {
                StringBuilder text = new StringBuilder();
                for (Content content : u.contents()) {
                    if (content.type() != ContentType.TEXT) {
                        throw new UnsupportedFeatureException("Content of type "
                                + content.type().toString().toLowerCase(Locale.ROOT) + NOT_SUPPORTED);
                    }
                    text.append(((TextContent) content).text());
                }
                out.add(new dev.fairway.engine.ChatMessage(Role.USER, text.toString()));
            } else if (message instanceof AiMessage a) {
                List<dev.fairway.engine.tools.ToolCall> calls = new ArrayList<>();
                for (var r : a.toolExecutionRequests())
                    calls.add(new dev.fairway.engine.tools.ToolCall(r.id(), r.name(), r.arguments()));
                out.add(dev.fairway.engine.ChatMessage.assistant(a.text() == null ? "" : a.text(), calls));
            } else if (message instanceof dev.langchain4j.data.message.ToolExecutionResultMessage r) {
                out.add(dev.fairway.engine.ChatMessage.toolResult(r.id(), r.text()));
            } else {
                throw new UnsupportedFeatureException("messages of type " + message.type() + NOT_SUPPORTED);
            }
        }
        return out;
    }

    // ---------------------------------------------------------------------------------------------- mapping

    /** Validates the (already merged) request and builds the engine request. */
    protected GenerationRequest toGenerationRequest(ChatRequest chatRequest) {
        if (lease != null && lease.isClosed()) {
            throw new IllegalStateException(getClass().getSimpleName() + " is closed");
        }
        ChatRequestParameters p = chatRequest.parameters();
        validateParameters(p, modelInfo.id());
        Prompt prompt = Prompt.chat(toEngineMessages(chatRequest.messages()), LocalTools.tools(p));

        SamplingParams.Builder sp = SamplingParams.builder();
        sp.grammar(LocalTools.responseFormat(p.responseFormat()));
        if (p.temperature() != null) sp.temperature(p.temperature().floatValue());
        if (p.topP() != null) sp.topP(p.topP().floatValue());
        if (p.topK() != null) sp.topK(p.topK());
        if (p.frequencyPenalty() != null)
            sp.frequencyPenalty(p.frequencyPenalty().floatValue());
        if (p.presencePenalty() != null) sp.presencePenalty(p.presencePenalty().floatValue());
        if (p.stopSequences() != null && !p.stopSequences().isEmpty()) sp.stop(p.stopSequences());
        if (p instanceof LocalChatRequestParameters l) {
            if (l.minP() != null) sp.minP(l.minP().floatValue());
            if (l.seed() != null) sp.seed(l.seed());
            if (l.repetitionPenalty() != null)
                sp.repetitionPenalty(l.repetitionPenalty().floatValue());
        }
        if (p.maxOutputTokens() != null) {
            sp.maxTokens(p.maxOutputTokens());
        } else {
            // No limit asked: generate until EOS or the end of the context, like a chat server does.
            int promptTokens = engine.promptTokens(prompt).length;
            sp.maxTokens(Math.max(1, modelInfo.contextLength() - promptTokens));
        }
        return new GenerationRequest(user, "", prompt, sp.build(), 1, userWeight);
    }

    protected ChatResponse toChatResponse(GenerationResult result, dev.fairway.engine.tools.Tools tools) {
        return toChatResponse(
                result,
                tools.offered() ? LocalTools.extract(tools, result.first().text()) : null);
    }

    /**
     * {@code extracted}: the whole text split into content and calls already (a stream's extractor, so the calls keep
     * the ids the stream announced); null when no tools were offered.
     */
    protected ChatResponse toChatResponse(
            GenerationResult result, dev.fairway.engine.tools.ToolCallExtractor extracted) {
        var choice = result.first();
        if (choice.finishReason() == dev.fairway.engine.FinishReason.ERROR) {
            throw new LangChain4jException("generation failed: " + choice.error());
        }
        if (choice.finishReason() == dev.fairway.engine.FinishReason.CANCELLED) {
            throw new LangChain4jException("generation was cancelled (engine closed?)");
        }
        AiMessage message = AiMessage.from(choice.text());
        FinishReason finish = toFinishReason(choice.finishReason());
        if (extracted != null) {
            var x = extracted;
            if (!x.calls().isEmpty()) {
                message = AiMessage.builder()
                        .text(x.content().isBlank() ? null : x.content())
                        .toolExecutionRequests(LocalTools.requests(x.calls()))
                        .build();
                if (finish == FinishReason.STOP) finish = FinishReason.TOOL_EXECUTION;
            }
        }
        return ChatResponse.builder()
                .aiMessage(message)
                .metadata(ChatResponseMetadata.builder()
                        .id(result.requestId())
                        .modelName(modelInfo.id())
                        .tokenUsage(new TokenUsage(
                                result.usage().promptTokens(), result.usage().completionTokens()))
                        .finishReason(finish)
                        .build())
                .build();
    }

    static FinishReason toFinishReason(dev.fairway.engine.FinishReason reason) {
        return switch (reason) {
            case STOP -> FinishReason.STOP;
            case LENGTH -> FinishReason.LENGTH;
            case CANCELLED, ERROR -> FinishReason.OTHER;
        };
    }

    /** Engine errors as LangChain4j's exception types (so retries and AI services treat them right). */
    static RuntimeException toLangChain4jException(Throwable t) {
        if (t instanceof LangChain4jException l) return l;
        if (t instanceof ContextLengthExceededException e) return new InvalidRequestException(e.getMessage(), e);
        if (t instanceof dev.fairway.engine.InvalidRequestException e)
            return new InvalidRequestException(e.getMessage(), e);
        if (t instanceof OverloadedException e) return new RateLimitException(e.getMessage(), e);
        if (t instanceof EngineException e) return new LangChain4jException(e.getMessage(), e);
        if (t instanceof RuntimeException r) return r;
        return new LangChain4jException(t.getMessage(), t);
    }

    // ---------------------------------------------------------------------------------------------- builder

    /** Self-typed builder: engine settings, fairness identity, default parameters, listeners. */
    @SuppressWarnings("unchecked")
    public abstract static class Builder<C extends LocalBaseChatModel, B extends Builder<C, B>> {

        protected String model;
        protected Path modelCacheDir;
        protected String weightType;
        protected Integer kvCacheTokens;
        protected Integer kvCacheMb;
        protected Integer blockSize;
        protected Integer maxBatchTokens;
        protected Integer maxRunningSequences;
        protected Integer maxWaitingRequests;
        protected Integer threads;
        protected Boolean prefixCaching;
        protected EngineConfig engineConfig;
        protected Engine engine;

        protected String user;
        protected Double userWeight;

        protected ChatRequestParameters defaultRequestParameters;
        protected Double temperature;
        protected Double topP;
        protected Integer topK;
        protected Double minP;
        protected Long seed;
        protected Double repetitionPenalty;
        protected Double frequencyPenalty;
        protected Double presencePenalty;
        protected Integer maxOutputTokens;
        protected List<String> stopSequences;
        protected List<ChatModelListener> listeners;

        protected B self() {
            return (B) this;
        }

        /**
         * A local model folder (HF layout: config.json, tokenizer.json, *.safetensors). Always a folder: one that does
         * not exist is an error, never taken for a Hugging Face id.
         */
        public B modelPath(Path folder) {
            this.model = folder.toAbsolutePath().normalize().toString();
            return self();
        }

        /** A local folder or a Hugging Face id (owner/name, downloaded to {@link #modelCacheDir(Path)}). */
        public B model(String folderOrHuggingFaceId) {
            this.model = folderOrHuggingFaceId;
            return self();
        }

        public B modelCacheDir(Path dir) {
            this.modelCacheDir = dir;
            return self();
        }

        /** null keeps the stored type; "Q4", "Q8", "F32" quantize or expand on load. Part of the sharing key. */
        public B weightType(String weightType) {
            this.weightType = weightType;
            return self();
        }

        /** KV cache capacity in tokens (shared by all sequences); overrides {@link #kvCacheMb(int)}. */
        public B kvCacheTokens(int tokens) {
            this.kvCacheTokens = tokens;
            return self();
        }

        public B kvCacheMb(int mb) {
            this.kvCacheMb = mb;
            return self();
        }

        public B blockSize(int tokens) {
            this.blockSize = tokens;
            return self();
        }

        /** Most tokens (prefill + decode) in one forward pass. */
        public B maxBatchTokens(int tokens) {
            this.maxBatchTokens = tokens;
            return self();
        }

        /** Most sequences decoding together. */
        public B maxRunningSequences(int n) {
            this.maxRunningSequences = n;
            return self();
        }

        public B maxWaitingRequests(int n) {
            this.maxWaitingRequests = n;
            return self();
        }

        public B threads(int threads) {
            this.threads = threads;
            return self();
        }

        public B prefixCaching(boolean enabled) {
            this.prefixCaching = enabled;
            return self();
        }

        /** Full engine configuration; the setters above override its fields. */
        public B engineConfig(EngineConfig config) {
            this.engineConfig = config;
            return self();
        }

        /** Use an engine the caller opened and will close (not shared through the registry, not closed here). */
        public B engine(Engine engine) {
            this.engine = engine;
            return self();
        }

        /** Fairness identity for the engine's scheduler (default "local"). */
        public B user(String user) {
            this.user = user;
            return self();
        }

        /** Share weight of {@link #user(String)} in the fair scheduler (1 = normal). */
        public B userWeight(double weight) {
            this.userWeight = weight;
            return self();
        }

        public B defaultRequestParameters(ChatRequestParameters parameters) {
            this.defaultRequestParameters = parameters;
            return self();
        }

        /** 0 = greedy. */
        public B temperature(Double temperature) {
            this.temperature = temperature;
            return self();
        }

        public B topP(Double topP) {
            this.topP = topP;
            return self();
        }

        public B topK(Integer topK) {
            this.topK = topK;
            return self();
        }

        public B minP(Double minP) {
            this.minP = minP;
            return self();
        }

        public B seed(Long seed) {
            this.seed = seed;
            return self();
        }

        public B repetitionPenalty(Double repetitionPenalty) {
            this.repetitionPenalty = repetitionPenalty;
            return self();
        }

        public B frequencyPenalty(Double frequencyPenalty) {
            this.frequencyPenalty = frequencyPenalty;
            return self();
        }

        public B presencePenalty(Double presencePenalty) {
            this.presencePenalty = presencePenalty;
            return self();
        }

        public B maxOutputTokens(Integer maxOutputTokens) {
            this.maxOutputTokens = maxOutputTokens;
            return self();
        }

        /** Alias of {@link #maxOutputTokens(Integer)}. */
        public B maxTokens(Integer maxTokens) {
            return maxOutputTokens(maxTokens);
        }

        public B stopSequences(List<String> stopSequences) {
            this.stopSequences = stopSequences;
            return self();
        }

        public B listeners(List<ChatModelListener> listeners) {
            this.listeners = listeners;
            return self();
        }

        public B listeners(ChatModelListener... listeners) {
            return listeners(List.of(listeners));
        }

        EngineConfig engineConfig() {
            EngineConfig.Builder b = engineConfig != null ? engineConfig.toBuilder() : EngineConfig.builder();
            if (model != null) b.model(model);
            if (modelCacheDir != null) b.modelCacheDir(modelCacheDir);
            if (weightType != null) b.weightType(weightType);
            if (kvCacheTokens != null) b.kvCacheTokens(kvCacheTokens);
            if (kvCacheMb != null) b.kvCacheMb(kvCacheMb);
            if (blockSize != null) b.blockSize(blockSize);
            if (maxBatchTokens != null) b.maxBatchTokens(maxBatchTokens);
            if (maxRunningSequences != null) b.maxRunningSequences(maxRunningSequences);
            if (maxWaitingRequests != null) b.maxWaitingRequests(maxWaitingRequests);
            if (threads != null) b.threads(threads);
            if (prefixCaching != null) b.prefixCaching(prefixCaching);
            EngineConfig config = b.build();
            if (config.model() == null) {
                throw new IllegalArgumentException("model is required: modelPath(folder) or model(folder or HF id)");
            }
            return config;
        }

        public abstract C build();
    }
}
