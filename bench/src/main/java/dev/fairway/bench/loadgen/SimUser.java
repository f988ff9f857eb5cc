package dev.fairway.bench.loadgen;

/** A simulated user: its own API key (may be null) and its own concurrency (in-flight cap in rate mode). */
public record SimUser(String name, String apiKey, int concurrency) {
    public SimUser {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("user name is empty");
        if (concurrency < 1) throw new IllegalArgumentException("user " + name + ": concurrency must be >= 1");
    }

    /** Parses {@code name:key:concurrency} or {@code name:key} (concurrency = defaultConcurrency); the key may contain ':'. */
    public static SimUser parse(String spec, int defaultConcurrency) {
        int first = spec.indexOf(':');
        if (first <= 0) throw new IllegalArgumentException("--user expects name:key[:concurrency], got '" + spec + "'");
        String name = spec.substring(0, first);
        String rest = spec.substring(first + 1);
        int concurrency = defaultConcurrency;
        int last = rest.lastIndexOf(':');
        if (last >= 0 && rest.substring(last + 1).matches("\\d+")) {
            concurrency = Integer.parseInt(rest.substring(last + 1));
            rest = rest.substring(0, last);
        }
        return new SimUser(name, rest.isEmpty() ? null : rest, concurrency);
    }
}
