package dev.fairway.gateway.openai;

import dev.fairway.engine.GenerationRequest;
import dev.fairway.gateway.auth.Caller;
import dev.fairway.gateway.http.Drain;
import dev.fairway.gateway.http.Json;
import dev.fairway.gateway.metrics.GatewayMetrics;
import dev.fairway.gateway.models.ModelAccess;
import dev.fairway.gateway.models.ModelRegistry;
import io.vertx.ext.web.RoutingContext;

/** POST /v1/chat/completions and /v1/completions: validators first, then one shared business handler. */
public final class CompletionsEndpoint {
    private static final String SPEC = "fairway.spec";
    private static final String SHAPE = "fairway.shape";
    private static final String ENTRY = "fairway.model";
    private static final String BODY = "fairway.body";

    private final ModelAccess models;
    private final GatewayMetrics metrics;
    private final Drain drain;

    public CompletionsEndpoint(ModelAccess models, GatewayMetrics metrics, Drain drain) {
        this.models = models;
        this.metrics = metrics;
        this.drain = drain;
    }

    public void validateChat(RoutingContext ctx) {
        validate(ctx, ChatShape.INSTANCE);
    }

    public void validateText(RoutingContext ctx) {
        validate(ctx, TextShape.INSTANCE);
    }

    /** Checked before any load: the model must exist and the body be valid (token ids against the vocabulary once known). */
    private void validate(RoutingContext ctx, ResponseShape shape) {
        var body = Json.parseObject(ctx.body().buffer());
        ModelRegistry.Entry entry = models.registry()
                .resolve(body.path("model").isTextual() ? body.get("model").asText() : null);
        ctx.put(ENTRY, entry);
        ctx.put(BODY, body);
        ctx.put(
                SPEC,
                parse(
                        shape,
                        body,
                        entry.info() == null ? Integer.MAX_VALUE : entry.info().vocabSize()));
        ctx.put(SHAPE, shape);
        ctx.next();
    }

    private static GenerationSpec parse(
            ResponseShape shape, com.fasterxml.jackson.databind.node.ObjectNode body, int vocab) {
        return shape == ChatShape.INSTANCE
                ? ChatRequestParser.parse(body, vocab)
                : CompletionRequestParser.parse(body, vocab);
    }

    /** Waits for the model (loading it if needed), then starts the generation on it. */
    public void generate(RoutingContext ctx) {
        ModelRegistry.Entry entry = ctx.get(ENTRY);
        GenerationSpec first = ctx.get(SPEC);
        boolean vocabKnown = entry.info() != null;
        models.lease(ctx, entry, first.stream()).onFailure(ctx::fail).onSuccess(lease -> {
            GenerationSpec spec;
            try {
                spec = vocabKnown
                        ? first
                        : parse(
                                ctx.get(SHAPE),
                                ctx.get(BODY),
                                lease.engine().modelInfo().vocabSize());
            } catch (RuntimeException e) {
                ctx.fail(e);
                return;
            }
            generate(ctx, lease.engine(), entry.name(), spec);
        });
    }

    private void generate(RoutingContext ctx, dev.fairway.engine.Engine engine, String model, GenerationSpec spec) {
        ResponseShape shape = ctx.get(SHAPE);
        Envelope envelope = Envelope.of(shape == ChatShape.INSTANCE ? ChatShape.of(spec.prompt()) : shape, model);
        ctx.put(GenerationCall.MODEL_LABEL, model);
        String fairnessGroup = spec.endUser() == null ? "" : "end-user:" + spec.endUser();
        GenerationRequest request;
        try {
            // a forced tool call gets this model's call grammar now: the prompt may go to the engine as token ids
            request = engine.withToolGrammar(new GenerationRequest(
                    Caller.user(ctx), fairnessGroup, spec.prompt(), spec.params(), spec.n(), 1.0));
        } catch (RuntimeException e) {
            ctx.fail(e);
            return;
        }
        if (spec.stream()) {
            SseResponder sse = new SseResponder(ctx.response(), envelope, spec.n(), spec.includeUsage());
            GenerationCall.start(ctx, engine, request, spec.maxTokensGiven(), metrics, drain, sse)
                    .onSuccess(call -> sse.openWithin(ctx.vertx()))
                    .onFailure(e -> ctx.fail(inTermsOf(envelope, e)));
        } else {
            GenerationCall.start(
                            ctx,
                            engine,
                            request,
                            spec.maxTokensGiven(),
                            metrics,
                            drain,
                            new JsonResponder(ctx.response(), envelope))
                    .onFailure(e -> ctx.fail(inTermsOf(envelope, e)));
        }
    }

    /** The engine names chat 'messages'; a text completion's client sent a 'prompt'. */
    private static Throwable inTermsOf(Envelope envelope, Throwable e) {
        if (envelope.shape() == TextShape.INSTANCE
                && e instanceof dev.fairway.engine.InvalidRequestException ire
                && "messages".equals(ire.param())) {
            var api = dev.fairway.gateway.http.ErrorResponder.toApiError(e, 400);
            return dev.fairway.gateway.http.ApiError.badRequest(api.getMessage(), "prompt", api.code());
        }
        return e;
    }
}
