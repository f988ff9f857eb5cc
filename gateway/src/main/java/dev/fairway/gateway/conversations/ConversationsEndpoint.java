package dev.fairway.gateway.conversations;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fairway.engine.ChatMessage;
import dev.fairway.engine.GenerationRequest;
import dev.fairway.engine.Prompt;
import dev.fairway.gateway.auth.Caller;
import dev.fairway.gateway.http.ApiError;
import dev.fairway.gateway.http.Drain;
import dev.fairway.gateway.http.Fields;
import dev.fairway.gateway.http.Json;
import dev.fairway.gateway.metrics.GatewayMetrics;
import dev.fairway.gateway.models.ModelAccess;
import dev.fairway.gateway.models.ModelRegistry;
import dev.fairway.gateway.openai.ChatShape;
import dev.fairway.gateway.openai.Envelope;
import dev.fairway.gateway.openai.GenerationCall;
import dev.fairway.gateway.openai.GenerationSink;
import dev.fairway.gateway.openai.JsonResponder;
import dev.fairway.gateway.openai.SseResponder;
import dev.fairway.gateway.store.ConversationStore;
import dev.fairway.gateway.store.ConversationStore.Conversation;
import dev.fairway.gateway.store.ConversationStore.Message;
import dev.fairway.gateway.store.ConversationStore.NewMessage;
import dev.fairway.gateway.store.TurnLocks;
import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/** /v1/conversations: stored chats, shaped like OpenAI's Conversations API where it fits. */
public final class ConversationsEndpoint {
    private static final String CONVERSATION = "fairway.conversation";
    private static final String BODY = "fairway.body";
    private static final int MAX_TITLE = 512;

    private final ConversationStore store;
    private final ModelAccess models;
    private final GatewayMetrics metrics;
    private final Drain drain;
    private final TurnQueue turns = new TurnQueue();

    public ConversationsEndpoint(ConversationStore store, ModelAccess models, GatewayMetrics metrics, Drain drain) {
        this.store = store;
        this.models = models;
        this.metrics = metrics;
        this.drain = drain;
    }

    /** One turn at a time per conversation, for every endpoint that adds turns to one. */
    public TurnQueue turnQueue() {
        return turns;
    }

    // ---- validation and lookup (ahead of the business handlers)

    public void parseBody(RoutingContext ctx) {
        ctx.put(BODY, Json.parseObject(ctx.body().buffer()));
        ctx.next();
    }

    /** Loads the caller's conversation named in the path; 404 for missing and for other users' alike. */
    public void loadOwned(RoutingContext ctx) {
        store.find(Caller.user(ctx), ctx.pathParam("id"))
                .onSuccess(c -> {
                    if (c == null) {
                        ctx.fail(gone(ctx.pathParam("id")));
                        return;
                    }
                    ctx.put(CONVERSATION, c);
                    ctx.next();
                })
                .onFailure(ctx::fail);
    }

    /** The conversation {@link #loadOwned} found. */
    static Conversation loaded(RoutingContext ctx) {
        return ctx.get(CONVERSATION);
    }

    static ObjectNode body(RoutingContext ctx) {
        return ctx.get(BODY);
    }

    // ---- CRUD

    public void create(RoutingContext ctx) {
        ObjectNode body = ctx.get(BODY);
        Fields.rejectUnknown(body, Set.of("title", "metadata", "items"));
        String title = Fields.optString(body, "title", MAX_TITLE);
        String metadata = ConversationJson.metadata(body);
        ConversationSettings.validate(metadata);
        checkModel(metadata);
        List<NewMessage> items = ConversationJson.items(body.get("items")).stream()
                .map(ConversationJson::stored)
                .toList();
        String owner = Caller.user(ctx);
        store.create(owner, title, metadata == null ? "{}" : metadata, items)
                .compose(c -> store.messages(c.id()).map(ms -> ConversationJson.conversation(c, ms)))
                .onSuccess(json -> Json.send(ctx, 200, json))
                .onFailure(ctx::fail);
    }

