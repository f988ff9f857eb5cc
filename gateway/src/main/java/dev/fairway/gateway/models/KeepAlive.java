package dev.fairway.gateway.models;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How long a model stays loaded after its last request, written as Ollama's {@code keep_alive}: a Go duration
 * ({@code "5m"}, {@code "30s"}, {@code "1h30m"}, {@code "0"}) or a number of seconds. Zero unloads the model once its
 * requests are done; a negative value keeps it loaded until another model needs the room ({@link #FOREVER}).
 */
public final class KeepAlive {
    /** Loaded until --max-loaded-models or --memory-budget needs the room. */
    public static final Duration FOREVER = Duration.ofSeconds(-1);

    private static final Pattern NUMBER = Pattern.compile("[-+]?(\\d+(\\.\\d*)?|\\.\\d+)");
    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|μs|ms|s|m|h)");
    private static final Map<String, Long> NANOS = Map.of(
            "ns", 1L,
            "us", 1_000L,
            "µs", 1_000L,
            "μs", 1_000L,
            "ms", 1_000_000L,
            "s", 1_000_000_000L,
            "m", 60_000_000_000L,
            "h", 3_600_000_000_000L);

    private KeepAlive() {}

    public static boolean isForever(Duration d) {
        return d.isNegative();
    }

    /** A number of seconds (negative: {@link #FOREVER}). */
    public static Duration ofSeconds(double seconds) {
        if (Double.isNaN(seconds) || Double.isInfinite(seconds))
            throw new IllegalArgumentException("not a number of seconds");
        if (seconds < 0) return FOREVER;
        return seconds >= Long.MAX_VALUE / 1e9 ? FOREVER : Duration.ofNanos(Math.round(seconds * 1e9));
    }

    /** A Go duration or a number of seconds; IllegalArgumentException for anything else. */
    public static Duration parse(String text) {
        String s = text.strip();
        if (NUMBER.matcher(s).matches()) return ofSeconds(Double.parseDouble(s));
        boolean negative = s.startsWith("-");
        String rest = negative || s.startsWith("+") ? s.substring(1) : s;
        Matcher m = PART.matcher(rest);
        BigDecimal nanos = BigDecimal.ZERO;
        int at = 0;
        while (at < rest.length()) {
            if (!m.find(at) || m.start() != at) throw new IllegalArgumentException("not a duration: " + text);
            nanos = nanos.add(new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(NANOS.get(m.group(2)))));
            at = m.end();
        }
        if (at == 0) throw new IllegalArgumentException("not a duration: " + text);
        if (negative && nanos.signum() > 0) return FOREVER;
        if (nanos.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) >= 0) return FOREVER;
        return Duration.ofNanos(nanos.longValue());
    }

    /** For logs and the startup banner. */
    public static String describe(Duration d) {
        if (isForever(d)) return "until the room is needed";
        return d.toString().substring(2).toLowerCase(java.util.Locale.ROOT);
    }
}
