package dev.fairway.gateway.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fairway.engine.Usage;
import dev.fairway.gateway.http.Json;

/** The Responses API's objects: the response, its output message item, usage; times in seconds. */
final class ResponseJson {
    private ResponseJson() {}

    /** Why a response stopped early when its max_output_tokens did not end it: its stream was cut. */
    static final String CLIENT_DISCONNECTED = "client_disconnected";

    static final String SERVER_SHUTTING_DOWN = "server_shutting_down";
    static final String MAX_OUTPUT_TOKENS = "max_output_tokens";

    /**
     * What a response is, whether it is running, done, or read back from the store. {@code incompleteReason}: null
     * unless incomplete (null there too for rows stored before the reason was: max_output_tokens).
     */
    record View(
            String id,
            long createdAtMillis,
            String model,
            String status,
            String incompleteReason,
            String instructions,
            String previousResponseId,
            String conversationId,
            String outputItemId,
            String outputText,
            Usage usage,
            ObjectNode settings) {}

    /** The request fields a response echoes back (temperature, top_p, ...), as stored with it. */
    static ObjectNode settings(ResponseRequest r) {
        ObjectNode s = Json.object();
        s.put("temperature", r.params().temperature());
        s.put("top_p", r.params().topP());
        if (r.maxOutputTokens() != null) s.put("max_output_tokens", r.maxOutputTokens());
        else s.putNull("max_output_tokens");
        s.set("metadata", r.metadata() == null ? Json.object() : r.metadata());
        s.put("store", r.store());
        s.put("truncation", r.truncateAuto() ? "auto" : "disabled");
        if (r.user() != null) s.put("user", r.user());
        else s.putNull("user");
        if (r.tools().tools().offered()) {
            s.set("tools", r.tools().toolsEcho());
            s.set("tool_choice", r.tools().toolChoiceEcho());
            s.put("parallel_tool_calls", r.tools().tools().parallel());
        }
        return s;
    }

    static ObjectNode response(View v) {
        ObjectNode o = Json.object()
                .put("id", v.id())
                .put("object", "response")
                .put("created_at", v.createdAtMillis() / 1000)
                .put("status", v.status());
        o.putNull("error");
        if ("incomplete".equals(v.status()))
            o.putObject("incomplete_details")
                    .put("reason", v.incompleteReason() == null ? MAX_OUTPUT_TOKENS : v.incompleteReason());
        else o.putNull("incomplete_details");
        o.put("instructions", v.instructions());
        o.set("max_output_tokens", v.settings().path("max_output_tokens").deepCopy());
        o.put("model", v.model());
        var output = o.putArray("output");
        String content = "";
        if (v.outputText() != null) {
            // with tools the stored text is the model's own, calls included: split it as the answer was
            ResponseTools.Output said =
                    ResponseTools.split(v.id(), ResponseTools.names(v.settings().get("tools")), v.outputText());
            content = said.content();
            if (!content.isBlank() || said.calls().isEmpty())
                output.add(message(v.outputItemId(), content, itemStatus(v.status())));
            for (int i = 0; i < said.calls().size(); i++)
                output.add(ResponseTools.callItem(
                        v.id(), i, said.calls().get(i), said.calls().get(i).arguments(), "completed"));
        }
        o.put("parallel_tool_calls", v.settings().path("parallel_tool_calls").asBoolean(true));
        o.put("previous_response_id", v.previousResponseId());
        if (v.conversationId() != null) o.putObject("conversation").put("id", v.conversationId());
        else o.putNull("conversation");
        o.putObject("reasoning").putNull("effort").putNull("summary");
        o.put("store", v.settings().path("store").asBoolean(true));
        o.set("temperature", v.settings().path("temperature").deepCopy());
        o.putObject("text").putObject("format").put("type", "text");
        JsonNode choice = v.settings().get("tool_choice");
        o.set("tool_choice", choice == null ? Json.MAPPER.getNodeFactory().textNode("auto") : choice.deepCopy());
        JsonNode tools = v.settings().get("tools");
        o.set("tools", tools == null ? Json.array() : tools.deepCopy());
        o.set("top_p", v.settings().path("top_p").deepCopy());
        o.put("truncation", v.settings().path("truncation").asText("disabled"));
        if (v.usage() != null) o.set("usage", usage(v.usage()));
        else o.putNull("usage");
        JsonNode user = v.settings().path("user");
        o.set("user", user.isMissingNode() ? Json.MAPPER.getNodeFactory().nullNode() : user.deepCopy());
        o.set(
                "metadata",
                v.settings().path("metadata").isObject()
                        ? v.settings().get("metadata").deepCopy()
                        : Json.object());
        o.put("output_text", content);
        return o;
    }

    static String itemStatus(String responseStatus) {
        return switch (responseStatus) {
            case "completed" -> "completed";
            case "incomplete" -> "incomplete";
            default -> "in_progress";
        };
    }

    static ObjectNode message(String id, String text, String status) {
        ObjectNode item = Json.object()
                .put("id", id)
                .put("type", "message")
                .put("status", status)
                .put("role", "assistant");
        var content = item.putArray("content");
        if (text != null) content.add(outputText(text));
        return item;
    }

    static ObjectNode outputText(String text) {
        ObjectNode part = Json.object().put("type", "output_text").put("text", text);
        part.putArray("annotations");
        part.putArray("logprobs");
        return part;
    }

    static ObjectNode usage(Usage u) {
        ObjectNode o = Json.object().put("input_tokens", u.promptTokens());
        o.putObject("input_tokens_details").put("cached_tokens", u.cachedTokens());
        o.put("output_tokens", u.completionTokens());
        o.putObject("output_tokens_details").put("reasoning_tokens", 0);
        o.put("total_tokens", u.totalTokens());
        return o;
    }

    static String usageJson(Usage u) {
        return Json.write(Json.object()
                .put("input_tokens", u.promptTokens())
                .put("output_tokens", u.completionTokens())
                .put("cached_tokens", u.cachedTokens()));
    }

    static Usage usageOf(String json) {
        try {
            JsonNode n = Json.MAPPER.readTree(json);
            return new Usage(
                    n.path("input_tokens").asInt(),
                    n.path("output_tokens").asInt(),
                    n.path("cached_tokens").asInt());
        } catch (Exception e) {
            return new Usage(0, 0, 0);
        }
    }
}
