package dev.fairway.gateway.openai;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fairway.gateway.http.ApiError;
import dev.fairway.gateway.http.Fields;

/** `stream_options`: `include_usage` (and `include_obfuscation`, ignored), only together with `stream: true` (as OpenAI requires). */
final class StreamOptions {
    private StreamOptions() {}

    static boolean includeUsage(ObjectNode body, boolean stream) {
        ObjectNode opts = Fields.optObject(body, "stream_options");
        if (opts == null) return false;
        if (!stream)
            throw ApiError.badRequest("'stream_options' is only allowed when 'stream' is true.", "stream_options");
        opts.fieldNames().forEachRemaining(name -> {
            // include_obfuscation pads events against side channels: nothing to pad over loopback, the text is the same
            if (!name.equals("include_usage") && !name.equals("include_obfuscation")) {
                throw ApiError.badRequest(
                        "Unrecognized field 'stream_options." + name + "'.", "stream_options." + name);
            }
        });
        Boolean include = Fields.optBool(opts, "include_usage");
        return Boolean.TRUE.equals(include);
    }
}