    public void list(RoutingContext ctx) {
        int limit = intParam(ctx, "limit", 20, 1, 100);
        String order = ctx.queryParams().get("order");
        if (order != null && !order.equals("desc"))
            throw ApiError.badRequest("Only order=desc (newest first) is supported.", "order");
        String after = ctx.queryParams().get("after");
        String titleFilter = ctx.queryParams().get("q");
        if (titleFilter != null && titleFilter.length() > MAX_TITLE)
            throw ApiError.badRequest("'q' is longer than " + MAX_TITLE + " characters.", "q");
        String owner = Caller.user(ctx);
        Future<Conversation> cursor = after == null
                ? Future.succeededFuture(null)
                : store.find(owner, after).map(c -> {
                    if (c == null) throw ApiError.badRequest("'after' is not one of your conversations.", "after");
                    return c;
                });
        cursor.compose(c -> store.list(
                        owner, limit, c, titleFilter == null || titleFilter.isBlank() ? null : titleFilter.trim()))
                .onSuccess(page -> {
                    ObjectNode out = Json.object().put("object", "list");
                    ArrayNode data = out.putArray("data");
                    for (Conversation c : page.items()) data.add(ConversationJson.summary(c));
                    out.put(
                            "first_id",
                            page.items().isEmpty() ? null : page.items().get(0).id());
                    out.put(
                            "last_id",
                            page.items().isEmpty()
                                    ? null
                                    : page.items().get(page.items().size() - 1).id());
                    out.put("has_more", page.hasMore());
                    Json.send(ctx, out);
                })
                .onFailure(ctx::fail);
    }

    public void get(RoutingContext ctx) {
        Conversation c = ctx.get(CONVERSATION);
        store.messages(c.id())
                .onSuccess(ms -> Json.send(ctx, ConversationJson.conversation(c, ms)))
                .onFailure(ctx::fail);
    }

    public void listMessages(RoutingContext ctx) {
        Conversation c = ctx.get(CONVERSATION);
        store.messages(c.id())
                .onSuccess(ms -> {
                    ObjectNode out = Json.object().put("object", "list");
                    ArrayNode data = out.putArray("data");
                    for (Message m : ms) data.add(ConversationJson.message(m));
                    Json.send(ctx, out);
                })
                .onFailure(ctx::fail);
    }

    public void update(RoutingContext ctx) {
        ObjectNode body = ctx.get(BODY);
        Fields.rejectUnknown(body, Set.of("title", "metadata"));
        String title = Fields.optString(body, "title", MAX_TITLE);
        String metadata = ConversationJson.metadata(body);
        ConversationSettings.validate(metadata);
        checkModel(metadata);
        if (title == null && metadata == null)
            throw ApiError.badRequest("Send 'title' and/or 'metadata' to update.", "title");
        Conversation c = ctx.get(CONVERSATION);
        store.update(c.owner(), c.id(), title, metadata)
                .compose(found -> found ? store.find(c.owner(), c.id()) : Future.succeededFuture(null))
                .compose(updated -> {
                    if (updated == null) throw gone(c.id());
                    return store.messages(updated.id()).map(ms -> ConversationJson.conversation(updated, ms));
                })
                .onSuccess(json -> Json.send(ctx, json))
                .onFailure(ctx::fail);
    }

    public void delete(RoutingContext ctx) {
        Conversation c = ctx.get(CONVERSATION);
        store.delete(c.owner(), c.id())
                .map(deleted -> {
                    if (!deleted) throw gone(c.id()); // deleted meanwhile by another request
                    return Json.object()
                            .put("id", c.id())
                            .put("object", "conversation.deleted")
                            .put("deleted", true);
                })
                .onSuccess(json -> Json.send(ctx, json))
                .onFailure(ctx::fail);
    }

    // ---- the chat turn

    /** Validated first; then the turn waits for the conversation's previous turn (see {@link TurnQueue}). */
    public void postMessage(RoutingContext ctx) {
        Conversation c = ctx.get(CONVERSATION);
        ObjectNode sent = ctx.get(BODY);
        ObjectNode body = ConversationSettings.withDefaults(sent, c.metadataJson());
        // a model the conversation remembers is a preference: one this server no longer serves falls back to the
        // default
        if (!sent.hasNonNull("model")
                && body.hasNonNull("model")
                && models.registry().find(body.get("model").asText()) == null) {
            body.remove("model");
        }
        ModelRegistry.Entry entry = models.registry()
                .resolve(body.path("model").isTextual() ? body.get("model").asText() : null);
        boolean vocabKnown = entry.info() != null;
        MessageRequest first =
                MessageRequest.parse(body, vocabKnown ? entry.info().vocabSize() : Integer.MAX_VALUE);
        String model = entry.name();
        ctx.put(dev.fairway.gateway.openai.GenerationCall.MODEL_LABEL, model);
        turns.enter(c.id(), () -> ctx.response().closed())
                .compose(slot -> lockAcrossServers(store, slot))
                .onSuccess(slot -> {
                    if (ctx.response().closed()) {
                        slot.run(); // the client left while waiting
                        return;
                    }
                    if (drain.isDraining()) {
                        fail(ctx, slot, ApiError.shuttingDown());
                        return;
                    }
                    drain.hold(); // until the reply is stored: a drain must not close the database under it
                    boolean[] over = {false}; // event loop only; runs once whichever path ends the turn
                    Runnable done = () -> {
                        if (over[0]) return;
                        over[0] = true;
                        slot.run();
                        drain.release();
                    };
                    models.lease(ctx, entry, first.spec().stream())
                            .compose(lease -> {
                                MessageRequest turn = vocabKnown
                                        ? first
                                        : MessageRequest.parse(
                                                body, lease.engine().modelInfo().vocabSize());
                                return runTurn(ctx, c, turn, model, lease.engine(), done);
                            })
                            .onFailure(e -> {
                                done.run();
                                ctx.fail(e);
                            });
                })
                .onFailure(ctx::fail);
    }

