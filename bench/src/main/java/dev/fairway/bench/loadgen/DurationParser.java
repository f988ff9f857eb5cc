package dev.fairway.bench.loadgen;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses "500ms", "30s", "2m", "1h" or a plain number of seconds. */
final class DurationParser {
    private static final Pattern P = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)?");

    private DurationParser() {}

    static Duration parse(String text) {
        Matcher m = P.matcher(text.trim().toLowerCase());
        if (!m.matches())
            throw new IllegalArgumentException("bad duration '" + text + "' (use e.g. 500ms, 30s, 2m, 1h)");
        double v = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        double millis = switch (unit) {
            case "ms" -> v;
            case "s" -> v * 1e3;
            case "m" -> v * 60e3;
            default -> v * 3600e3;
        };
        return Duration.ofNanos(Math.round(millis * 1e6));
    }
}
