-- Times are epoch milliseconds; the API shows seconds.
CREATE TABLE users (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE,
    key_hash   TEXT    NOT NULL UNIQUE, -- SHA-256 hex of the API key; the key itself is never stored
    created_at INTEGER NOT NULL
);

CREATE TABLE conversations (
    id         TEXT    PRIMARY KEY,
    owner      TEXT    NOT NULL, -- user name ('local' in open mode); kept when a key is revoked
    title      TEXT,
    metadata   TEXT    NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE INDEX conversations_by_owner_recency ON conversations (owner, updated_at DESC, id DESC);

CREATE TABLE messages (
    id              TEXT    PRIMARY KEY,
    conversation_id TEXT    NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    seq             INTEGER NOT NULL,
    role            TEXT    NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
    content         TEXT    NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('completed', 'partial')),
    created_at      INTEGER NOT NULL,
    UNIQUE (conversation_id, seq)
);
