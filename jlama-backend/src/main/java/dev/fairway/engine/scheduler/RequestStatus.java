package dev.fairway.engine.scheduler;

/**
 * Where a sequence is in its life (vLLM's RequestStatus). The scheduler moves it: WAITING until admitted, RUNNING while
 * it holds KV blocks and gets rows, PREEMPTED when its blocks were taken back (waiting again, to be recomputed), and one
 * of the finished states once the engine is done with it (it then holds no blocks and is in no queue).
 */
public enum RequestStatus {
    WAITING,
    RUNNING,
    PREEMPTED,
    /** A stop: end of sequence, a stop token or a stop string. */
    FINISHED_STOPPED,
    /** max_tokens or the model's context reached. */
    FINISHED_LENGTH_CAPPED,
    /** Cancelled: by the client, a failing listener or shutdown. */
    FINISHED_ABORTED,
    /** The step it was in failed. */
    FINISHED_ERROR;

    public boolean isFinished() {
        return ordinal() >= FINISHED_STOPPED.ordinal();
    }

    /** In the waiting queue: never admitted, or preempted. */
    public boolean isWaiting() {
        return this == WAITING || this == PREEMPTED;
    }
}
