package dev.fairway.engine.grammar;

import java.util.BitSet;
import java.util.Set;

/**
 * One sequence's place in its grammar: masks the logits of tokens that cannot continue a valid output, and follows the
 * tokens drawn. Budget-aware: a token is offered only if what it leaves can still be finished in the tokens left
 * (every byte has a one-byte token in the vocabularies we serve), so a constrained output is complete before
 * max_tokens whenever max_tokens allows one at all. Not thread-safe: one per sequence, used on the engine thread.
 */
public final class GrammarMatcher {
    private final TokenVocabulary vocabulary;
    private final MaskCache cache;
    private GrammarState state;
    private BitSet allowed;
    /** The most bytes an allowed token of the last collect leaves to write. */
    private int worst;

    public GrammarMatcher(Grammar grammar, TokenVocabulary vocabulary) {
        this.vocabulary = vocabulary;
        this.cache = grammar.masks(vocabulary);
        this.state = GrammarState.initial(grammar.root);
    }

    /**
     * Sets logits[off + t] to -infinity for every token t that cannot come next; EOS ids stay only where the output
     * may end. {@code budget}: tokens the sequence may still generate, this one included. Returns false when no token
     * at all may come (a vocabulary without the bytes the grammar needs): the caller ends the sequence.
     */
    public boolean mask(float[] logits, int off, int vocab, int budget, Set<Integer> eosIds) {
        int slack = budget - 1;
        MaskCache.Entry hit = cache.get(state);
        if (hit == null) {
            collect(Nodes.INF);
            hit = new MaskCache.Entry(allowed, worst);
            cache.put(state, hit);
        }
        allowed = hit.allowed();
        // near the end of the budget: only what can still be finished (if anything can: else the cached mask)
        if (hit.worst() > slack && state.minRemaining <= budget) {
            collect(slack);
            // nothing fits and the output cannot end here: it cannot finish in time anyway, so at least stay valid
            if (allowed.isEmpty() && !state.accepting()) allowed = hit.allowed();
        }
        boolean end = state.accepting();
        if (allowed.isEmpty() && !end) return false;
        for (int t = allowed.nextClearBit(0); t < vocab; t = allowed.nextClearBit(t + 1)) {
            if (!(end && eosIds.contains(t))) logits[off + t] = Float.NEGATIVE_INFINITY;
        }
        if (allowed.isEmpty()) {
            // only the end remains: it wins over min_tokens / ignore_eos, which masked EOS before
            for (int eos : eosIds) if (eos < vocab) logits[off + eos] = Math.max(logits[off + eos], 0f);
        }
        return true;
    }

    /** Whether token may come next (for tests and checks; mask is the fast path). */
    public boolean allows(int token, byte[] bytes) {
        GrammarState s = state;
        for (byte b : bytes) {
            s = s.feed(b & 0xff);
            if (s == null) return false;
        }
        return bytes.length > 0;
    }

    /** Fills a new allowed set (and worst) for the current state. */
    private void collect(int slack) {
        allowed = new BitSet(vocabulary.size);
        worst = 0;
        if (state.soleTop() instanceof JsonString.StrFrame f && f.isPlainContent() && state.minRemaining <= slack) {
            // inside a free string: what stays in it is one precomputed set; walk only the tokens that may leave it
            long room = (long) f.node().maxChars - f.chars();
            allowed.or(vocabulary.plainUpTo((int) Math.min(room, TokenVocabulary.MAX_PLAIN_CHARS)));
            worst = state.minRemaining; // staying in the string never adds to what is left
            walk(vocabulary.notPlain, state, slack);
        } else {
            walk(vocabulary.all, state, slack);
        }
    }

    private void walk(TokenVocabulary.TokenTrie.Node node, GrammarState s, int slack) {
        for (int i = 0; i < node.keys.length; i++) {
            GrammarState next = s.feed(node.keys[i]);
            if (next == null) continue;
            TokenVocabulary.TokenTrie.Node kid = node.kids[i];
            if (kid.tokens.length > 0 && next.minRemaining <= slack) {
                for (int t : kid.tokens) allowed.set(t);
                worst = Math.max(worst, next.minRemaining);
            }
            if (kid.keys.length > 0) walk(kid, next, slack);
        }
    }

    /** Follows a drawn token. Returns false if the token does not fit (then the state is unchanged). */
    public boolean accept(byte[] bytes) {
        GrammarState s = state;
        for (byte b : bytes) {
            s = s.feed(b & 0xff);
            if (s == null) return false;
        }
        state = s;
        return true;
    }

    /** The output is complete and nothing can follow: the sequence ends here. */
    public boolean finished() {
        return state.finished();
    }

    /** The output may end here (EOS is allowed). */
    public boolean canEnd() {
        return state.accepting();
    }
}
