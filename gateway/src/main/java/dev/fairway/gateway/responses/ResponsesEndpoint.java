package dev.fairway.gateway.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fairway.engine.ChatMessage;
import dev.fairway.engine.Engine;
import dev.fairway.engine.GenerationRequest;
import dev.fairway.engine.Prompt;
import dev.fairway.gateway.auth.Caller;
import dev.fairway.gateway.conversations.ConversationJson;
import dev.fairway.gateway.conversations.ConversationsEndpoint;
import dev.fairway.gateway.conversations.Truncation;
import dev.fairway.gateway.conversations.TurnQueue;
import dev.fairway.gateway.http.ApiError;
import dev.fairway.gateway.http.Drain;
import dev.fairway.gateway.http.Json;
import dev.fairway.gateway.metrics.GatewayMetrics;
import dev.fairway.gateway.models.ModelAccess;
import dev.fairway.gateway.models.ModelRegistry;
import dev.fairway.gateway.openai.GenerationCall;
import dev.fairway.gateway.store.ConversationStore;
import dev.fairway.gateway.store.ConversationStore.NewMessage;
import dev.fairway.gateway.store.ResponseStore;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * OpenAI's Responses API: POST /v1/responses (the history from previous_response_id or a conversation), and
 * GET / DELETE /v1/responses/{id}, GET /v1/responses/{id}/input_items for stored responses, the caller's only.
 */
public final class ResponsesEndpoint {
    private static final String REQUEST = "fairway.responseRequest";
    private static final String ENTRY = "fairway.model";
    private static final String BODY = "fairway.body";
    /** Completes once the response is stored or will not be: a conversation's next turn waits for it. */
    private static final String SETTLED = "fairway.responseSettled";

    private final ResponseStore responses;
    private final ConversationStore conversations;
    private final ModelAccess models;
    private final GatewayMetrics metrics;
    private final Drain drain;
    private final TurnQueue turns;

    public ResponsesEndpoint(
            ResponseStore responses,
            ConversationStore conversations,
            TurnQueue turns,
            ModelAccess models,
            GatewayMetrics metrics,
            Drain drain) {
        this.turns = turns;
        this.responses = responses;
        this.conversations = conversations;
        this.models = models;
        this.metrics = metrics;
        this.drain = drain;
    }

    public void validate(RoutingContext ctx) {
        ObjectNode body = Json.parseObject(ctx.body().buffer());
        ModelRegistry.Entry entry = models.registry()
                .resolve(body.path("model").isTextual() ? body.get("model").asText() : null);
        ctx.put(BODY, body);
        ctx.put(ENTRY, entry);
        ctx.put(
                REQUEST,
                ResponseRequest.parse(
                        body,
                        entry.info() == null ? Integer.MAX_VALUE : entry.info().vocabSize()));
        ctx.next();
    }

    public void create(RoutingContext ctx) {
        ModelRegistry.Entry entry = ctx.get(ENTRY);
        ResponseRequest first = ctx.get(REQUEST);
        String owner = Caller.user(ctx);
        boolean vocabKnown = entry.info() != null;
        Promise<Void> settled = Promise.promise();
        ctx.put(SETTLED, settled);
        Future<List<ChatMessage>> history = history(ctx, owner, first);
        history.compose(past -> models.lease(ctx, entry, first.stream()).map(lease -> {
                    ResponseRequest req = vocabKnown
                            ? first
                            : ResponseRequest.parse(
                                    ctx.get(BODY), lease.engine().modelInfo().vocabSize());
                    start(ctx, lease.engine(), entry.name(), owner, req, past);
                    return null;
                }))
                .onFailure(e -> {
                    settled.tryComplete();
                    ctx.fail(e);
                });
    }

