package dev.fairway.gateway.openai;

import dev.fairway.engine.GenerationRequest;
import dev.fairway.gateway.http.EngineState;
import dev.fairway.gateway.auth.Caller;
import dev.fairway.gateway.http.Drain;
import dev.fairway.gateway.http.Json;
import dev.fairway.gateway.metrics.GatewayMetrics;
import io.vertx.ext.web.RoutingContext;

/** POST /v1/chat/completions and /v1/completions: validators first, then one shared business handler. */
public final class CompletionsEndpoint {
    private static final String SPEC = "fairway.spec";
    private static final String SHAPE = "fairway.shape";
    private static final String MODEL = "fairway.model";

    private final EngineState engine;
    private final GatewayMetrics metrics;
    private final Drain drain;

    public CompletionsEndpoint(EngineState engine, GatewayMetrics metrics, Drain drain) {
        this.engine = engine;
        this.metrics = metrics;
        this.drain = drain;
    }

    public void validateChat(RoutingContext ctx) {
        var body = Json.parseObject(ctx.body().buffer());
        ctx.put(MODEL, engine.resolveModel(body.path("model").isTextual() ? body.get("model").asText() : null));
        ctx.put(SPEC, ChatRequestParser.parse(body, engine.info().vocabSize()));
        ctx.put(SHAPE, ChatShape.INSTANCE);
        ctx.next();
    }

    public void validateText(RoutingContext ctx) {
        var body = Json.parseObject(ctx.body().buffer());
        ctx.put(MODEL, engine.resolveModel(body.path("model").isTextual() ? body.get("model").asText() : null));
        ctx.put(SPEC, CompletionRequestParser.parse(body, engine.info().vocabSize()));
        ctx.put(SHAPE, TextShape.INSTANCE);
        ctx.next();
    }

    public void generate(RoutingContext ctx) {
        GenerationSpec spec = ctx.get(SPEC);
        Envelope envelope = Envelope.of(ctx.get(SHAPE), ctx.get(MODEL));
        String fairnessGroup = spec.endUser() == null ? "" : "end-user:" + spec.endUser();
        GenerationRequest request = new GenerationRequest(Caller.user(ctx), fairnessGroup, spec.prompt(), spec.params(),
                spec.n(), 1.0);
        if (spec.stream()) {
            SseResponder sse = new SseResponder(ctx.response(), envelope, spec.n(), spec.includeUsage());
            GenerationCall.start(ctx, engine.engine(), request, spec.maxTokensGiven(), metrics, drain, sse)
                    .onSuccess(call -> sse.openWithin(ctx.vertx()))
                    .onFailure(e -> ctx.fail(inTermsOf(envelope, e)));
        } else {
            GenerationCall.start(ctx, engine.engine(), request, spec.maxTokensGiven(), metrics, drain,
                    new JsonResponder(ctx.response(), envelope)).onFailure(e -> ctx.fail(inTermsOf(envelope, e)));
        }
    }

    /** The engine names chat 'messages'; a text completion's client sent a 'prompt'. */
    private static Throwable inTermsOf(Envelope envelope, Throwable e) {
        if (envelope.shape() == TextShape.INSTANCE && e instanceof dev.fairway.engine.InvalidRequestException ire
                && "messages".equals(ire.param())) {
            var api = dev.fairway.gateway.http.ErrorResponder.toApiError(e, 400);
            return dev.fairway.gateway.http.ApiError.badRequest(api.getMessage(), "prompt", api.code());
        }
        return e;
    }
}
