package dev.fairway.gateway.store;

/**
 * The few SQL spellings that differ between the two stores. Everything else (queries, `?` parameters) is shared;
 * the schema is not: each dialect has its own Flyway folder with the same versions (see db/README.md).
 */
public enum Dialect {
    /** IMMEDIATE: a transaction that reads then writes cannot fail half-way with SQLITE_BUSY_SNAPSHOT. */
    SQLITE("BEGIN IMMEDIATE", "instr(lower(coalesce(c.title, '')), lower(?)) > 0", "classpath:db/migration"),
    POSTGRESQL("BEGIN", "strpos(lower(coalesce(c.title, '')), lower(?)) > 0", "classpath:db/postgresql");

    private final String begin;
    private final String titleContains;
    private final String migrations;

    Dialect(String begin, String titleContains, String migrations) {
        this.begin = begin;
        this.titleContains = titleContains;
        this.migrations = migrations;
    }

    /** Opens a writing transaction. */
    String begin() {
        return begin;
    }

    /** A condition on conversation {@code c}: its title contains the one parameter, case-insensitively. */
    String titleContains() {
        return titleContains;
    }

    /** The Flyway location of this dialect's migrations. */
    public String migrations() {
        return migrations;
    }
}
