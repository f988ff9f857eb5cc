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
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
        boolean newestFirst = !"asc".equals(order);
        String after = ctx.queryParams().get("after");
        store.messagePage(c.id(), limit, newestFirst, after == null ? null : messageId(after))
                .onSuccess(page -> Json.send(ctx, list(page.items(), page.hasMore(), newestFirst)))
                .onFailure(ctx::fail);
    }

    public void create(RoutingContext ctx) {
        Conversation c = ConversationsEndpoint.loaded(ctx);
        ObjectNode body = ConversationsEndpoint.body(ctx);
        Fields.rejectUnknown(body, Set.of("items"));
        if (!body.hasNonNull("items")) throw ApiError.badRequest("'items' is required.", "items");
        List<NewMessage> items = ConversationJson.items(body.get("items")).stream()
                .map(ConversationJson::stored)
                .toList();
        if (items.isEmpty()) throw ApiError.badRequest("'items' must not be empty.", "items");
        store.appendAll(c.id(), items)
                .onSuccess(added -> Json.send(ctx, list(added, false, false)))
                .onFailure(ctx::fail);
    }

    public void get(RoutingContext ctx) {
        Conversation c = ConversationsEndpoint.loaded(ctx);
        String itemId = ctx.pathParam("item_id");
        store.message(c.id(), messageId(itemId))
                .onSuccess(m -> {
                    ObjectNode item = m == null
                            ? null
                            : ConversationJson.items(m).stream()
                                    .filter(i -> i.get("id").asText().equals(itemId))
                                    .findFirst()
                                    .orElse(null);
                    if (item == null) ctx.fail(itemGone(itemId));
                    else Json.send(ctx, item);
                })
                .onFailure(ctx::fail);
    }

    /** Answers the conversation, as OpenAI does. A tool call's item removes the whole message that made the calls. */
    public void delete(RoutingContext ctx) {
        Conversation c = ConversationsEndpoint.loaded(ctx);
        String itemId = ctx.pathParam("item_id");
        store.removeMessages(c.id(), List.of(messageId(itemId)))
                .onSuccess(removed -> {
                    if (removed == 0) ctx.fail(itemGone(itemId));
                    else Json.send(ctx, ConversationJson.summary(c));
                })
                .onFailure(ctx::fail);
    }

    /** A page of messages as items; newest first also reverses the items of one message. */
    private static ObjectNode list(List<Message> messages, boolean hasMore, boolean newestFirst) {
        List<ObjectNode> items = new ArrayList<>();
        for (Message m : messages) {
            List<ObjectNode> its = new ArrayList<>(ConversationJson.items(m));
            if (newestFirst) Collections.reverse(its);
            items.addAll(its);
        }
        ObjectNode out = Json.object().put("object", "list");
        ArrayNode data = out.putArray("data");
        data.addAll(items);
        out.put("first_id", items.isEmpty() ? null : items.get(0).get("id").asText());
        out.put(
                "last_id",
                items.isEmpty() ? null : items.get(items.size() - 1).get("id").asText());
        out.put("has_more", hasMore);
        return out;
    }

    /** The stored message an item id belongs to: a message's second and later items are its id + "_" + position. */
    private static String messageId(String itemId) {
        Matcher m = LATER_ITEM.matcher(itemId);
        return m.matches() ? m.group(1) : itemId;
    }

    private static final Pattern LATER_ITEM = Pattern.compile("(msg_[0-9a-f]+)_[0-9]+");

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
