package dev.fairway.gateway.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fairway.gateway.http.ApiError;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What each OpenAI-style endpoint does with every top-level field, written down once (the README's "Request fields"
 * table is this class). A field is either honoured (its endpoint's parser reads it), ignored because it cannot change
 * the output (logged at debug), ignored only while its value asks for nothing (e.g. {@code tools: []}), or refused
 * with a 400 naming it because honouring it would change the output and Fairway cannot. A field in none of these
 * lists is refused as unrecognized, like OpenAI does: silently dropping a field we have never seen could change what
 * the client gets without telling it.
 */
public final class RequestPolicy {
    private static final Logger log = LoggerFactory.getLogger(RequestPolicy.class);

    /** What happens to a field the endpoint's parser does not read. */
    public record Rule(Predicate<JsonNode> acceptedWhen, String refusal) {
        static Rule ignored() {
            return new Rule(v -> true, null);
        }

        static Rule ignoredIf(Predicate<JsonNode> noop, String refusal) {
            return new Rule(noop, refusal);
        }

        static Rule refused(String refusal) {
            return new Rule(v -> false, refusal);
        }
    }

    private static final String NOT_YET = "is not supported by this server yet";

    /** OpenAI's legacy function calling (superseded by tools): refused unless it asks for nothing. */
    private static final Map<String, Rule> LEGACY_FUNCTIONS = Map.of(
            "functions", Rule.ignoredIf(RequestPolicy::emptyArray, NOT_YET),
            "function_call", Rule.ignoredIf(v -> "none".equals(v.asText()), NOT_YET));

    /**
     * Tool calling and structured outputs where an endpoint does not honour them yet (chat completions does): refused
     * unless the value asks for nothing. When a parser honours one, add it to its honoured names instead.
     */
    private static final Map<String, Rule> NOT_SUPPORTED_YET = Map.of(
            "tools", Rule.ignoredIf(RequestPolicy::emptyArray, NOT_YET),
            "functions", Rule.ignoredIf(RequestPolicy::emptyArray, NOT_YET),
            "tool_choice", Rule.ignoredIf(v -> "none".equals(v.asText()) || "auto".equals(v.asText()), NOT_YET),
            "function_call", Rule.ignoredIf(v -> "none".equals(v.asText()), NOT_YET),
            "response_format", Rule.ignoredIf(v -> "text".equals(v.path("type").asText()), NOT_YET),
            // only meaningful with tools; with none it asks for nothing
            "parallel_tool_calls", Rule.ignored());

    /** Fields that cannot change the tokens a model writes: bookkeeping, caching and routing hints. */
    private static final Map<String, Rule> NO_EFFECT = Map.ofEntries(
            Map.entry("store", Rule.ignored()),
            Map.entry("metadata", Rule.ignored()),
            Map.entry("service_tier", Rule.ignored()),
            Map.entry("prompt_cache_key", Rule.ignored()),
            Map.entry("prompt_cache_retention", Rule.ignored()),
            Map.entry("safety_identifier", Rule.ignored()),
            // hints for reasoning models and GPT-5's length; the models served here have neither knob
            Map.entry("verbosity", Rule.ignored()),
            Map.entry("reasoning_effort", Rule.ignored()),
            Map.entry("prediction", Rule.ignored()));

    /** Fields that would change the output in ways Fairway cannot produce. */
    private static final Map<String, Rule> CANNOT_HONOUR = Map.of(
            "audio", Rule.refused("is not supported by this server (text only)"),
            "modalities",
                    Rule.ignoredIf(
                            v -> v.isArray()
                                    && v.size() == 1
                                    && "text".equals(v.get(0).asText()),
                            "is not supported by this server (text only)"),
            "web_search_options", Rule.refused("is not supported by this server (no web search)"));

    /** POST /v1/chat/completions. */
    public static final RequestPolicy CHAT = new RequestPolicy(
            "chat",
            withSampling(
                    "model",
                    "messages",
                    "stream",
                    "stream_options",
                    "logprobs",
                    "top_logprobs",
                    "user",
                    "tools",
                    "tool_choice",
                    "parallel_tool_calls",
                    "response_format"),
            merge(LEGACY_FUNCTIONS, NO_EFFECT, CANNOT_HONOUR));

    /** POST /v1/completions. */
    public static final RequestPolicy COMPLETIONS = new RequestPolicy(
            "completions",
            withSampling("model", "prompt", "stream", "stream_options", "logprobs", "user", "best_of"),
            merge(
                    NO_EFFECT,
                    Map.of(
                            "echo",
                            Rule.ignoredIf(v -> v.isBoolean() && !v.asBoolean(), "is not supported by this server"),
                            "suffix",
                            Rule.ignoredIf(
                                    v -> v.isTextual() && v.asText().isEmpty(), "is not supported by this server"))));

    /** POST /v1/responses: the Responses API's own fields beside the shared ones. */
    public static final RequestPolicy RESPONSES = new RequestPolicy(
            "responses",
            withSampling(
                    "model",
                    "input",
                    "instructions",
                    "previous_response_id",
                    "conversation",
                    "store",
                    "stream",
                    "stream_options",
                    "max_output_tokens",
                    "metadata",
                    "truncation",
                    "user",
                    "text",
                    "tools",
                    "tool_choice",
                    "parallel_tool_calls"),
            merge(
                    NOT_SUPPORTED_YET,
                    NO_EFFECT,
                    Map.of(
                            "reasoning", Rule.ignored(), // the models served here do not reason
                            // function calls end the response (the client runs them): one round, up to 4 calls
                            "max_tool_calls", Rule.ignored(),
                            "include",
                                    Rule.ignoredIf(
                                            v -> v.isArray() && !v.toString().contains("logprobs"),
                                            "'message.output_text.logprobs' is not supported by this server"),
                            "top_logprobs", Rule.ignoredIf(v -> v.asInt(-1) == 0, "is not supported by this server"),
                            "background", Rule.ignoredIf(v -> !v.asBoolean(), "(background mode) is not supported"),
                            "prompt", Rule.refused("(prompt templates) is not supported by this server"))));

    private final String endpoint;
    private final Set<String> honoured;
    private final Map<String, Rule> rules;

    public RequestPolicy(String endpoint, Set<String> honoured, Map<String, Rule> rules) {
        this.endpoint = endpoint;
        this.honoured = Set.copyOf(honoured);
        this.rules = Map.copyOf(rules);
    }

    /** This policy with more honoured fields (an endpoint built on another's parser). */
    public RequestPolicy honouring(String endpoint, Set<String> more) {
        Set<String> all = new HashSet<>(honoured);
        all.addAll(more);
        return new RequestPolicy(endpoint, all, rules);
    }

    /** Refuses (400 naming the field) what cannot be honoured or is unknown; logs what is ignored. */
    public void check(ObjectNode body) {
        body.fields().forEachRemaining(e -> {
            String name = e.getKey();
            JsonNode value = e.getValue();
            if (honoured.contains(name) || value.isNull()) return;
            Rule rule = rules.get(name);
            if (rule == null) throw ApiError.badRequest("Unrecognized request argument supplied: " + name, name);
            if (!rule.acceptedWhen().test(value)) {
                throw ApiError.badRequest("'" + name + "' " + rule.refusal() + ".", name, "unsupported_parameter");
            }
            log.debug("{}: ignoring '{}' (it does not change the output)", endpoint, name);
        });
    }

    /** The ignored and refused fields (for docs and tests). */
    public Map<String, Rule> rules() {
        return rules;
    }

    public Set<String> honoured() {
        return honoured;
    }

    /** These names and the shared sampling fields. */
    public static Set<String> withSampling(String... names) {
        Set<String> all = new HashSet<>(SamplingFields.NAMES);
        all.addAll(Set.of(names));
        return Set.copyOf(all);
    }

    /** Fields no endpoint's output depends on: bookkeeping, caching and routing hints. */
    public static Map<String, Rule> noEffect() {
        return NO_EFFECT;
    }

    static boolean emptyArray(JsonNode v) {
        return v.isArray() && v.isEmpty();
    }

    @SafeVarargs
    static Map<String, Rule> merge(Map<String, Rule>... tables) {
        Map<String, Rule> out = new HashMap<>();
        for (Map<String, Rule> t : tables) out.putAll(t);
        return out;
    }
}
