package dev.fairway.engine.scheduler;

import java.util.List;

/**
 * One engine step as the scheduler planned it, before anything runs (vLLM's SchedulerOutput): the chunks of rows to
 * run, in the order they were picked (the order of the batch's rows and of the logits that come back), and the
 * sequences preempted to make room. The engine runs the chunks as one forward pass, {@link Scheduler#afterStep} then
 * advances every planned sequence, and the chunks that {@link Chunk#samples() reach their sequence's end} are sampled.
 */
public record StepPlan(List<Chunk> chunks, List<Sequence> preempted) {
    public static final StepPlan EMPTY = new StepPlan(List.of(), List.of());

    public StepPlan {
        chunks = List.copyOf(chunks);
        preempted = List.copyOf(preempted);
    }

    /**
     * Rows for positions {@code [start, start + tokens)} of one sequence. {@code decode}: the single token sampled in
     * the sequence's last step, fed for the first time; otherwise a prefill chunk (of the prompt, or a recompute after
     * a preemption). {@code samples}: the chunk reaches the sequence's last token, so the logits of its last row give
     * the next token.
     */
    public record Chunk(Sequence sequence, int start, int tokens, boolean decode, boolean samples) {
        public Chunk {
            if (tokens < 1 || start < 0 || start + tokens > sequence.length()) {
                throw new IllegalArgumentException("chunk [" + start + ", " + (start + tokens) + ") of a sequence of "
                        + sequence.length() + " tokens");
            }
            if (decode && tokens != 1) throw new IllegalArgumentException("a decode chunk is one row: " + tokens);
        }

        /** Plans the next {@code tokens} rows of {@code s} from its computed position. */
        static Chunk next(Sequence s, int tokens) {
            return new Chunk(s, s.computed(), tokens, s.isDecoding(), s.computed() + tokens == s.length());
        }

        public int end() {
            return start + tokens;
        }
    }

    public boolean isEmpty() {
        return chunks.isEmpty();
    }

    /** Rows of the batch: one per planned token. */
    public int rows() {
        int n = 0;
        for (Chunk c : chunks) n += c.tokens();
        return n;
    }

    /** The chunks that feed one freshly sampled token each. */
    public List<Chunk> decodes() {
        return chunks.stream().filter(Chunk::decode).toList();
    }

    /** The chunks of prompts (or of recomputes after a preemption). */
    public List<Chunk> prefills() {
        return chunks.stream().filter(c -> !c.decode()).toList();
    }

    /** Prompt positions this step computes (again, after a preemption); generated tokens recomputed are not counted. */
    public int promptTokens() {
        int n = 0;
        for (Chunk c : chunks) {
            int promptLength = c.sequence().promptLength;
            if (c.start() < promptLength) n += Math.min(c.tokens(), promptLength - c.start());
        }
        return n;
    }
}
