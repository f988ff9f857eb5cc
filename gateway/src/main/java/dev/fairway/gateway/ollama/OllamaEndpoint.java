package dev.fairway.gateway.ollama;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fairway.engine.Engine;
import dev.fairway.engine.GenerationRequest;
import dev.fairway.engine.ModelInfo;
import dev.fairway.engine.Prompt;
import dev.fairway.gateway.auth.Caller;
import dev.fairway.gateway.embeddings.Embeddings;
import dev.fairway.gateway.http.ApiError;
import dev.fairway.gateway.http.Drain;
import dev.fairway.gateway.http.Fields;
import dev.fairway.gateway.http.Json;
import dev.fairway.gateway.metrics.GatewayMetrics;
import dev.fairway.gateway.models.ModelAccess;
import dev.fairway.gateway.models.ModelRegistry;
import dev.fairway.gateway.openai.GenerationCall;
import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Ollama's API under /api: chat and generate (NDJSON streams by default), embed, and the model listings. Names are
 * Ollama-style {@code NAME:latest}; a request may name a model with or without the tag.
 */
public final class OllamaEndpoint {
    /** The Ollama API version these endpoints follow (clients check it for features). */
    static final String VERSION = "0.12.6";

    /** The paths served, for the metrics' route label. */
    public static final Set<String> ROUTES = Set.of(
            "/api/chat",
            "/api/generate",
            "/api/embed",
            "/api/embeddings",
            "/api/tags",
            "/api/show",
            "/api/ps",
            "/api/version");

    private static final String REQUEST = "fairway.ollamaRequest";
    private static final String ENTRY = "fairway.model";
    private static final String BODY = "fairway.body";

    private final ModelAccess models;
    private final GatewayMetrics metrics;
    private final Drain drain;
    private final String started = Instant.now().toString();

    public OllamaEndpoint(ModelAccess models, GatewayMetrics metrics, Drain drain) {
        this.models = models;
        this.metrics = metrics;
        this.drain = drain;
    }

    // ---- chat and generate

    public void validateChat(RoutingContext ctx) {
        validate(ctx, true);
    }

    public void validateGenerate(RoutingContext ctx) {
        validate(ctx, false);
    }

    private void validate(RoutingContext ctx, boolean chat) {
        ObjectNode body = Json.parseObject(ctx.body().buffer());
        ModelRegistry.Entry entry = entry(body);
        ctx.put(ENTRY, entry);
        ctx.put(BODY, body);
        ctx.put(
                REQUEST,
                parse(
                        body,
                        chat,
                        entry.info() == null ? Integer.MAX_VALUE : entry.info().vocabSize()));
        ctx.next();
    }

    private static OllamaRequest parse(ObjectNode body, boolean chat, int vocab) {
        return chat ? OllamaRequest.chat(body, vocab) : OllamaRequest.generate(body, vocab);
    }

    public void generate(RoutingContext ctx) {
        ModelRegistry.Entry entry = ctx.get(ENTRY);
        OllamaRequest first = ctx.get(REQUEST);
        boolean vocabKnown = entry.info() != null;
        ObjectNode body = ctx.get(BODY);
        // Ollama answers with the name as the client spelled it
        String name = body.hasNonNull("model") ? body.get("model").asText() : tagged(entry.name());
        if (first.unloads()) {
            models.registry().unloadWhenIdle(entry);
            noGeneration(ctx, name, first.chat(), "unload");
            return;
        }
        long leaseStart = System.nanoTime();
        models.lease(ctx, entry, false, first.keepAlive()).onFailure(ctx::fail).onSuccess(lease -> {
            long loadNanos = System.nanoTime() - leaseStart; // ~0 unless the model had to load first
            OllamaRequest request;
            try {
                request = vocabKnown
                        ? first
                        : parse(body, first.chat(), lease.engine().modelInfo().vocabSize());
            } catch (RuntimeException e) {
                ctx.fail(e);
                return;
            }
            if (request.prompt() == null) {
                noGeneration(ctx, name, request.chat(), "load");
                return;
            }
            ctx.put(GenerationCall.MODEL_LABEL, entry.name());
            GenerationRequest g =
                    new GenerationRequest(Caller.user(ctx), "", request.prompt(), request.params(), 1, 1.0);
            NdjsonResponder sink =
                    new NdjsonResponder(ctx.response(), name, request.chat(), request.stream(), loadNanos);
            GenerationCall.start(ctx, lease.engine(), g, request.maxTokensGiven(), metrics, drain, sink)
                    .onFailure(ctx::fail);
        });
    }

    /** The answer to a request without prompt or messages: the model is loaded or unloaded, nothing is generated. */
    private static void noGeneration(RoutingContext ctx, String name, boolean chat, String reason) {
        ObjectNode o =
                Json.object().put("model", name).put("created_at", Instant.now().toString());
        if (chat) o.putObject("message").put("role", "assistant").put("content", "");
        else o.put("response", "");
        o.put("done", true).put("done_reason", reason);
        Json.send(ctx, o);
    }

