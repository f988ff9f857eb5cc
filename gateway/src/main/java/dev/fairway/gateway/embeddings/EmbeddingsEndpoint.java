package dev.fairway.gateway.embeddings;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fairway.engine.Engine;
import dev.fairway.engine.InvalidRequestException;
import dev.fairway.gateway.http.ApiError;
import dev.fairway.gateway.http.Json;
import dev.fairway.gateway.models.ModelAccess;
import dev.fairway.gateway.models.ModelRegistry;
import io.vertx.ext.web.RoutingContext;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;

/** POST /v1/embeddings: the validator, then the handler that waits for the model and embeds on it. */
public final class EmbeddingsEndpoint {
    private static final String REQUEST = "fairway.embeddingRequest";
    private static final String ENTRY = "fairway.model";

    private final ModelAccess models;

    public EmbeddingsEndpoint(ModelAccess models) {
        this.models = models;
    }

    public void validate(RoutingContext ctx) {
        ObjectNode body = Json.parseObject(ctx.body().buffer());
        EmbeddingRequest request = EmbeddingRequest.parse(body);
        ModelRegistry.Entry entry = models.registry()
                .resolve(body.path("model").isTextual() ? body.get("model").asText() : null);
        ctx.put(REQUEST, request);
        ctx.put(ENTRY, entry);
        ctx.put(dev.fairway.gateway.openai.GenerationCall.MODEL_LABEL, entry.name());
        ctx.next();
    }

    public void embed(RoutingContext ctx) {
        EmbeddingRequest request = ctx.get(REQUEST);
        ModelRegistry.Entry entry = ctx.get(ENTRY);
        models.lease(ctx, entry, false)
                .compose(lease -> {
                    Engine engine = lease.engine();
                    checkDimensions(request.dimensions(), engine);
                    return Embeddings.embed(ctx, engine, request.inputs());
                })
                .onSuccess(result -> Json.send(ctx, json(result, request.base64(), entry.name())))
                .onFailure(e -> ctx.fail(inTermsOfInput(e)));
    }

    /** The models served here have one embedding size: only that one may be asked for. */
    static void checkDimensions(Integer dimensions, Engine engine) {
        int hidden = engine.model().config().hidden();
        if (dimensions != null && dimensions != hidden) {
            throw ApiError.badRequest(
                    "This model does not support 'dimensions' other than its embedding size, " + hidden + ".",
                    "dimensions",
                    "unsupported_parameter");
        }
    }

    /** The engine checks token ids as a 'prompt'; here the client sent them as 'input'. */
    static Throwable inTermsOfInput(Throwable e) {
        if (e instanceof InvalidRequestException ire && "prompt".equals(ire.param()))
            return ApiError.badRequest(ire.getMessage(), "input");
        return e;
    }

    private static ObjectNode json(Embeddings.Result result, boolean base64, String model) {
        ObjectNode out = Json.object().put("object", "list");
        ArrayNode data = out.putArray("data");
        for (int i = 0; i < result.vectors().length; i++) {
            ObjectNode item = data.addObject().put("object", "embedding").put("index", i);
            float[] v = result.vectors()[i];
            if (base64) {
                item.put("embedding", base64(v));
            } else {
                ArrayNode arr = item.putArray("embedding");
                for (float f : v) arr.add(f);
            }
        }
        out.put("model", model);
        out.putObject("usage").put("prompt_tokens", result.promptTokens()).put("total_tokens", result.promptTokens());
        return out;
    }

    /** OpenAI's base64: the little-endian float32 bytes. */
    static String base64(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) b.putFloat(f);
        return Base64.getEncoder().encodeToString(b.array());
    }
}
