package dev.fairway.gateway.models;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Sizes as people write them on a command line ({@code 8G}, {@code 512M}, {@code 1.5GiB}; units are powers of 1024). */
public final class ByteSize {
    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([KMGT]?)(?:I?B)?");

    private ByteSize() {}

    /** Bytes; throws IllegalArgumentException naming {@code flag} for anything else. */
    public static long parse(String text, String flag) {
        Matcher m = SIZE.matcher(text.strip().toUpperCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    flag + " " + text + ": not a size (write it like 8G, 512M, 1.5G or a number of bytes)");
        }
        int shift = switch (m.group(2)) {
            case "K" -> 10;
            case "M" -> 20;
            case "G" -> 30;
            case "T" -> 40;
            default -> 0;
        };
        double bytes = Double.parseDouble(m.group(1)) * (1L << shift);
        if (bytes >= Long.MAX_VALUE) throw new IllegalArgumentException(flag + " " + text + ": too large");
        return (long) bytes;
    }

    /** For messages and listings: {@code 1.5 GiB}, {@code 512.0 MiB}, {@code 900 B}. */
    public static String format(long bytes) {
        if (bytes < 1024) return bytes + " B";
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