    private static void fail(RoutingContext ctx, Runnable release, Throwable e) {
        release.run();
        ctx.fail(e);
    }

    /**
     * After this server's queue, the store's turn lock: on a shared store another node may be running a turn on the
     * same conversation. The returned handle releases both, once however often it runs. The Responses API's turns on
     * a conversation take it too.
     */
    public static Future<Runnable> lockAcrossServers(ConversationStore store, TurnQueue.Slot slot) {
        String id = slot.conversationId();
        return store.lockTurn(id)
                .<Runnable>map(unlock -> {
                    AtomicBoolean released = new AtomicBoolean();
                    return () -> {
                        if (!released.compareAndSet(false, true)) return;
                        unlock.run();
                        slot.release();
                    };
                })
                .recover(e -> {
                    slot.release();
                    return Future.failedFuture(
                            e instanceof TurnLocks.BusyException
                                    ? ApiError.conflict(
                                            "Another server has been running a turn on this conversation for too "
                                                    + "long; retry later.",
                                            "conversation_busy")
                                    : e);
                });
    }

    /**
     * Reads the history, submits the generation, and stores the new turn (the user's message or a tool result)
     * meanwhile; the stream opens only once that message is committed. A refused submission (context length,
     * overload) stores nothing. The conversation's system prompt (metadata `system`) goes first. A regeneration
     * instead removes the replies after the last user message or tool result, and the stream opens once that removal
     * is committed. The reply is stored as the client is shown it: its text and, when the turn offered tools, its
     * tool calls.
     */
    private Future<GenerationCall> runTurn(
            RoutingContext ctx,
            Conversation c,
            MessageRequest turn,
            String model,
            dev.fairway.engine.Engine engine,
            Runnable done) {
        return store.messages(c.id()).compose(history -> {
            int keep = history.size();
            if (turn.regenerate()) {
                while (keep > 0 && history.get(keep - 1).role().equals("assistant")) keep--;
                if (keep == 0 || history.get(keep - 1).role().equals("system")) {
                    throw ApiError.badRequest(
                            "Nothing to regenerate: the conversation has no user message to reply to.",
                            "regenerate",
                            "nothing_to_regenerate");
                }
            } else if (turn.turn().role() == ChatMessage.Role.TOOL) {
                checkToolCallId(history, turn.turn().toolCallId());
            }
            List<ChatMessage> system = ConversationSettings.system(c.metadataJson());
            List<ChatMessage> chat = new ArrayList<>(system);
            for (Message m : history.subList(0, keep)) chat.add(ConversationJson.chat(m));
            if (!turn.regenerate()) chat.add(turn.turn());
            List<String> replaced = history.subList(keep, history.size()).stream()
                    .map(Message::id)
                    .toList();
            Message lastTurn = turn.regenerate() ? history.get(keep - 1) : null;
            return fitted(ctx, engine, turn, system, chat.subList(system.size(), chat.size()))
                    .compose(fit -> {
                        ChatShape shape = ChatShape.of(Prompt.chat(chat, turn.tools()));
                        Envelope envelope = Envelope.of(shape, model);
                        String fairnessGroup =
                                c.id(); // a user's conversations share the user's part of the engine evenly
                        GenerationRequest asChat = new GenerationRequest(
                                Caller.user(ctx),
                                fairnessGroup,
                                Prompt.chat(chat, turn.tools()),
                                turn.spec().params(),
                                1,
                                1.0);
                        // a fitted prompt is token ids: the grammar of a forced tool call is taken from the chat first
                        GenerationRequest request = fit == null
                                ? asChat
                                : new GenerationRequest(
                                        Caller.user(ctx),
                                        fairnessGroup,
                                        Prompt.tokens(fit.prompt()),
                                        engine.withToolGrammar(asChat).params().toBuilder()
                                                .maxTokens(fit.maxTokens())
                                                .build(),
                                        1,
                                        1.0);
                        // a stream whose model had to load first sent its headers already (ModelAccess)
                        if (fit != null && !ctx.response().headWritten())
                            ctx.response().putHeader(Truncation.HEADER, String.valueOf(fit.dropped()));
                        SseResponder sse = turn.spec().stream()
                                ? new SseResponder(
                                        ctx.response(), envelope, 1, turn.spec().includeUsage())
                                : null;
                        GenerationSink answer = sse != null ? sse : new JsonResponder(ctx.response(), envelope);
                        ReplyRecorder recorder = new ReplyRecorder(store, c.id(), shape, answer, done);
                        return GenerationCall.start(
                                        ctx,
                                        engine,
                                        request,
                                        fit != null || turn.spec().maxTokensGiven(),
                                        metrics,
                                        drain,
                                        recorder)
                                .onSuccess(call -> recorder.attach(
                                        call,
                                        turn.regenerate()
                                                ? store.removeMessages(c.id(), replaced)
                                                        .map(lastTurn)
                                                : store.append(c.id(), ConversationJson.stored(turn.turn())),
                                        () -> {
                                            if (sse != null) sse.openWithin(ctx.vertx());
                                        }));
                    });
        });
    }

