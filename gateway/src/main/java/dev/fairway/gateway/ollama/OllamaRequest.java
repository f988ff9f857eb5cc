package dev.fairway.gateway.ollama;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fairway.engine.ChatMessage;
import dev.fairway.engine.Prompt;
import dev.fairway.engine.SamplingParams;
import dev.fairway.gateway.http.ApiError;
import dev.fairway.gateway.http.Fields;
import dev.fairway.gateway.http.Json;
import dev.fairway.gateway.models.KeepAlive;
import dev.fairway.gateway.openai.SamplingFields;
import dev.fairway.gateway.openai.ToolFields;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A validated /api/chat or /api/generate body. Ollama streams unless told {@code "stream": false}; without
 * {@code num_predict} a reply may use the rest of the context, as Ollama's default of -1 does. Fields that would change
 * the output and that Fairway cannot honour (images, tools, JSON format, thinking) are a 400 naming them.
 */
record OllamaRequest(
        Prompt prompt,
        SamplingParams params,
        boolean maxTokensGiven,
        boolean stream,
        boolean chat,
        Duration keepAlive) {

    /** Ollama option name -> the OpenAI spelling {@link SamplingFields} reads. */
    private static final Map<String, String> SAMPLING_OPTIONS = Map.of(
            "temperature", "temperature",
            "top_p", "top_p",
            "top_k", "top_k",
            "min_p", "min_p",
            "seed", "seed",
            "stop", "stop",
            "repeat_penalty", "repetition_penalty",
            "presence_penalty", "presence_penalty",
            "frequency_penalty", "frequency_penalty");

    /** Runtime knobs (memory, threads, GPU, context size, batch) that do not change what the model writes. */
    private static final Set<String> IGNORED_OPTIONS = Set.of(
            "num_ctx",
            "num_batch",
            "num_gpu",
            "main_gpu",
            "low_vram",
            "num_thread",
            "numa",
            "use_mmap",
            "use_mlock",
            "vocab_only",
            "num_keep",
            "repeat_last_n",
            "penalize_newline");

    /** Options whose only value Fairway honours is the one that turns them off. */
    private static final Map<String, Double> OFF_VALUES = Map.of("mirostat", 0.0, "typical_p", 1.0, "tfs_z", 1.0);

    private static final Set<String> COMMON = Set.of("model", "stream", "format", "options", "keep_alive");
    private static final Set<String> CHAT_FIELDS =
            union(COMMON, Set.of("messages", "tools", "think", "truncate", "shift"));
    private static final Set<String> GENERATE_FIELDS = union(
            COMMON,
            Set.of("prompt", "suffix", "system", "template", "context", "raw", "images", "think", "truncate", "shift"));

    /** No messages is Ollama's way to load a model: {@code prompt} is then null. */
    static OllamaRequest chat(ObjectNode body, int vocabSize) {
        known(body, CHAT_FIELDS);
        common(body);
        JsonNode tools = body.get("tools");
        if (tools != null && !tools.isNull() && !(tools.isArray() && tools.isEmpty()))
            throw unsupported("tools", "'tools' (tool calling) is not supported by this server yet.");
        JsonNode given = body.get("messages");
        boolean loadOnly = given == null || given.isNull() || (given.isArray() && given.isEmpty());
        Sampling s = sampling(body, vocabSize);
        Prompt prompt = loadOnly ? null : Prompt.chat(messages(given));
        return new OllamaRequest(prompt, s.params, s.maxGiven, stream(body), true, keepAlive(body));
    }

    /** An empty prompt is Ollama's way to load a model: {@code prompt} is then null. */
    static OllamaRequest generate(ObjectNode body, int vocabSize) {
        known(body, GENERATE_FIELDS);
        common(body);
        String prompt = Fields.optString(body, "prompt", Integer.MAX_VALUE);
        String system = Fields.optString(body, "system", Integer.MAX_VALUE);
        boolean raw = Boolean.TRUE.equals(Fields.optBool(body, "raw"));
        String suffix = Fields.optString(body, "suffix", Integer.MAX_VALUE);
        if (suffix != null && !suffix.isEmpty())
            throw unsupported("suffix", "'suffix' (fill-in-the-middle) is not supported by this server.");
        String template = Fields.optString(body, "template", Integer.MAX_VALUE);
        if (template != null && !template.isEmpty())
            throw unsupported("template", "'template' is not supported by this server; the model's own is used.");
        JsonNode context = body.get("context");
        if (context != null && !context.isNull() && !(context.isArray() && context.isEmpty()))
            throw unsupported("context", "'context' is not supported by this server; use /api/chat for turns.");
        JsonNode images = body.get("images");
        if (images != null && !images.isNull() && !(images.isArray() && images.isEmpty()))
            throw unsupported("images", "Images are not supported by this server (text only).");
        Sampling s = sampling(body, vocabSize);
        Prompt p;
        if (prompt == null || prompt.isEmpty()) p = null;
        else if (raw) p = Prompt.text(prompt);
        else {
            List<ChatMessage> turns = new ArrayList<>();
            if (system != null && !system.isEmpty()) turns.add(new ChatMessage(ChatMessage.Role.SYSTEM, system));
            turns.add(ChatMessage.user(prompt));
            p = Prompt.chat(turns);
        }
        return new OllamaRequest(p, s.params, s.maxGiven, stream(body), false, keepAlive(body));
    }

    private static void known(ObjectNode body, Set<String> fields) {
        body.fieldNames().forEachRemaining(name -> {
            if (!fields.contains(name)) throw ApiError.badRequest("Unrecognized field '" + name + "'.", name);
        });
    }

    /** The fields both endpoints share: format, thinking, keep_alive, model. */
    private static void common(ObjectNode body) {
        Fields.optString(body, "model", 512);
        JsonNode format = body.get("format");
        if (format != null
                && !format.isNull()
                && !format.isObject()
                && !(format.isTextual()
                        && (format.asText().isEmpty() || format.asText().equals("json"))))
            throw ApiError.badRequest("'format' must be \"json\" or a JSON schema object.", "format");
        JsonNode think = body.get("think");
        if (think != null && !think.isNull() && !(think.isBoolean() && !think.asBoolean()))
            throw unsupported("think", "'think': this model does not support thinking.");
    }

    /** True for Ollama's unload call: nothing to generate and {@code keep_alive: 0}. */
    boolean unloads() {
        return prompt == null && keepAlive != null && keepAlive.isZero();
    }

    /**
     * How long the model stays loaded after this request (null: the server's --keep-alive): a Go duration string or
     * a number of seconds, as Ollama reads it.
     */
    static Duration keepAlive(ObjectNode body) {
        JsonNode v = body.get("keep_alive");
        if (v == null || v.isNull()) return null;
        try {
            if (v.isNumber()) return KeepAlive.ofSeconds(v.asDouble());
            if (v.isTextual()) return KeepAlive.parse(v.asText());
        } catch (IllegalArgumentException e) {
            // the message below says what is accepted
        }
        throw ApiError.badRequest(
                "'keep_alive' must be a duration such as \"5m\", \"30s\" or \"1h\", or a number of seconds"
                        + " (0 unloads the model after the request, a negative value keeps it loaded); got "
                        + v + ".",
                "keep_alive");
    }

    private static boolean stream(ObjectNode body) {
        Boolean stream = Fields.optBool(body, "stream");
        return stream == null || stream;
    }

    private record Sampling(SamplingParams params, boolean maxGiven) {}

    /** Maps {@code options} onto the OpenAI sampling fields, so both APIs validate and sample alike. */
    private static Sampling sampling(ObjectNode body, int vocabSize) {
        ObjectNode options = Fields.optObject(body, "options");
        ObjectNode asOpenAi = Json.object();
        boolean maxGiven = false;
        if (options != null) {
            var it = options.fields();
            while (it.hasNext()) {
                var e = it.next();
                String name = e.getKey();
                JsonNode v = e.getValue();
                if (v.isNull() || IGNORED_OPTIONS.contains(name)) continue;
                if (SAMPLING_OPTIONS.containsKey(name)) {
                    asOpenAi.set(SAMPLING_OPTIONS.get(name), v);
                } else if (name.equals("num_predict")) {
                    // -1: until the context is full, -2: fill the context; both are our default
                    if (!v.isIntegralNumber() || v.asLong() < -2 || v.asLong() == 0)
                        throw ApiError.badRequest(
                                "'options.num_predict' must be a positive integer, -1 or -2.", "options.num_predict");
                    if (v.asLong() > 0) {
                        asOpenAi.set("max_tokens", v);
                        maxGiven = true;
                    }
                } else if (OFF_VALUES.containsKey(name)) {
                    if (!v.isNumber() || v.asDouble() != OFF_VALUES.get(name))
                        throw unsupported("options." + name, "'options." + name + "' is not supported by this server.");
                } else {
                    throw ApiError.badRequest("Unrecognized option 'options." + name + "'.", "options." + name);
                }
            }
        }
        // format: "json" is any JSON object, a schema object that schema (constrained decoding, as chat's
        // response_format)
        JsonNode format = body.get("format");
        if (format != null && format.isObject()) {
            ObjectNode rf = asOpenAi.putObject("response_format").put("type", "json_schema");
            rf.putObject("json_schema").put("name", "format").set("schema", format);
        } else if (format != null && format.asText().equals("json")) {
            asOpenAi.putObject("response_format").put("type", "json_object");
        }
        try {
            return new Sampling(
                    SamplingFields.read(asOpenAi, vocabSize)
                            .grammar(ToolFields.responseFormat(asOpenAi))
                            .build(),
                    maxGiven);
        } catch (ApiError e) {
            String ollamaName = e.param();
            for (var m : SAMPLING_OPTIONS.entrySet()) if (m.getValue().equals(e.param())) ollamaName = m.getKey();
            if ("max_tokens".equals(e.param())) ollamaName = "num_predict";
            if (e.param() != null && e.param().startsWith("response_format")) {
                throw ApiError.badRequest(
                        e.getMessage().replace("'response_format.json_schema.schema'", "'format'"), "format");
            }
            String message = e.getMessage().replace("'" + e.param() + "'", "'options." + ollamaName + "'");
            throw ApiError.badRequest(message, "options." + ollamaName);
        }
    }

    private static List<ChatMessage> messages(JsonNode node) {
        if (!node.isArray()) throw ApiError.badRequest("'messages' must be an array.", "messages");
        List<ChatMessage> out = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode m = node.get(i);
            String at = "messages[" + i + "]";
            if (!m.isObject()) throw ApiError.badRequest(at + " must be an object.", at);
            for (String list : List.of("images", "tool_calls")) {
                JsonNode v = m.get(list);
                if (v != null && !v.isNull() && !(v.isArray() && v.isEmpty()))
                    throw unsupported(at + "." + list, "'" + at + "." + list + "' is not supported by this server.");
            }
            String role = m.path("role").asText("");
            ChatMessage.Role r = switch (role) {
                case "system" -> ChatMessage.Role.SYSTEM;
                case "user" -> ChatMessage.Role.USER;
                case "assistant" -> ChatMessage.Role.ASSISTANT;
                case "tool" ->
                    throw unsupported(at + ".role", "'" + at + ".role' tool is not supported by this server.");
                default -> throw ApiError.badRequest(at + ".role must be system, user or assistant.", at + ".role");
            };
            JsonNode content = m.get("content");
            if (content == null || !content.isTextual())
                throw ApiError.badRequest(at + ".content must be a string.", at + ".content");
            out.add(new ChatMessage(r, content.asText()));
        }
        return out;
    }

    private static ApiError unsupported(String field, String message) {
        return ApiError.badRequest(message, field, "unsupported_parameter");
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> s = new java.util.HashSet<>(a);
        s.addAll(b);
        return Set.copyOf(s);
    }
}