    /**
     * What came before: the previous_response_id chain, or the conversation's items (read once this turn holds the
     * conversation: until the response ends), or nothing.
     */
    private Future<List<ChatMessage>> history(RoutingContext ctx, String owner, ResponseRequest req) {
        if (req.previousResponseId() != null) {
            return responses.find(owner, req.previousResponseId()).compose(found -> {
                if (found == null)
                    throw ApiError.badRequest(
                            "Previous response with id '" + req.previousResponseId() + "' not found.",
                            "previous_response_id",
                            "previous_response_not_found");
                return responses.chain(owner, req.previousResponseId()).map(turns -> {
                    List<ChatMessage> out = new ArrayList<>();
                    for (ResponseStore.Turn t : turns) {
                        out.addAll(messages(t.inputJson()));
                        JsonNode settings = parse(t.settingsJson());
                        ResponseTools.Output said =
                                ResponseTools.split(t.id(), ResponseTools.names(settings.get("tools")), t.outputText());
                        out.add(ChatMessage.assistant(said.content(), said.calls()));
                    }
                    return out;
                });
            });
        }
        if (req.conversationId() != null) {
            return conversations
                    .find(owner, req.conversationId())
                    .compose(c -> {
                        if (c == null)
                            throw ApiError.notFound(
                                    "No conversation found with id '" + req.conversationId() + "'.",
                                    "conversation",
                                    "conversation_not_found");
                        // one turn at a time, as on /messages (across nodes too): the history is read once the
                        // turn ahead stored its reply
                        return turns.enter(c.id(), () -> ctx.response().closed())
                                .compose(slot -> ConversationsEndpoint.lockAcrossServers(conversations, slot))
                                .map(turn -> {
                                    if (ctx.response().ended() || ctx.response().closed()) {
                                        turn.run(); // it left while waiting: no turn, nothing stored
                                        throw ApiError.badRequest("The client closed the connection.", null);
                                    }
                                    // a client that hangs up has its partial reply stored before the next turn reads
                                    Promise<Void> settled = ctx.get(SETTLED);
                                    ctx.addEndHandler(v -> settled.future().onComplete(s -> turn.run()));
                                    return c;
                                });
                    })
                    .compose(c -> conversations.messages(c.id()))
                    .map(ms -> ms.stream().map(ConversationJson::chat).toList());
        }
        return Future.succeededFuture(List.of());
    }

    private void start(
            RoutingContext ctx,
            Engine engine,
            String model,
            String owner,
            ResponseRequest req,
            List<ChatMessage> past) {
        List<ChatMessage> system = req.instructions() == null
                ? List.of()
                : List.of(new ChatMessage(ChatMessage.Role.SYSTEM, req.instructions()));
        List<ChatMessage> turns = new ArrayList<>(past);
        turns.addAll(req.input());
        // as on /messages a conversation is its own fairness group; otherwise as on chat, the end user named in 'user'
        String group = req.conversationId() != null
                ? req.conversationId()
                : req.user() != null ? "end-user:" + req.user() : "";
        Future<GenerationRequest> prepared;
        if (req.truncateAuto()) {
            // fitting tokenizes the history, maybe several times: on a worker, never on the event loop
            prepared = ctx.vertx()
                    .executeBlocking(
                            () -> {
                                Truncation.Fit fit = Truncation.fit(engine, system, turns, req.maxOutputTokens());
                                return new GenerationRequest(
                                        owner,
                                        group,
                                        Prompt.tokens(fit.prompt()),
                                        req.params().toBuilder()
                                                .maxTokens(fit.maxTokens())
                                                .build(),
                                        1,
                                        1.0);
                            },
                            false);
        } else {
            List<ChatMessage> chat = new ArrayList<>(system);
            chat.addAll(turns);
            try {
                // a forced call gets this model's call grammar, as on chat completions
                prepared = Future.succeededFuture(engine.withToolGrammar(new GenerationRequest(
                        owner, group, Prompt.chat(chat, req.tools().tools()), req.params(), 1, 1.0)));
            } catch (RuntimeException e) {
                prepared = Future.failedFuture(e);
            }
        }
        boolean maxGiven = req.truncateAuto() || req.maxOutputTokens() != null;
        String id = ResponseStore.newId("resp_");
        ResponseJson.View begin = new ResponseJson.View(
                id,
                ResponseStore.now(),
                model,
                "in_progress",
                null,
                req.instructions(),
                req.previousResponseId(),
                req.conversationId(),
                ResponseStore.newId("msg_"),
                null,
                null,
                ResponseJson.settings(req));
        Promise<Void> settled = ctx.get(SETTLED);
        ResponseSink sink = new ResponseSink(
                ctx.response(),
                req.stream(),
                begin,
                done -> {
                    drain.hold(); // a client that left no longer holds the drain: the store must finish first
                    return store(owner, req, done).onComplete(x -> drain.release());
                },
                settled::tryComplete);
        ctx.put(GenerationCall.MODEL_LABEL, model);
        prepared.compose(request -> GenerationCall.start(ctx, engine, request, maxGiven, metrics, drain, sink))
                .onSuccess(call -> sink.open())
                .onFailure(e -> {
                    settled.tryComplete();
                    ctx.fail(e);
                });
    }