    /** A tool result answers a call the conversation's model made; one answered already is a 400 as well. */
    private static void checkToolCallId(List<Message> history, String toolCallId) {
        boolean made = false;
        for (Message m : history) {
            if (m.toolCalls().stream().anyMatch(call -> call.id().equals(toolCallId))) made = true;
            if (made && toolCallId.equals(m.toolCallId()))
                throw ApiError.badRequest(
                        "The tool call '" + toolCallId + "' has a result already.", "tool_call_id", "duplicate_result");
        }
        if (!made)
            throw ApiError.badRequest(
                    "No tool call '" + toolCallId + "' in this conversation.", "tool_call_id", "tool_call_not_found");
    }

    /**
     * With truncation on (the default), what of the history fits the context with room for the reply (see
     * {@link Truncation}); null when off. Long histories are tokenized on a worker, not on the event loop.
     */
    private Future<Truncation.Fit> fitted(
            RoutingContext ctx,
            dev.fairway.engine.Engine engine,
            MessageRequest turn,
            List<ChatMessage> system,
            List<ChatMessage> turns) {
        if (!turn.truncate()) return Future.succeededFuture(null);
        Integer maxTokens = turn.spec().maxTokensGiven() ? turn.spec().params().maxTokens() : null;
        java.util.concurrent.Callable<Truncation.Fit> fit =
                () -> Truncation.fit(engine, system, turns, turn.tools(), maxTokens);
        long chars = turn.tools().offered() ? 1024 : 0; // the tools' schemas are rendered too
        for (ChatMessage m : system) chars += m.content().length();
        for (ChatMessage m : turns) {
            chars += m.content().length();
            for (var call : m.toolCalls()) chars += call.arguments().length();
        }
        if (chars > 256) return ctx.vertx().executeBlocking(fit, false);
        try {
            return Future.succeededFuture(fit.call());
        } catch (Exception e) {
            return Future.failedFuture(e);
        }
    }

    /** A conversation set to a model this server does not serve is a 400 (one it stops serving later falls back). */
    private void checkModel(String metadataJson) {
        String model = ConversationSettings.model(metadataJson);
        if (model == null || models.registry().find(model) != null) return;
        throw ApiError.badRequest(
                "metadata: the model '" + model + "' does not exist. This server serves: "
                        + String.join(
                                ", ",
                                models.registry().entries().stream()
                                        .map(ModelRegistry.Entry::name)
                                        .toList())
                        + ".",
                "metadata.model",
                "model_not_found");
    }

    private static ApiError gone(String id) {
        return ApiError.notFound(
                "No conversation found with id '" + id + "'.", "conversation_id", "conversation_not_found");
    }

    private static int intParam(RoutingContext ctx, String name, int dflt, int min, int max) {
        String v = ctx.queryParams().get(name);
        if (v == null) return dflt;
        try {
            int n = Integer.parseInt(v);
            if (n < min || n > max) throw new NumberFormatException();
            return n;
        } catch (NumberFormatException e) {
            throw ApiError.badRequest("'" + name + "' must be an integer between " + min + " and " + max + ".", name);
        }
    }
}
