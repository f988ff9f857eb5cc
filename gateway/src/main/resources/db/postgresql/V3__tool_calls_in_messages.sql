-- PostgreSQL twin of db/migration/V3__tool_calls_in_messages.sql (see db/README.md). An assistant message may carry
-- the calls it made (tool_calls: JSON array of {id, type, function: {name, arguments}}, as chat completions show
-- them), and a 'tool' message is one call's result (tool_call_id names the call).
ALTER TABLE messages DROP CONSTRAINT messages_role_check;
ALTER TABLE messages ADD CONSTRAINT messages_role_check CHECK (role IN ('system', 'user', 'assistant', 'tool'));
ALTER TABLE messages ADD COLUMN tool_calls TEXT;
ALTER TABLE messages ADD COLUMN tool_call_id TEXT;
