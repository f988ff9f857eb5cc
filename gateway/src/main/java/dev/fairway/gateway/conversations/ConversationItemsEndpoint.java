package dev.fairway.gateway.conversations;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fairway.gateway.http.ApiError;
import dev.fairway.gateway.http.Fields;
import dev.fairway.gateway.http.Json;
import dev.fairway.gateway.store.ConversationStore;
import dev.fairway.gateway.store.ConversationStore.Conversation;
import dev.fairway.gateway.store.ConversationStore.Message;
import dev.fairway.gateway.store.ConversationStore.NewMessage;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * OpenAI's conversation items over the stored messages: /v1/conversations/{id}/items list (newest first unless
 * {@code order=asc}), create, and /items/{item_id} retrieve and delete. Runs after
 * {@link ConversationsEndpoint#loadOwned}: another user's conversation is a 404.
 */
public final class ConversationItemsEndpoint {
    private final ConversationStore store;

    public ConversationItemsEndpoint(ConversationStore store) {
        this.store = store;
    }

    public void list(RoutingContext ctx) {
        Conversation c = ConversationsEndpoint.loaded(ctx);
        String order = ctx.queryParams().get("order");
        if (order != null && !order.equals("asc") && !order.equals("desc"))
            throw ApiError.badRequest("'order' must be asc or desc.", "order");
        int limit = limit(ctx);
        store.messagePage(c.id(), limit, !"asc".equals(order), ctx.queryParams().get("after"))
                .onSuccess(page -> Json.send(ctx, list(page.items(), page.hasMore())))
                .onFailure(ctx::fail);
    }

    public void create(RoutingContext ctx) {
        Conversation c = ConversationsEndpoint.loaded(ctx);
        ObjectNode body = ConversationsEndpoint.body(ctx);
        Fields.rejectUnknown(body, Set.of("items"));
        if (!body.hasNonNull("items")) throw ApiError.badRequest("'items' is required.", "items");
        List<NewMessage> items = ConversationJson.items(body.get("items")).stream()
                .map(m -> new NewMessage(m.role().name().toLowerCase(Locale.ROOT), m.content(), "completed"))
                .toList();
        if (items.isEmpty()) throw ApiError.badRequest("'items' must not be empty.", "items");
        store.appendAll(c.id(), items)
                .onSuccess(added -> Json.send(ctx, list(added, false)))
                .onFailure(ctx::fail);
    }

    public void get(RoutingContext ctx) {
        Conversation c = ConversationsEndpoint.loaded(ctx);
        String itemId = ctx.pathParam("item_id");
        store.message(c.id(), itemId)
                .onSuccess(m -> {
                    if (m == null) ctx.fail(itemGone(itemId));
                    else Json.send(ctx, item(m));
                })
                .onFailure(ctx::fail);
    }

    /** Answers the conversation, as OpenAI does. */
    public void delete(RoutingContext ctx) {
        Conversation c = ConversationsEndpoint.loaded(ctx);
        String itemId = ctx.pathParam("item_id");
        store.removeMessages(c.id(), List.of(itemId))
                .onSuccess(removed -> {
                    if (removed == 0) ctx.fail(itemGone(itemId));
                    else Json.send(ctx, ConversationJson.summary(c));
                })
                .onFailure(ctx::fail);
    }

    private static ObjectNode list(List<Message> items, boolean hasMore) {
        ObjectNode out = Json.object().put("object", "list");
        ArrayNode data = out.putArray("data");
        for (Message m : items) data.add(item(m));
        out.put("first_id", items.isEmpty() ? null : items.get(0).id());
        out.put("last_id", items.isEmpty() ? null : items.get(items.size() - 1).id());
        out.put("has_more", hasMore);
        return out;
    }

    private static ObjectNode item(Message m) {
        return ConversationJson.item(m.id(), m.role(), m.content(), m.status());
    }

    private static int limit(RoutingContext ctx) {
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

    private static ApiError itemGone(String id) {
        return ApiError.notFound("No item found with id '" + id + "'.", "item_id", "item_not_found");
    }
}
