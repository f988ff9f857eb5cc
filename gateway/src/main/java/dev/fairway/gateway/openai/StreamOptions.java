package dev.fairway.gateway.openai;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fairway.gateway.http.ApiError;
import dev.fairway.gateway.http.Fields;

/** `stream_options`: only `include_usage`, and only together with `stream: true` (as OpenAI requires). */
final class StreamOptions {
    private StreamOptions() {}

    static boolean includeUsage(ObjectNode body, boolean stream) {
        ObjectNode opts = Fields.optObject(body, "stream_options");
        if (opts == null) return false;
        if (!stream)
            throw ApiError.badRequest("'stream_options' is only allowed when 'stream' is true.", "stream_options");
        opts.fieldNames().forEachRemaining(name -> {
            if (!name.equals("include_usage")) {
                throw ApiError.badRequest(
                        "Unrecognized field 'stream_options." + name + "'.", "stream_options." + name);
            }
        });
        Boolean include = Fields.optBool(opts, "include_usage");
        return Boolean.TRUE.equals(include);
    }
}
