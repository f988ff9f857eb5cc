package dev.fairway.engine.grammar;

/** A JSON number (an integer when {@code integer}), each part at most a bounded number of digits. */
final class JsonNumber extends Node {
    static final int MAX_INT_DIGITS = 15;
    static final int MAX_FRACTION_DIGITS = 15;
    static final int MAX_EXPONENT_DIGITS = 3;

    final boolean integer;

    JsonNumber(boolean integer) {
        this.integer = integer;
    }

    @Override
    Frame start() {
        return new NumFrame(this, START, 0);
    }

    @Override
    int minLen() {
        return 1;
    }

    static final int START = 0;
    static final int MINUS = 1;
    static final int ZERO = 2;
    static final int INT = 3;
    static final int POINT = 4;
    static final int FRACTION = 5;
    static final int E = 6;
    static final int E_SIGN = 7;
    static final int EXPONENT = 8;

    record NumFrame(JsonNumber node, int phase, int digits) implements Frame.Consuming {
        @Override
        public Frame feed(int b) {
            boolean digit = b >= '0' && b <= '9';
            switch (phase) {
                case START:
                    if (b == '-') return at(MINUS, 0);
                // fall through: a number starts like its digits after a minus
                case MINUS:
                    if (b == '0') return at(ZERO, 1);
                    return digit ? at(INT, 1) : null;
                case ZERO:
                case INT:
                    if (digit) return phase == INT && digits < MAX_INT_DIGITS ? at(INT, digits + 1) : null;
                    return afterInteger(b);
                case POINT:
                    return digit ? at(FRACTION, 1) : null;
                case FRACTION:
                    if (digit) return digits < MAX_FRACTION_DIGITS ? at(FRACTION, digits + 1) : null;
                    return b == 'e' || b == 'E' ? at(E, 0) : null;
                case E:
                    if (b == '+' || b == '-') return at(E_SIGN, 0);
                    return digit ? at(EXPONENT, 1) : null;
                case E_SIGN:
                    return digit ? at(EXPONENT, 1) : null;
                default: // EXPONENT
                    return digit && digits < MAX_EXPONENT_DIGITS ? at(EXPONENT, digits + 1) : null;
            }
        }

        private Frame afterInteger(int b) {
            if (node.integer) return null;
            if (b == '.') return at(POINT, 0);
            return b == 'e' || b == 'E' ? at(E, 0) : null;
        }

        private NumFrame at(int p, int d) {
            return new NumFrame(node, p, d);
        }

        @Override
        public boolean canEnd() {
            return phase == ZERO || phase == INT || phase == FRACTION || phase == EXPONENT;
        }

        @Override
        public int minRemaining() {
            return canEnd() ? 0 : 1;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof NumFrame f && f.node == node && f.phase == phase && f.digits == digits;
        }

        @Override
        public int hashCode() {
            return (System.identityHashCode(node) * 31 + phase) * 31 + digits;
        }
    }
}
