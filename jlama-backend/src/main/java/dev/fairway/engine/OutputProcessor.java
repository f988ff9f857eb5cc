package dev.fairway.engine;

import dev.fairway.engine.model.Model;
import dev.fairway.engine.sampling.Sampler;
import dev.fairway.engine.sampling.SequenceState;
import dev.fairway.engine.scheduler.RequestStatus;
import dev.fairway.engine.scheduler.Scheduler;
import dev.fairway.engine.scheduler.Sequence;
import dev.fairway.engine.scheduler.StepPlan;
import dev.fairway.engine.text.TextStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Applies what a step produced (vLLM's update_from_output and OutputProcessor in one): the logits of every chunk that
 * reached its sequence's end are sampled into the next token, which is appended, streamed as text and checked against
 * the stop conditions; finished choices leave the scheduler, and a request completes when all its choices did. Also
 * the engine's registry of which request and choice every sequence serves. Runs only on the engine thread.
 */
final class OutputProcessor {
    private record Owner(RequestState request, RequestState.Choice choice) {}

    private final Model model;
    private final Scheduler scheduler;
    private final int vocab;
    private final Map<Sequence, Owner> owners = new LinkedHashMap<>();
    private long generatedTokens;

    OutputProcessor(Model model, Scheduler scheduler) {
        this.model = model;
        this.scheduler = scheduler;
        this.vocab = model.config().vocab();
    }

    long generatedTokens() {
        return generatedTokens;
    }

    Set<String> activeUsers() {
        Set<String> users = new HashSet<>();
        for (Sequence s : owners.keySet()) users.add(s.user);
        return users;
    }

    void register(Sequence s, RequestState r, RequestState.Choice c) {
        owners.put(s, new Owner(r, c));
    }

    /** Before the step runs: requests whose first chunk is planned have started (left the queue). */
    void started(StepPlan plan) {
        long now = System.nanoTime();
        for (StepPlan.Chunk c : plan.chunks()) {
            RequestState r = owners.get(c.sequence()).request();
            if (r.startedNanos == 0) {
                r.startedNanos = now;
                safely(r, () -> r.listener.onStarted());
            }
        }
    }

    /**
     * After the step ran (and the scheduler advanced its sequences): {@code logits} holds one row per chunk that
     * {@link StepPlan.Chunk#samples() samples}, in plan order. An n > 1 request forks its other choices off its prompt's
     * logits here, the first time.
     */
    void apply(StepPlan plan, float[] logits) {
        int row = 0;
        for (StepPlan.Chunk c : plan.chunks()) {
            if (!c.samples()) continue;
            int off = row++ * vocab;
            Owner o = owners.get(c.sequence());
            if (o == null || o.choice().done()) continue;
            RequestState r = o.request();
            if (r.request.n() > 1 && !r.forked) fork(r, c.sequence(), logits, off);
            sample(r, o.choice(), logits, off);
        }
    }

    private void fork(RequestState r, Sequence parent, float[] logits, int off) {
        r.forked = true;
        float[] row = Arrays.copyOfRange(logits, off, off + vocab);
        for (int i = 1; i < r.choices.length; i++) {
            Sequence child = new Sequence(
                    parent.id * 1000 + i,
                    parent.user,
                    parent.fairnessGroup,
                    parent.weight,
                    parent.arrivalNanos,
                    r.prompt);
            scheduler.fork(parent, child);
            var choice = new RequestState.Choice(
                    i,
                    child,
                    new SequenceState(r.seed + i, r.prompt),
                    new TextStream(model.codec(), r.request.params().stop()),
                    r.newGrammar(model.codec()));
            r.choices[i] = choice;
            register(child, r, choice);
            sample(r, choice, row.clone(), 0);
        }
    }

    private void sample(RequestState r, RequestState.Choice ch, float[] logits, int off) {
        SamplingParams p = r.request.params();
        Sequence s = ch.sequence;
        Set<Integer> eos = model.codec().eosIds();
        Sampler.process(logits, off, vocab, r.sampler, ch.sampling, eos);
        if (ch.grammar != null) {
            int budget = Math.min(p.maxTokens() - s.generated(), model.config().maxPositions() - s.length());
            if (!ch.grammar.mask(logits, off, vocab, budget, eos)) {
                finishChoice(r, ch, FinishReason.LENGTH, null); // no token can continue: the output stays short
                return;
            }
        }
        float[] logSoftmax = null;
        if (p.logprobs()) {
            logSoftmax = new float[vocab];
            Sampler.logSoftmax(logits, off, vocab, logSoftmax);
        }
        int token = Sampler.pick(logits, off, vocab, r.sampler, ch.sampling);
        if (ch.grammar != null && !eos.contains(token))
            ch.grammar.accept(model.codec().tokenBytes(token));
        ch.sampling.accept(token);
        s.append(token);
        generatedTokens++;
        long now = System.nanoTime() - r.submittedNanos;
        if (ch.index == 0) r.tokenTimes.add(now);
        if (r.firstTokenNanos == 0) r.firstTokenNanos = now;

        boolean eosHit = !p.ignoreEos() && eos.contains(token);
        boolean stopToken = p.stopTokenIds().contains(token);
        String delta = eosHit || stopToken || model.codec().isSpecial(token) ? "" : ch.text.add(token);
        FinishReason finish = null;
        boolean atLimit =
                s.generated() >= p.maxTokens() || s.length() >= model.config().maxPositions();
        // a constrained output that may end where the budget ends is complete, not cut off
        boolean complete = ch.grammar != null && (ch.grammar.finished() || (atLimit && ch.grammar.canEnd()));
        if (eosHit || stopToken || complete || ch.text.stopped()) finish = FinishReason.STOP;
        else if (s.generated() >= p.maxTokens() || s.length() >= model.config().maxPositions())
            finish = FinishReason.LENGTH;
        if (finish != null && !ch.text.stopped()) delta += ch.text.flush();
        TokenLogprob lp = logSoftmax == null ? null : logprob(token, logSoftmax, p.topLogprobs());
        if (lp != null) ch.logprobs.add(lp);
        TokenEvent event = new TokenEvent(ch.index, token, delta, lp);
        if (!safely(r, () -> r.listener.onToken(event))) return;
        if (finish != null) finishChoice(r, ch, finish, null);
    }

    private TokenLogprob logprob(int token, float[] ls, int top) {
        List<TokenLogprob.Alternative> alts = new ArrayList<>();
        // Insertion into a top-k list: k <= 20, so one pass over the vocabulary instead of sorting it per token.
        int[] best = new int[Math.min(top, vocab)];
        int found = 0;
        for (int t = 0; t < vocab; t++) {
            if (found == best.length && (found == 0 || ls[t] <= ls[best[found - 1]])) continue;
            int i = found < best.length ? found++ : found - 1;
            while (i > 0 && ls[best[i - 1]] < ls[t]) {
                best[i] = best[i - 1];
                i--;
            }
            best[i] = t;
        }
        for (int k = 0; k < found; k++) {
            if (ls[best[k]] == Float.NEGATIVE_INFINITY) break; // masked by a grammar: not an alternative
            alts.add(new TokenLogprob.Alternative(best[k], model.codec().tokenText(best[k]), ls[best[k]]));
        }
        return new TokenLogprob(token, model.codec().tokenText(token), ls[token], List.copyOf(alts));
    }

    /** Calls a listener; a listener that throws cancels its request. */
    private boolean safely(RequestState r, Runnable call) {
        try {
            call.run();
            return true;
        } catch (Throwable t) {
            finishRequest(r, FinishReason.CANCELLED, null);
            return false;
        }
    }

    private void finishChoice(RequestState r, RequestState.Choice ch, FinishReason reason, String error) {
        if (ch.done()) return;
        ch.finish = reason;
        ch.error = error;
        if (ch.sequence != null) {
            scheduler.finish(ch.sequence, status(reason));
            owners.remove(ch.sequence);
        }
        if (r.request.n() > 1 && !r.forked && ch.index == 0) {
            // The request ends before its prompt was shared: the other choices end the same way.
            r.forked = true;
            for (int i = 1; i < r.choices.length; i++) {
                var placeholder =
                        new RequestState.Choice(i, null, null, new TextStream(model.codec(), List.of()), null);
                placeholder.finish = reason;
                placeholder.error = error;
                r.choices[i] = placeholder;
            }
        }
        if (r.allDone()) complete(r);
    }

    private static RequestStatus status(FinishReason reason) {
        return switch (reason) {
            case STOP -> RequestStatus.FINISHED_STOPPED;
            case LENGTH -> RequestStatus.FINISHED_LENGTH_CAPPED;
            case CANCELLED -> RequestStatus.FINISHED_ABORTED;
            case ERROR -> RequestStatus.FINISHED_ERROR;
        };
    }

    void finishRequest(RequestState r, FinishReason reason, String error) {
        if (r.completed) return;
        if (r.choices[0] == null) {
            r.choices[0] = new RequestState.Choice(0, null, null, new TextStream(model.codec(), List.of()), null);
        }
        for (RequestState.Choice c : r.choices) if (c != null && !c.done()) finishChoice(r, c, reason, error);
    }

    void failRunning(Throwable t) {
        String msg = "Generation failed: " + t.getClass().getSimpleName()
                + (t.getMessage() == null ? "" : ": " + t.getMessage());
        for (Owner o : List.copyOf(owners.values())) finishRequest(o.request(), FinishReason.ERROR, msg);
    }

    void cancelAll() {
        for (Owner o : List.copyOf(owners.values())) finishRequest(o.request(), FinishReason.CANCELLED, null);
    }

    private void complete(RequestState r) {
        if (r.completed) return;
        r.completed = true;
        List<ChoiceResult> results = new ArrayList<>();
        int completion = 0;
        for (RequestState.Choice c : r.choices) {
            c.text.flush();
            int[] ids = c.sequence == null
                    ? new int[0]
                    : Arrays.copyOfRange(c.sequence.tokens(), c.sequence.promptLength, c.sequence.length());
            completion += ids.length;
            results.add(new ChoiceResult(c.index, c.text.text(), ids, c.finish, c.error, List.copyOf(c.logprobs)));
        }
        long end = System.nanoTime() - r.submittedNanos;
        Sequence first = r.choices[0].sequence;
        Usage usage = new Usage(r.prompt.length, completion, first == null ? 0 : first.cachedTokens());
        long queued = r.startedNanos == 0 ? end : r.startedNanos - r.submittedNanos;
        Timings timings = new Timings(
                queued,
                r.firstTokenNanos,
                end,
                r.tokenTimes.stream().mapToLong(Long::longValue).toArray());
        GenerationResult result = new GenerationResult(r.id, List.copyOf(results), usage, timings);
        try {
            r.listener.onComplete(result);
        } catch (Throwable ignored) {
            // the result future still completes
        }
        r.future.complete(result);
    }
}
