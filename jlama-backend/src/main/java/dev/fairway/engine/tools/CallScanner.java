package dev.fairway.engine.tools;

import java.util.ArrayList;
import java.util.List;

/**
 * Finds the call objects in a (possibly unfinished) run of tool calls: each top-level JSON object, its "name" once
 * the string is complete, and where its "arguments"/"parameters" value starts and (once complete) ends. Text between
 * objects (tags, brackets, commas) is skipped.
 */
final class CallScanner {
    private CallScanner() {}

    /** {@code argumentsEnd} is -1 while the value is unfinished; {@code argumentsStart} -1 while not begun. */
    record Parsed(String name, int argumentsStart, int argumentsEnd) {}

    static List<Parsed> scan(String t, int from) {
        List<Parsed> out = new ArrayList<>();
        int i = from;
        while (i < t.length()) {
            if (t.charAt(i) != '{') {
                i++;
                continue;
            }
            i = object(t, i, out);
        }
        return out;
    }

    /** Reads the call object at t[start] ('{'); adds what it found; returns where scanning goes on. */
    private static int object(String t, int start, List<Parsed> out) {
        String name = null;
        int argsStart = -1;
        int argsEnd = -1;
        int i = start + 1;
        while (true) {
            i = skipSpace(t, i);
            if (i >= t.length()) break;
            char c = t.charAt(i);
            if (c == '}') {
                out.add(new Parsed(name, argsStart, argsEnd));
                return i + 1;
            }
            if (c == ',') {
                i++;
                continue;
            }
            if (c != '"') return give(out, name, argsStart, argsEnd, i + 1); // not a call object
            int keyEnd = stringEnd(t, i);
            if (keyEnd < 0) break;
            String key = t.substring(i + 1, keyEnd - 1);
            i = skipSpace(t, keyEnd);
            if (i >= t.length()) break;
            if (t.charAt(i) != ':') return give(out, name, argsStart, argsEnd, i + 1);
            i = skipSpace(t, i + 1);
            if (i >= t.length()) break;
            int valueEnd = valueEnd(t, i);
            if (key.equals("arguments") || key.equals("parameters")) {
                argsStart = i;
                argsEnd = valueEnd;
            } else if (key.equals("name") && valueEnd >= 0 && t.charAt(i) == '"') {
                name = unquote(t.substring(i, valueEnd));
            }
            if (valueEnd < 0) break;
            i = valueEnd;
        }
        out.add(new Parsed(name, argsStart, argsEnd)); // unfinished: the text ends inside this object
        return t.length();
    }

    private static int give(List<Parsed> out, String name, int argsStart, int argsEnd, int next) {
        if (name != null) out.add(new Parsed(name, argsStart, argsEnd));
        return next;
    }

    private static int skipSpace(String t, int i) {
        while (i < t.length() && Character.isWhitespace(t.charAt(i))) i++;
        return i;
    }

    /** The index just past the JSON string starting at t[i], or -1 if it does not end in t. */
    private static int stringEnd(String t, int i) {
        for (int j = i + 1; j < t.length(); j++) {
            char c = t.charAt(j);
            if (c == '\\') j++;
            else if (c == '"') return j + 1;
        }
        return -1;
    }

    /** The index just past the JSON value starting at t[i], or -1 if it does not end in t. */
    private static int valueEnd(String t, int i) {
        char c = t.charAt(i);
        if (c == '"') return stringEnd(t, i);
        if (c == '{' || c == '[') {
            int depth = 0;
            for (int j = i; j < t.length(); j++) {
                char d = t.charAt(j);
                if (d == '"') {
                    j = stringEnd(t, j);
                    if (j < 0) return -1;
                    j--;
                } else if (d == '{' || d == '[') depth++;
                else if (d == '}' || d == ']') {
                    if (--depth == 0) return j + 1;
                }
            }
            return -1;
        }
        int j = i;
        while (j < t.length() && ",}] \n\t\r".indexOf(t.charAt(j)) < 0) j++;
        return j < t.length() ? j : -1;
    }

    private static String unquote(String quoted) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(quoted)
                    .asText();
        } catch (Exception e) {
            return quoted.substring(1, quoted.length() - 1);
        }
    }
}
