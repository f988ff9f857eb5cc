package dev.fairway.engine.grammar;

/** A JSON schema this server cannot honour; {@code pointer} locates the offending keyword inside the schema. */
public final class SchemaException extends RuntimeException {
    private final String pointer;

    public SchemaException(String message, String pointer) {
        super(message);
        this.pointer = pointer;
    }

    /** JSON Pointer of the offending place, "" for the root. */
    public String pointer() {
        return pointer;
    }
}