    /** The response (store: true) and, with a conversation, its input and output items: one transaction. */
    private Future<Void> store(String owner, ResponseRequest req, ResponseJson.View done) {
        List<NewMessage> items = new ArrayList<>();
        if (req.conversationId() != null) {
            for (ChatMessage m : req.input())
                items.add(new NewMessage(m.role().name().toLowerCase(Locale.ROOT), m.content(), "completed"));
            items.add(new NewMessage(
                    "assistant", done.outputText(), done.status().equals("completed") ? "completed" : "partial"));
        }
        ResponseStore.Stored row = null;
        if (req.store()) {
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < req.input().size(); i++) ids.add(ResponseStore.newId("msg_"));
            row = new ResponseStore.Stored(
                    done.id(),
                    owner,
                    done.previousResponseId(),
                    done.conversationId(),
                    done.model(),
                    done.status(),
                    done.incompleteReason(),
                    done.instructions(),
                    ResponseRequest.inputJson(req.input(), ids),
                    done.outputText(),
                    done.outputItemId(),
                    ResponseJson.usageJson(done.usage()),
                    Json.write(done.settings()),
                    done.createdAtMillis());
        }
        if (row == null && items.isEmpty()) return Future.succeededFuture();
        return responses.save(row, req.conversationId(), items);
    }

    // ---- stored responses

    public void get(RoutingContext ctx) {
        found(ctx)
                .onSuccess(r -> Json.send(ctx, ResponseJson.response(view(r))))
                .onFailure(ctx::fail);
    }

    public void delete(RoutingContext ctx) {
        String owner = Caller.user(ctx);
        String id = ctx.pathParam("id");
        responses
                .delete(owner, id)
                .onSuccess(deleted -> {
                    if (!deleted) {
                        ctx.fail(notFound(id));
                        return;
                    }
                    Json.send(
                            ctx,
                            Json.object()
                                    .put("id", id)
                                    .put("object", "response")
                                    .put("deleted", true));
                })
                .onFailure(ctx::fail);
    }

    public void inputItems(RoutingContext ctx) {
        Paging paging = Paging.of(ctx);
        found(ctx)
                .onSuccess(r -> {
                    List<ObjectNode> items = new ArrayList<>();
                    for (JsonNode m : parse(r.inputJson())) items.addAll(inputItems(m));
                    Json.send(ctx, paging.page(items));
                })
                .onFailure(ctx::fail);
    }

    /** A stored input message as the items the client sent: a message, function_call(s) or a function_call_output. */
    private static List<ObjectNode> inputItems(JsonNode m) {
        String id = m.get("id").asText();
        if (m.hasNonNull("tool_call_id"))
            return List.of(Json.object()
                    .put("id", id)
                    .put("type", "function_call_output")
                    .put("status", "completed")
                    .put("call_id", m.get("tool_call_id").asText())
                    .put("output", m.path("content").asText()));
        List<ObjectNode> out = new ArrayList<>();
        if (!m.has("tool_calls") || !m.path("content").asText().isEmpty())
            out.add(ConversationJson.item(
                    id, m.get("role").asText(), m.path("content").asText(), "completed"));
        boolean first = out.isEmpty();
        int k = 0;
        for (JsonNode c : m.path("tool_calls"))
            out.add(Json.object()
                    .put("id", k++ == 0 && first ? id : id + "_" + k)
                    .put("type", "function_call")
                    .put("status", "completed")
                    .put("arguments", c.get("arguments").asText())
                    .put("call_id", c.get("call_id").asText())
                    .put("name", c.get("name").asText()));
        return out;
    }

    private Future<ResponseStore.Stored> found(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        return responses.find(Caller.user(ctx), id).map(r -> {
            if (r == null) throw notFound(id);
            return r;
        });
    }

    private static ResponseJson.View view(ResponseStore.Stored r) {
        JsonNode settings = parse(r.settingsJson());
        return new ResponseJson.View(
                r.id(),
                r.createdAt(),
                r.model(),
                r.status(),
                r.incompleteReason(),
                r.instructions(),
                r.previousResponseId(),
                r.conversationId(),
                r.outputItemId(),
                r.outputText(),
                ResponseJson.usageOf(r.usageJson()),
                settings.isObject() ? (ObjectNode) settings : Json.object());
    }

    private static List<ChatMessage> messages(String inputJson) {
        List<ChatMessage> out = new ArrayList<>();
        for (JsonNode m : parse(inputJson)) out.add(ResponseRequest.stored(m));
        return out;
    }

    private static JsonNode parse(String json) {
        try {
            return Json.MAPPER.readTree(json);
        } catch (Exception e) {
            throw new IllegalStateException("stored JSON is unreadable", e);
        }
    }

    private static ApiError notFound(String id) {
        return ApiError.notFound("Response with id '" + id + "' not found.", "response_id", "response_not_found");
    }

    /** {@code limit}, {@code order} and {@code after} of a list of items, applied to a list in memory. */
    record Paging(int limit, boolean newestFirst, String after) {
        static Paging of(RoutingContext ctx) {
            String order = ctx.queryParams().get("order");
            if (order != null && !order.equals("asc") && !order.equals("desc"))
                throw ApiError.badRequest("'order' must be asc or desc.", "order");
            return new Paging(
                    limit(ctx), !"asc".equals(order), ctx.queryParams().get("after"));
        }

        static int limit(RoutingContext ctx) {
            String v = ctx.queryParams().get("limit");
            if (v == null) return 20;
            try {
                int n = Integer.parseInt(v);
                if (n >= 1 && n <= 100) return n;
            } catch (NumberFormatException e) {
                // answered below
            }
            throw ApiError.badRequest("'limit' must be an integer between 1 and 100.", "limit");
        }

        ObjectNode page(List<ObjectNode> oldestFirst) {
            List<ObjectNode> items = new ArrayList<>(oldestFirst);
            if (newestFirst) java.util.Collections.reverse(items);
            int from = 0;
            if (after != null) {
                for (int i = 0; i < items.size(); i++)
                    if (items.get(i).path("id").asText().equals(after)) from = i + 1;
            }
            List<ObjectNode> shown = items.subList(Math.min(from, items.size()), Math.min(items.size(), from + limit));
            ObjectNode out = Json.object().put("object", "list");
            ArrayNode data = out.putArray("data");
            shown.forEach(data::add);
            out.put("first_id", shown.isEmpty() ? null : shown.get(0).get("id").asText());
            out.put(
                    "last_id",
                    shown.isEmpty()
                            ? null
                            : shown.get(shown.size() - 1).get("id").asText());
            out.put("has_more", from + limit < items.size());
            return out;
        }
    }
}
