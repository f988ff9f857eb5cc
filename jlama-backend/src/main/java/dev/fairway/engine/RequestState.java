package dev.fairway.engine;

import dev.fairway.engine.grammar.GrammarMatcher;
import dev.fairway.engine.sampling.SamplerConfig;
import dev.fairway.engine.sampling.SequenceState;
import dev.fairway.engine.scheduler.Sequence;
import dev.fairway.engine.text.TextStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** The engine's view of one submitted request: its choices, listener, timings and result future. */
final class RequestState implements GenerationHandle {
    final String id;
    final GenerationRequest request;
    final int[] prompt;
    final GenerationListener listener;
    final long submittedNanos = System.nanoTime();
    final CompletableFuture<GenerationResult> future = new CompletableFuture<>();
    final Choice[] choices;
    final long seed;
    /** The request's sampling parameters, as the sampler takes them. */
    final SamplerConfig sampler;

    private final Engine engine;
    long startedNanos;
    long firstTokenNanos;
    final List<Long> tokenTimes = new ArrayList<>();
    boolean forked;
    boolean completed;

    RequestState(
            Engine engine, String id, GenerationRequest request, int[] prompt, GenerationListener listener, long seed) {
        this.engine = engine;
        this.id = id;
        this.request = request;
        this.prompt = prompt;
        this.listener = listener;
        this.seed = seed;
        this.choices = new Choice[request.n()];
        this.sampler = samplerConfig(request.params());
    }

    private static SamplerConfig samplerConfig(SamplingParams p) {
        return new SamplerConfig(
                p.temperature(),
                p.topP(),
                p.topK(),
                p.minP(),
                p.presencePenalty(),
                p.frequencyPenalty(),
                p.repetitionPenalty(),
                p.logitBias(),
                p.stopTokenIds(),
                p.ignoreEos(),
                p.minTokens());
    }

    /** A fresh grammar position for one choice, or null when the output is not constrained. */
    GrammarMatcher newGrammar(dev.fairway.engine.text.TextCodec codec) {
        var g = request.params().grammar();
        return g == null ? null : new GrammarMatcher(g, codec.tokenVocabulary());
    }

    /** One choice: its sequence, sampling state, text stream and what it produced. */
    static final class Choice {
        final int index;
        final Sequence sequence;
        final SequenceState sampling;
        final TextStream text;
        /** The output's grammar position, or null when the output is not constrained. */
        final GrammarMatcher grammar;

        final List<TokenLogprob> logprobs = new ArrayList<>();
        FinishReason finish;
        String error;

        Choice(int index, Sequence sequence, SequenceState sampling, TextStream text, GrammarMatcher grammar) {
            this.index = index;
            this.sequence = sequence;
            this.sampling = sampling;
            this.text = text;
            this.grammar = grammar;
        }

        boolean done() {
            return finish != null;
        }
    }

    boolean allDone() {
        for (Choice c : choices) if (c == null || !c.done()) return false;
        return true;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public void cancel() {
        engine.cancel(this);
    }

    @Override
    public CompletableFuture<GenerationResult> result() {
        return future;
    }
}
