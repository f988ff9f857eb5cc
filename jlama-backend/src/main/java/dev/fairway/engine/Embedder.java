package dev.fairway.engine;

import dev.fairway.engine.kv.BlockTable;
import dev.fairway.engine.kv.KvCacheManager;
import dev.fairway.engine.runner.ModelRunner;
import dev.fairway.engine.runner.StepBatch;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Embedding jobs, run on the engine thread, one pass between two generation steps: each pass takes up to a step's
 * budget of rows from the inputs (several inputs per pass, a long one over several passes, like prefill chunks),
 * through the same runner, KV cache and compute gate as generation, so it never races a step. Blocks are borrowed
 * from the KV pool for the inputs being run and returned as soon as each is pooled; a job that finds the pool full
 * waits for a later pass. Embedding passes are not charged to anyone's share in the fair scheduler.
 */
final class Embedder {
    /** One request: its inputs' token ids, their vectors once done. */
    static final class Job {
        final List<int[]> inputs;
        final Pooling pooling;
        final CompletableFuture<float[][]> result = new CompletableFuture<>();
        final float[][] vectors;
        /** The inputs being run, holding KV blocks. */
        final List<Open> open = new ArrayList<>();
        /** The next input not yet started. */
        int next;

        Job(List<int[]> inputs, Pooling pooling) {
            this.inputs = inputs;
            this.pooling = pooling;
            this.vectors = new float[inputs.size()][];
        }

        boolean done() {
            return next == inputs.size() && open.isEmpty();
        }
    }

    /** An input being run: its blocks and the first position not yet computed. */
    private record Open(int index, BlockTable table, int[] done) {}

    private final ModelRunner runner;
    private final KvCacheManager kv;
    private final ComputeGate gate;
    private final int budget, hidden;
    private final ArrayDeque<Job> jobs = new ArrayDeque<>();

    Embedder(ModelRunner runner, KvCacheManager kv, ComputeGate gate, int budget, int hidden) {
        this.runner = runner;
        this.kv = kv;
        this.gate = gate;
        this.budget = Math.max(1, budget);
        this.hidden = hidden;
    }

    void add(Job job) {
        jobs.add(job);
    }

    boolean isIdle() {
        return jobs.isEmpty();
    }

    /**
     * One pass of the oldest job (at most a step's budget of rows), so that generation steps and embedding passes
     * alternate and a large job never holds the streams up for long. A job whose next input finds no KV room waits
     * for a later call; with {@code nothingElseRunning} it can never get the room, and fails.
     */
    void advance(boolean nothingElseRunning) {
        Job job = jobs.peek();
        if (job == null) return;
        try {
            while (job.next < job.inputs.size() && pendingRows(job) < budget) {
                int[] ids = job.inputs.get(job.next);
                BlockTable table = new BlockTable();
                if (!kv.reserve(table, ids.length)) break;
                job.open.add(new Open(job.next++, table, new int[1]));
            }
            if (job.open.isEmpty()) {
                if (nothingElseRunning)
                    throw new InvalidRequestException(
                            "An input is longer than the KV cache of this server can hold", "input");
                return;
            }
            pass(job, job.open);
            if (job.done()) {
                jobs.poll();
                job.result.complete(job.vectors);
            }
        } catch (RuntimeException e) {
            for (Open o : job.open) kv.free(o.table);
            job.open.clear();
            jobs.poll();
            job.result.completeExceptionally(e);
        }
    }

    void failAll(RuntimeException why) {
        for (Job j : jobs) {
            for (Open o : j.open) kv.free(o.table);
            j.open.clear();
            j.result.completeExceptionally(why);
        }
        jobs.clear();
    }

    private static int pendingRows(Job job) {
        int rows = 0;
        for (Open o : job.open) rows += job.inputs.get(o.index).length - o.done[0];
        return rows;
    }

    /** One forward pass over up to a budget of rows of the open inputs; finished inputs are pooled and closed. */
    private void pass(Job job, List<Open> open) {
        List<int[]> chunks = new ArrayList<>(); // {open index, start, end}
        int rows = 0;
        for (int k = 0; k < open.size() && rows < budget; k++) {
            Open o = open.get(k);
            int len = job.inputs.get(o.index).length;
            int end = Math.min(len, o.done[0] + (budget - rows));
            chunks.add(new int[] {k, o.done[0], end});
            rows += end - o.done[0];
        }
        int[] tokens = new int[rows], positions = new int[rows];
        BlockTable[] tables = new BlockTable[rows];
        int r = 0;
        for (int[] c : chunks) {
            Open o = open.get(c[0]);
            int[] ids = job.inputs.get(o.index);
            for (int p = c[1]; p < c[2]; p++, r++) {
                tokens[r] = ids[p];
                positions[r] = p;
                tables[r] = o.table;
            }
        }
        StepBatch batch = new StepBatch(tokens, positions, tables, new boolean[rows]);
        float[] states = gate.run(() -> runner.hiddenStates(batch));
        r = 0;
        List<Open> finished = new ArrayList<>();
        for (int[] c : chunks) {
            Open o = open.get(c[0]);
            int len = job.inputs.get(o.index).length;
            float[] acc = job.vectors[o.index];
            if (acc == null) acc = job.vectors[o.index] = new float[hidden];
            if (job.pooling == Pooling.MEAN) {
                for (int p = c[1]; p < c[2]; p++, r++) {
                    for (int i = 0; i < hidden; i++) acc[i] += states[r * hidden + i];
                }
            } else {
                r += c[2] - c[1];
                if (c[2] == len) System.arraycopy(states, (r - 1) * hidden, acc, 0, hidden);
            }
            o.done[0] = c[2];
            if (c[2] == len) {
                normalize(acc);
                finished.add(o);
            }
        }
        for (Open o : finished) {
            kv.free(o.table);
            open.remove(o);
        }
    }

    /** L2 to unit length (the mean's 1/n cancels out). */
    static void normalize(float[] v) {
        double ss = 0;
        for (float f : v) ss += (double) f * f;
        if (ss == 0) return;
        float inv = (float) (1 / Math.sqrt(ss));
        for (int i = 0; i < v.length; i++) v[i] *= inv;
    }
}
