-- PostgreSQL twin of db/migration/V2__responses.sql (see db/README.md). Responses API (POST /v1/responses with
-- store = true). Times are epoch milliseconds (BIGINT).
CREATE TABLE responses (
    id                   TEXT    PRIMARY KEY,
    owner                TEXT    NOT NULL, -- as conversations.owner: every read filters by it
    previous_response_id TEXT,             -- the chain a follow-up continues (not a foreign key: a deleted one breaks it)
    conversation_id      TEXT,             -- the conversation its items were added to, if any
    model                TEXT    NOT NULL,
    status               TEXT    NOT NULL CHECK (status IN ('completed', 'incomplete')),
    instructions         TEXT,
    input                TEXT    NOT NULL, -- JSON array of this response's input messages {role, content}
    output_text          TEXT    NOT NULL,
    output_item_id       TEXT    NOT NULL,
    usage                TEXT    NOT NULL, -- JSON {input_tokens, output_tokens, cached_tokens}
    settings             TEXT    NOT NULL, -- JSON of the request fields echoed back (temperature, top_p, ...)
    created_at           BIGINT  NOT NULL
);

CREATE INDEX responses_by_owner ON responses (owner, created_at DESC);