    // ---- embed

    public void embed(RoutingContext ctx) {
        ObjectNode body = Json.parseObject(ctx.body().buffer());
        body.fieldNames().forEachRemaining(n -> {
            if (!Set.of("model", "input", "truncate", "options", "keep_alive", "dimensions")
                    .contains(n)) throw ApiError.badRequest("Unrecognized field '" + n + "'.", n);
        });
        ModelRegistry.Entry entry = entry(body);
        List<Prompt> inputs = inputs(body.get("input"));
        boolean truncate = !Boolean.FALSE.equals(Fields.optBool(body, "truncate"));
        Integer dimensions = Fields.optInt(body, "dimensions", 1, 1 << 20);
        Duration keepAlive = OllamaRequest.keepAlive(body);
        long start = System.nanoTime();
        long[] loaded = {start};
        models.lease(ctx, entry, false, keepAlive)
                .compose(lease -> {
                    Engine engine = lease.engine();
                    int hidden = engine.model().config().hidden();
                    if (dimensions != null && dimensions != hidden)
                        throw ApiError.badRequest(
                                "This model does not support 'dimensions' other than " + hidden + ".", "dimensions");
                    loaded[0] = System.nanoTime();
                    return Embeddings.embed(ctx, engine, truncate ? clipped(engine, inputs) : inputs);
                })
                .map(r -> {
                    ObjectNode out = Json.object().put("model", tagged(entry.name()));
                    ArrayNode all = out.putArray("embeddings");
                    for (float[] v : r.vectors()) all.add(vector(v));
                    out.put("total_duration", System.nanoTime() - start);
                    out.put("load_duration", loaded[0] - start);
                    out.put("prompt_eval_count", r.promptTokens());
                    return out;
                })
                .onSuccess(out -> Json.send(ctx, out))
                .onFailure(ctx::fail);
    }

    /**
     * Ollama's older {@code /api/embeddings}: one {@code prompt}, answered as {@code {"embedding": [...]}} with the
     * vector /api/embed gives (an empty prompt loads the model and answers an empty vector, as Ollama does).
     */
    public void legacyEmbed(RoutingContext ctx) {
        ObjectNode body = Json.parseObject(ctx.body().buffer());
        body.fieldNames().forEachRemaining(n -> {
            if (!Set.of("model", "prompt", "options", "keep_alive").contains(n))
                throw ApiError.badRequest("Unrecognized field '" + n + "'.", n);
        });
        ModelRegistry.Entry entry = entry(body);
        JsonNode prompt = body.get("prompt");
        if (prompt != null && !prompt.isNull() && !prompt.isTextual())
            throw ApiError.badRequest("'prompt' must be a string.", "prompt");
        String text = prompt == null || prompt.isNull() ? "" : prompt.asText();
        Duration keepAlive = OllamaRequest.keepAlive(body);
        models.lease(ctx, entry, false, keepAlive)
                .compose(lease -> text.isEmpty()
                        ? Future.succeededFuture(new float[0])
                        : Embeddings.embed(ctx, lease.engine(), clipped(lease.engine(), List.of(Prompt.text(text))))
                                .map(r -> r.vectors()[0]))
                .onSuccess(v -> Json.send(ctx, Json.object().set("embedding", vector(v))))
                .onFailure(ctx::fail);
    }

    private static ArrayNode vector(float[] v) {
        ArrayNode a = Json.array();
        for (float f : v) a.add(f);
        return a;
    }

    private static List<Prompt> inputs(JsonNode input) {
        if (input == null || input.isNull()) throw ApiError.badRequest("'input' is required.", "input");
        List<Prompt> out = new ArrayList<>();
        if (input.isTextual()) out.add(Prompt.text(input.asText()));
        else if (input.isArray() && !input.isEmpty()) {
            for (int i = 0; i < input.size(); i++) {
                if (!input.get(i).isTextual())
                    throw ApiError.badRequest("'input[" + i + "]' must be a string.", "input[" + i + "]");
                out.add(Prompt.text(input.get(i).asText()));
            }
        } else throw ApiError.badRequest("'input' must be a string or a non-empty array of strings.", "input");
        for (Prompt p : out)
            if (((Prompt.Text) p).text().isEmpty()) throw ApiError.badRequest("'input' must not be empty.", "input");
        return out;
    }

    /** Ollama's default {@code truncate: true}: inputs longer than the context keep their start. */
    private static List<Prompt> clipped(Engine engine, List<Prompt> inputs) {
        int context = engine.modelInfo().contextLength();
        List<Prompt> out = new ArrayList<>();
        for (Prompt p : inputs) {
            String text = ((Prompt.Text) p).text();
            if (text.length() <= context) { // no token is shorter than a character: it fits
                out.add(p);
                continue;
            }
            int[] ids = engine.promptTokens(p);
            out.add(ids.length <= context ? p : Prompt.tokens(java.util.Arrays.copyOf(ids, context)));
        }
        return out;
    }

