package dev.fairway.langchain4j;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fairway.engine.grammar.Grammar;
import dev.fairway.engine.grammar.SchemaException;
import dev.fairway.engine.tools.ToolCall;
import dev.fairway.engine.tools.ToolCallExtractor;
import dev.fairway.engine.tools.ToolChoice;
import dev.fairway.engine.tools.ToolSpec;
import dev.fairway.engine.tools.Tools;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.internal.JsonSchemaElementUtils;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.request.json.JsonRawSchema;
import dev.langchain4j.model.chat.request.json.JsonSchemaElement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** LangChain4j's tool specifications, tool choice and response format in the engine's terms, and tool calls back. */
final class LocalTools {
    private static final ObjectMapper JSON = new ObjectMapper();

    private LocalTools() {}

    static Tools tools(ChatRequestParameters p) {
        List<ToolSpecification> specs = p.toolSpecifications();
        if (specs == null || specs.isEmpty()) {
            if (p.toolChoice() == dev.langchain4j.model.chat.request.ToolChoice.REQUIRED)
                throw new dev.langchain4j.exception.InvalidRequestException("ToolChoice.REQUIRED needs tools");
            return Tools.NONE;
        }
        List<ToolSpec> out = new ArrayList<>();
        for (ToolSpecification s : specs) {
            JsonNode params = s.parameters() == null ? null : schema(s.parameters());
            ToolSpec spec = new ToolSpec(s.name(), s.description(), params);
            try {
                spec.argumentsGrammar();
            } catch (SchemaException e) {
                throw new UnsupportedFeatureException("tool '" + s.name() + "': " + e.getMessage());
            }
            out.add(spec);
        }
        ToolChoice choice = p.toolChoice() == null
                ? ToolChoice.AUTO
                : switch (p.toolChoice()) {
                    case AUTO -> ToolChoice.AUTO;
                    case REQUIRED ->
                        out.size() == 1 ? ToolChoice.function(out.get(0).name()) : ToolChoice.REQUIRED;
                    case NONE -> ToolChoice.NONE;
                };
        return new Tools(out, choice, true);
    }

    /** The grammar a JSON response format asks for, or null. */
    static Grammar responseFormat(ResponseFormat format) {
        if (format == null || format.type() != ResponseFormatType.JSON) return null;
        if (format.jsonSchema() == null || format.jsonSchema().rootElement() == null) return Grammar.jsonObject();
        try {
            return Grammar.jsonSchema(schema(format.jsonSchema().rootElement()));
        } catch (SchemaException e) {
            throw new UnsupportedFeatureException("JSON response format schema: " + e.getMessage());
        }
    }

    static JsonNode schema(JsonSchemaElement element) {
        try {
            if (element instanceof JsonRawSchema raw) return JSON.readTree(raw.schema());
            ObjectNode node = JSON.valueToTree(JsonSchemaElementUtils.toMap(element));
            if (element instanceof JsonObjectSchema o
                    && o.definitions() != null
                    && !o.definitions().isEmpty())
                node.set("$defs", JSON.valueToTree(JsonSchemaElementUtils.toMap(o.definitions())));
            return node;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UnsupportedFeatureException("unreadable JSON schema: " + e.getMessage());
        }
    }

    static Set<String> names(Tools tools) {
        Set<String> names = new HashSet<>();
        for (ToolSpec s : tools.specs()) names.add(s.name());
        return names;
    }

    static List<ToolExecutionRequest> requests(List<ToolCall> calls) {
        List<ToolExecutionRequest> out = new ArrayList<>();
        for (ToolCall c : calls)
            out.add(ToolExecutionRequest.builder()
                    .id(c.id())
                    .name(c.name())
                    .arguments(c.arguments())
                    .build());
        return out;
    }

    /** The model's whole text split into content and calls. */
    static ToolCallExtractor extract(Tools tools, String text) {
        ToolCallExtractor x = new ToolCallExtractor(names(tools));
        x.feed(text);
        x.finish();
        return x;
    }
}
