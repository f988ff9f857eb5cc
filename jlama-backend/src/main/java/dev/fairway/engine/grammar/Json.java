package dev.fairway.engine.grammar;

import java.util.List;

/** JSON's punctuation and literals, and "any JSON value". */
final class Json {
    private Json() {}

    /** Bytes of whitespace allowed between two tokens of JSON: enough to indent, too few to loop on. */
    static final int WHITESPACE_RUN = 8;

    static final Node LBRACE = lit("{");
    static final Node RBRACE = lit("}");
    static final Node LBRACKET = lit("[");
    static final Node RBRACKET = lit("]");
    static final Node COMMA = lit(",");
    static final Node COLON = lit(":");
    static final Node TRUE_FALSE = new Nodes.Literal(List.of("true", "false"));
    static final Node NULL = lit("null");

    static Node lit(String s) {
        return new Nodes.Literal(List.of(s));
    }

    static Node whitespace() {
        return new Nodes.Whitespace(WHITESPACE_RUN);
    }

    /** Any JSON value; objects hold any values, arrays any items. */
    static Node anyValue(Node ws) {
        Nodes.Ref self = new Nodes.Ref();
        Node value = new Nodes.Choice(
                new FreeObject(self, ws),
                new JsonArray(self, 0, Integer.MAX_VALUE, ws),
                new JsonString(0, Integer.MAX_VALUE),
                new JsonNumber(false),
                TRUE_FALSE,
                NULL);
        self.target = value;
        return value;
    }
}