    // ---- listings

    public void tags(RoutingContext ctx) {
        ObjectNode out = Json.object();
        ArrayNode list = out.putArray("models");
        for (ModelRegistry.Entry e : models.registry().entries()) list.add(summary(e));
        Json.send(ctx, out);
    }

    public void ps(RoutingContext ctx) {
        ObjectNode out = Json.object();
        ArrayNode list = out.putArray("models");
        for (ModelRegistry.Entry e : models.registry().entries()) {
            if (e.engineOrNull() == null) continue;
            ObjectNode m = summary(e);
            m.remove("modified_at");
            m.put("expires_at", expiresAt(e.expiresAtMillis()).toString());
            m.put("size_vram", 0);
            if (e.info() != null) m.put("context_length", e.info().contextLength());
            list.add(m);
        }
        Json.send(ctx, out);
    }

    /** Ollama's {@code expires_at}; a model kept until the room is needed shows Ollama's "forever" (~292 years). */
    private static Instant expiresAt(long millis) {
        return millis == Long.MAX_VALUE
                ? Instant.now().plus(Duration.ofNanos(Long.MAX_VALUE))
                : Instant.ofEpochMilli(millis);
    }

    public void version(RoutingContext ctx) {
        Json.send(ctx, Json.object().put("version", VERSION));
    }

    /** The model's facts; loads it first if it never was (they are known only from its files). */
    public void show(RoutingContext ctx) {
        ObjectNode body = Json.parseObject(ctx.body().buffer());
        if (!body.hasNonNull("model") && body.hasNonNull("name")) body.set("model", body.get("name"));
        if (!body.hasNonNull("model")) throw ApiError.badRequest("'model' is required.", "model");
        ModelRegistry.Entry entry = entry(body);
        models.lease(ctx, entry, false)
                .onSuccess(lease -> {
                    ModelInfo info = lease.engine().modelInfo();
                    String arch = info.architecture();
                    ObjectNode out = Json.object()
                            .put("license", "")
                            .put("modelfile", "")
                            .put("parameters", "")
                            .put("template", "");
                    out.set("details", details(entry));
                    ObjectNode mi = out.putObject("model_info");
                    mi.put("general.architecture", arch);
                    mi.put("general.parameter_count", info.parameterCount());
                    mi.put(arch + ".context_length", info.contextLength());
                    mi.put(
                            arch + ".embedding_length",
                            lease.engine().model().config().hidden());
                    mi.put(
                            arch + ".block_count",
                            lease.engine().model().config().layers());
                    out.putArray("capabilities").add("completion").add("embedding");
                    out.put("modified_at", started);
                    Json.send(ctx, out);
                })
                .onFailure(ctx::fail);
    }

    private ObjectNode summary(ModelRegistry.Entry e) {
        ObjectNode m = Json.object()
                .put("name", tagged(e.name()))
                .put("model", tagged(e.name()))
                .put("modified_at", started)
                .put("size", 0)
                .put("digest", digest(e.source()));
        m.set("details", details(e));
        return m;
    }

    private static ObjectNode details(ModelRegistry.Entry e) {
        ModelInfo info = e.info();
        String family = info == null ? "" : info.architecture();
        ObjectNode d = Json.object()
                .put("parent_model", "")
                .put("format", e.source().toLowerCase(Locale.ROOT).endsWith(".gguf") ? "gguf" : "safetensors")
                .put("family", family);
        ArrayNode families = d.putArray("families");
        if (!family.isEmpty()) families.add(family);
        d.put("parameter_size", info == null ? "" : size(info.parameterCount()));
        d.put("quantization_level", info == null ? "" : info.weightType());
        return d;
    }

    static String size(long params) {
        if (params >= 1_000_000_000L) return String.format(Locale.ROOT, "%.1fB", params / 1e9);
        if (params >= 1_000_000L) return String.format(Locale.ROOT, "%.1fM", params / 1e6);
        return String.format(Locale.ROOT, "%.1fK", params / 1e3);
    }

    /** An id for the model's source (Ollama's is its manifest's hash; there is no manifest here). */
    private static String digest(String source) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(source.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String tagged(String name) {
        return name.contains(":") ? name : name + ":latest";
    }

    /** The model a body names, with or without Ollama's {@code :latest} tag; 404 naming the served ones. */
    private ModelRegistry.Entry entry(ObjectNode body) {
        String name = Fields.optString(body, "model", 512);
        ModelRegistry registry = models.registry();
        if (name != null && name.endsWith(":latest") && registry.find(name) == null)
            name = name.substring(0, name.length() - ":latest".length());
        return registry.resolve(name);
    }
}
