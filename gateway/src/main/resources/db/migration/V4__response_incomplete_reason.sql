-- Why a response is 'incomplete': max_output_tokens (also what NULL means, for rows stored before), or its stream
-- was cut: client_disconnected, server_shutting_down. The text produced until then is its output_text.
ALTER TABLE responses ADD COLUMN incomplete_reason TEXT;
