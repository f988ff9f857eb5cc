package dev.fairway.gateway.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fairway.engine.Engine;
import dev.fairway.engine.Prompt;
import dev.fairway.gateway.http.ApiError;
import dev.fairway.gateway.http.Fields;
import dev.fairway.gateway.http.Json;
import dev.fairway.gateway.models.ModelAccess;
import dev.fairway.gateway.models.ModelRegistry;
import io.vertx.ext.web.RoutingContext;
import java.util.Set;

/** POST /tokenize and /detokenize (vLLM-compatible shapes). Tokenizing runs off the event loop. */
public final class TokenizeEndpoint {
    private final ModelAccess models;

    public TokenizeEndpoint(ModelAccess models) {
        this.models = models;
    }

    public void tokenize(RoutingContext ctx) {
        ObjectNode body = Json.parseObject(ctx.body().buffer());
        Fields.rejectUnknown(
                body, Set.of("model", "prompt", "messages", "add_special_tokens", "add_generation_prompt"));
        ModelRegistry.Entry entry = models.registry().resolve(Fields.optString(body, "model", 512));
        Boolean special = Fields.optBool(body, "add_special_tokens");
        Fields.optBool(body, "add_generation_prompt");
        Prompt prompt;
        if (Fields.present(body, "messages")) {
            prompt = Prompt.chat(ChatRequestParser.messages(body.get("messages")));
        } else {
            String text = Fields.optString(body, "prompt", Integer.MAX_VALUE);
            if (text == null) throw ApiError.badRequest("'prompt' or 'messages' is required.", "prompt");
            prompt = Prompt.text(text);
        }
        models.lease(ctx, entry, false).onFailure(ctx::fail).onSuccess(lease -> {
            try {
                tokenize(ctx, lease.engine(), prompt, special);
            } catch (RuntimeException ex) {
                ctx.fail(ex);
            }
        });
    }

    private static void tokenize(RoutingContext ctx, Engine e, Prompt prompt, Boolean special) {
        // like generation: megabytes are refused before a worker spends seconds tokenizing them
        GenerationCall.checkPromptSize(prompt, e.modelInfo().contextLength());
        boolean raw = Boolean.FALSE.equals(special) && prompt instanceof Prompt.Text;
        ctx.vertx()
                .executeBlocking(() -> raw ? e.encode(((Prompt.Text) prompt).text()) : e.promptTokens(prompt), false)
                .onSuccess(ids -> {
                    ObjectNode out = Json.object()
                            .put("count", ids.length)
                            .put("max_model_len", e.modelInfo().contextLength());
                    var arr = out.putArray("tokens");
                    for (int id : ids) arr.add(id);
                    Json.send(ctx, out);
                })
                .onFailure(ctx::fail);
    }

    /** As many ids as the longest prompt /tokenize accepts can encode to, one per character. */
    static int maxDetokenizeTokens(int contextLength) {
        return (int) Math.min(Integer.MAX_VALUE, (long) contextLength * GenerationCall.MAX_CHARS_PER_TOKEN);
    }

    public void detokenize(RoutingContext ctx) {
        ObjectNode body = Json.parseObject(ctx.body().buffer());
        Fields.rejectUnknown(body, Set.of("model", "tokens"));
        ModelRegistry.Entry entry = models.registry().resolve(Fields.optString(body, "model", 512));
        JsonNode tokens = body.get("tokens");
        if (tokens == null || !tokens.isArray())
            throw ApiError.badRequest("'tokens' must be an array of token ids.", "tokens");
        models.lease(ctx, entry, false).onFailure(ctx::fail).onSuccess(lease -> {
            try {
                detokenize(ctx, lease.engine(), tokens);
            } catch (RuntimeException ex) {
                ctx.fail(ex);
            }
        });
    }

    private static void detokenize(RoutingContext ctx, Engine e, JsonNode tokens) {
        int max = maxDetokenizeTokens(e.modelInfo().contextLength());
        if (tokens.size() > max) {
            throw ApiError.badRequest(
                    "'tokens' holds " + tokens.size() + " ids; at most " + max + " are accepted.",
                    "tokens",
                    "too_many_tokens");
        }
        int vocab = e.modelInfo().vocabSize();
        int[] ids = new int[tokens.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode t = tokens.get(i);
            if (!t.isIntegralNumber() || !t.canConvertToInt() || t.asInt() < 0 || t.asInt() >= vocab) {
                throw ApiError.badRequest("'tokens' must hold token ids in 0.." + (vocab - 1) + ".", "tokens");
            }
            ids[i] = t.asInt();
        }
        ctx.vertx()
                .executeBlocking(() -> e.decode(ids), false)
                .onSuccess(text -> Json.send(ctx, Json.object().put("prompt", text)))
                .onFailure(ctx::fail);
    }
}
