package dev.fairway.bench.loadgen;

/**
 * Outcome of one streamed request. Times are nanoseconds relative to the send.
 * error is null on success, else a kind: connect_refused, timeout, stream_cut, stream_error, http_NNN, io_error, bad_response.
 * promptTokens/completionTokens are the server's usage, -1 when the server sent none.
 */
public record RequestRecord(
        String user,
        long startNanos,
        long ttftNanos,
        long e2eNanos,
        long[] itlNanos,
        int contentChunks,
        int promptTokens,
        int completionTokens,
        String finishReason,
        String error,
        String errorDetail) {

    public static final String CONNECT_REFUSED = "connect_refused";
    public static final String TIMEOUT = "timeout";
    public static final String STREAM_CUT = "stream_cut";
    public static final String STREAM_ERROR = "stream_error";
    public static final String IO_ERROR = "io_error";
    public static final String BAD_RESPONSE = "bad_response";

    public boolean ok() {
        return error == null;
    }

    public boolean hasUsage() {
        return completionTokens >= 0;
    }

    /** Server's completion_tokens when sent, else the number of content chunks. */
    public int outputTokens() {
        return hasUsage() ? completionTokens : contentChunks;
    }

    /** Time per output token after the first, or -1 when undefined. */
    public long tpotNanos() {
        int n = outputTokens();
        return (n > 1 && ttftNanos >= 0) ? (e2eNanos - ttftNanos) / (n - 1) : -1;
    }
}
