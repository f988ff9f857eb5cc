package dev.fairway.engine.text;

import java.util.Optional;

/**
 * The tokenizer library under a {@link TextCodec} (jlama's: dev.fairway.engine.jlama.JlamaTokenizer): BPE encoding of
 * one piece of text, and what the model folder says about chat prompts.
 */
public interface BpeTokenizer {
    /** Token ids of one piece (a word, or an added token whole). Need not be thread-safe: the codec serializes calls. */
    long[] encode(String piece);

    /** The model's default Jinja chat template, if it has one. */
    Optional<String> chatTemplate();

    /** The end-of-sequence token's text, as templates refer to it (eos_token). */
    String eosToken();
}
