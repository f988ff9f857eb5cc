package dev.fairway.engine;

/**
 * One generated token for choice {@code choice}. {@code textDelta} is the text that became final with this token:
 * it never ends inside a UTF-8 character and never contains part of a stop string (it may be empty while held back).
 * {@code logprob} is null unless logprobs were requested.
 */
public record TokenEvent(int choice, int tokenId, String textDelta, TokenLogprob logprob) {}
