-- Conversations keep tool calls and tool results like any other message: an assistant message may carry the calls
-- it made (tool_calls: JSON array of {id, type, function: {name, arguments}}, as chat completions show them), and a
-- 'tool' message is one call's result (tool_call_id names the call).
-- SQLite cannot change a CHECK constraint in place, so the table is rebuilt (nothing references messages).
CREATE TABLE messages_v3 (
    id              TEXT    PRIMARY KEY,
    conversation_id TEXT    NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    seq             INTEGER NOT NULL,
    role            TEXT    NOT NULL CHECK (role IN ('system', 'user', 'assistant', 'tool')),
    content         TEXT    NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('completed', 'partial')),
    created_at      INTEGER NOT NULL,
    tool_calls      TEXT,
    tool_call_id    TEXT,
    UNIQUE (conversation_id, seq)
);

INSERT INTO messages_v3 (id, conversation_id, seq, role, content, status, created_at)
    SELECT id, conversation_id, seq, role, content, status, created_at FROM messages;

DROP TABLE messages;

ALTER TABLE messages_v3 RENAME TO messages;
