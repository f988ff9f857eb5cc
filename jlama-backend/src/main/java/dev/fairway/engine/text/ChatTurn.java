package dev.fairway.engine.text;

/** One message as a chat template sees it: Hugging Face's {"role", "content"} ("system", "user", "assistant"). */
public record ChatTurn(String role, String content) {}
