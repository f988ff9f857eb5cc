package dev.fairway.engine.grammar;

/**
 * A JSON string of minChars..maxChars characters (code points; an escape is one). Reads UTF-8 strictly (no overlong
 * forms, no surrogates) so that what it accepts always decodes to the text that was meant.
 */
final class JsonString extends Node {
    final int minChars;
    final int maxChars;

    JsonString(int minChars, int maxChars) {
        this.minChars = minChars;
        this.maxChars = maxChars;
    }

    @Override
    Frame start() {
        return new StrFrame(this, OPEN, 0, 0, 0, 0);
    }

    @Override
    int minLen() {
        return Nodes.add(2, minChars);
    }

    static final int OPEN = 0;
    static final int CONTENT = 1;
    static final int ESCAPE = 2;
    static final int HEX = 3;
    static final int UTF8 = 4;

    /**
     * {@code pending}: hex digits still to come (HEX) or continuation bytes (UTF8); {@code lo..hi}: the range of the
     * next continuation byte.
     */
    record StrFrame(JsonString node, int phase, int chars, int pending, int lo, int hi) implements Frame.Consuming {
        boolean isPlainContent() {
            return phase == CONTENT;
        }

        private StrFrame content(int c) {
            // without a maxLength, characters past minLength change nothing: counting stops there (fewer states)
            int kept = node.maxChars == Integer.MAX_VALUE ? Math.min(c, node.minChars) : c;
            return new StrFrame(node, CONTENT, kept, 0, 0, 0);
        }

        private StrFrame utf8(int pend, int l, int h) {
            return chars < node.maxChars ? new StrFrame(node, UTF8, chars, pend, l, h) : null;
        }

        @Override
        public Frame feed(int b) {
            switch (phase) {
                case OPEN:
                    return b == '"' ? content(0) : null;
                case CONTENT:
                    if (b == '"') return chars >= node.minChars ? DONE : null;
                    if (b == '\\') return chars < node.maxChars ? new StrFrame(node, ESCAPE, chars, 0, 0, 0) : null;
                    if (b < 0x20) return null;
                    if (b < 0x80) return chars < node.maxChars ? content(chars + 1) : null;
                    if (b >= 0xC2 && b <= 0xDF) return utf8(1, 0x80, 0xBF);
                    if (b == 0xE0) return utf8(2, 0xA0, 0xBF);
                    if (b == 0xED) return utf8(2, 0x80, 0x9F);
                    if (b >= 0xE1 && b <= 0xEF) return utf8(2, 0x80, 0xBF);
                    if (b == 0xF0) return utf8(3, 0x90, 0xBF);
                    if (b >= 0xF1 && b <= 0xF3) return utf8(3, 0x80, 0xBF);
                    if (b == 0xF4) return utf8(3, 0x80, 0x8F);
                    return null;
                case ESCAPE:
                    if (b == 'u') return new StrFrame(node, HEX, chars, 4, 0, 0);
                    return "\"\\/bfnrt".indexOf(b) >= 0 ? content(chars + 1) : null;
                case HEX:
                    if (!isHex(b)) return null;
                    // \uD800-\uDFFF (surrogate halves) would need a pair: not offered
                    if (pending == 4 && (b == 'd' || b == 'D')) return null;
                    return pending == 1 ? content(chars + 1) : new StrFrame(node, HEX, chars, pending - 1, 0, 0);
                default: // UTF8
                    if (b < lo || b > hi) return null;
                    return pending == 1 ? content(chars + 1) : new StrFrame(node, UTF8, chars, pending - 1, 0x80, 0xBF);
            }
        }

        private static boolean isHex(int b) {
            return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F');
        }

        @Override
        public boolean canEnd() {
            return false;
        }

        @Override
        public int minRemaining() {
            return switch (phase) {
                case OPEN -> node.minLen();
                case CONTENT -> 1 + Math.max(0, node.minChars - chars);
                case ESCAPE -> 2 + Math.max(0, node.minChars - chars - 1);
                default -> pending + 1 + Math.max(0, node.minChars - chars - 1);
            };
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof StrFrame f
                    && f.node == node
                    && f.phase == phase
                    && f.chars == chars
                    && f.pending == pending
                    && f.lo == lo
                    && f.hi == hi;
        }

        @Override
        public int hashCode() {
            return ((System.identityHashCode(node) * 31 + phase) * 31 + chars) * 31 + pending * 7 + lo;
        }
    }
}
