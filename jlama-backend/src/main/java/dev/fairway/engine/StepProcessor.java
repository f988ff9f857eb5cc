package dev.fairway.engine;

import dev.fairway.engine.kv.BlockTable;
import dev.fairway.engine.model.Model;
import dev.fairway.engine.runner.ModelRunner;
import dev.fairway.engine.runner.StepBatch;
import dev.fairway.engine.sampling.Sampler;
import dev.fairway.engine.sampling.SequenceState;
import dev.fairway.engine.scheduler.Scheduler;
import dev.fairway.engine.scheduler.Sequence;
import dev.fairway.engine.text.TextStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One engine step: ask the scheduler for chunks, run them as one batch, then sample, stream and finish the sequences
 * whose logits came back. Runs only on the engine thread.
 */
final class StepProcessor {
    private record Owner(RequestState request, RequestState.Choice choice) {}

    private final Model model;
    private final ModelRunner runner;
    private final Scheduler scheduler;
    private final int vocab;
    private final Map<Sequence, Owner> owners = new LinkedHashMap<>();
    private long prefillTokens;
    private long generatedTokens;
    private long steps;

    StepProcessor(Model model, ModelRunner runner, Scheduler scheduler) {
        this.model = model;
        this.runner = runner;
        this.scheduler = scheduler;
        this.vocab = model.config().vocab();
    }

    long prefillTokens() { return prefillTokens; }
    long generatedTokens() { return generatedTokens; }
    long stepCount() { return steps; }

    Set<String> activeUsers() {
        Set<String> users = new HashSet<>();
        for (Sequence s : owners.keySet()) users.add(s.user);
        return users;
    }

    void register(Sequence s, RequestState r, RequestState.Choice c) {
        owners.put(s, new Owner(r, c));
    }

    void step() {
        List<Scheduler.Chunk> plan = scheduler.schedule();
        if (plan.isEmpty()) {
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
            return;
        }
        int rows = plan.stream().mapToInt(Scheduler.Chunk::tokens).sum();
        int[] tokens = new int[rows], positions = new int[rows];
        BlockTable[] tables = new BlockTable[rows];
        boolean[] want = new boolean[rows];
        int i = 0;
        long now = System.nanoTime();
        for (Scheduler.Chunk c : plan) {
            Sequence s = c.sequence();
            for (int k = 0; k < c.tokens(); k++, i++) {
                int pos = s.computed() + k;
                tokens[i] = s.token(pos);
                positions[i] = pos;
                tables[i] = s.table;
            }
            want[i - 1] = s.computed() + c.tokens() == s.length();
            if (s.computed() < s.promptLength) prefillTokens += Math.min(c.tokens(), s.promptLength - s.computed());
            RequestState r = owners.get(s).request();
            if (r.startedNanos == 0) {
                r.startedNanos = now;
                safely(r, () -> r.listener.onStarted());
            }
        }
        float[] logits = runner.forward(new StepBatch(tokens, positions, tables, want));
        steps++;
        scheduler.afterStep(plan);
        int row = 0;
        for (Scheduler.Chunk c : plan) {
            Sequence s = c.sequence();
            if (s.computed() != s.length()) continue;
            int off = row++ * vocab;
            Owner o = owners.get(s);
            if (o == null || o.choice().done()) continue;
            RequestState r = o.request();
            if (r.request.n() > 1 && !r.forked) fork(r, s, logits, off);
            sample(r, o.choice(), logits, off);
        }
    }


    private void fork(RequestState r, Sequence parent, float[] logits, int off) {
        r.forked = true;
        float[] row = Arrays.copyOfRange(logits, off, off + vocab);
        for (int i = 1; i < r.choices.length; i++) {
            Sequence child = new Sequence(parent.id * 1000 + i, parent.user, parent.fairnessGroup, parent.weight,
                    parent.arrivalNanos, r.prompt);
            scheduler.fork(parent, child);
            var choice = new RequestState.Choice(i, child, new SequenceState(r.seed + i, r.prompt),
                    new TextStream(model.codec(), r.request.params().stop()));
            r.choices[i] = choice;
            register(child, r, choice);
            sample(r, choice, row.clone(), 0);
        }
    }

    private void sample(RequestState r, RequestState.Choice ch, float[] logits, int off) {
        SamplingParams p = r.request.params();
        Sequence s = ch.sequence;
        Set<Integer> eos = model.codec().eosIds();
        Sampler.process(logits, off, vocab, p, ch.sampling, eos);
        float[] logSoftmax = null;
        if (p.logprobs()) {
            logSoftmax = new float[vocab];
            Sampler.logSoftmax(logits, off, vocab, logSoftmax);
        }
        int token = Sampler.pick(logits, off, vocab, p, ch.sampling);
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
        if (eosHit || stopToken || ch.text.stopped()) finish = FinishReason.STOP;
        else if (s.generated() >= p.maxTokens() || s.length() >= model.config().maxPositions()) finish = FinishReason.LENGTH;
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
            scheduler.remove(ch.sequence);
            owners.remove(ch.sequence);
        }
        if (r.request.n() > 1 && !r.forked && ch.index == 0) {
            // The request ends before its prompt was shared: the other choices end the same way.
            r.forked = true;
            for (int i = 1; i < r.choices.length; i++) {
                var placeholder = new RequestState.Choice(i, null, null, new TextStream(model.codec(), List.of()));
                placeholder.finish = reason;
                placeholder.error = error;
                r.choices[i] = placeholder;
            }
        }
        if (r.allDone()) complete(r);
    }

    void finishRequest(RequestState r, FinishReason reason, String error) {
        if (r.completed) return;
        if (r.choices[0] == null) {
            r.choices[0] = new RequestState.Choice(0, null, null, new TextStream(model.codec(), List.of()));
        }
        for (RequestState.Choice c : r.choices) if (c != null && !c.done()) finishChoice(r, c, reason, error);
    }

    void failRunning(Throwable t) {
        String msg = "Generation failed: " + t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
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
            int[] ids = c.sequence == null ? new int[0]
                    : Arrays.copyOfRange(c.sequence.tokens(), c.sequence.promptLength, c.sequence.length());
            completion += ids.length;
            results.add(new ChoiceResult(c.index, c.text.text(), ids, c.finish, c.error, List.copyOf(c.logprobs)));
        }
        long end = System.nanoTime() - r.submittedNanos;
        Sequence first = r.choices[0].sequence;
        Usage usage = new Usage(r.prompt.length, completion, first == null ? 0 : first.cachedTokens());
        long queued = r.startedNanos == 0 ? end : r.startedNanos - r.submittedNanos;
        Timings timings = new Timings(queued, r.firstTokenNanos, end, r.tokenTimes.stream().mapToLong(Long::longValue).toArray());
        GenerationResult result = new GenerationResult(r.id, List.copyOf(results), usage, timings);
        try {
            r.listener.onComplete(result);
        } catch (Throwable ignored) {
            // the result future still completes
        }
        r.future.complete(result);
    }
}
