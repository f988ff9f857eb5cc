package dev.fairway.engine;

import dev.fairway.engine.gguf.GgufModel;
import dev.fairway.engine.gguf.OllamaStore;
import dev.fairway.engine.grammar.Grammar;
import dev.fairway.engine.grammar.SchemaException;
import dev.fairway.engine.kernels.VectorApi;
import dev.fairway.engine.kv.BlockPool;
import dev.fairway.engine.kv.BlockTable;
import dev.fairway.engine.kv.KvCacheManager;
import dev.fairway.engine.kv.PagedKvCache;
import dev.fairway.engine.model.Model;
import dev.fairway.engine.model.UnsupportedModelException;
import dev.fairway.engine.runner.ModelRunner;
import dev.fairway.engine.runner.StepBatch;
import dev.fairway.engine.sampling.SequenceState;
import dev.fairway.engine.scheduler.FairnessPolicy;
import dev.fairway.engine.scheduler.FcfsPolicy;
import dev.fairway.engine.scheduler.Scheduler;
import dev.fairway.engine.scheduler.Sequence;
import dev.fairway.engine.scheduler.StepCostModel;
import dev.fairway.engine.scheduler.StepPlan;
import dev.fairway.engine.scheduler.VirtualTokenCounter;
import dev.fairway.engine.text.TextStream;
import dev.fairway.engine.tools.ToolFormat;
import dev.fairway.engine.tools.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The serving engine: one model instance, one shared paged KV cache, one scheduler, one step loop that batches
 * every running sequence through a single forward pass. Thread-safe; listeners run on the engine thread.
 * All scheduler and sequence state is touched only by that thread; other threads talk to it through the inbox.
 * A step: the scheduler plans it ({@link StepPlan}), the runner runs it, the scheduler advances the sequences, the
 * output processor samples, streams and finishes.
 */
public final class Engine implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Engine.class);

    private final Model model;
    private final EngineConfig config;
    private final KvCacheManager kv;
    private final ModelRunner runner;
    private final Scheduler scheduler;
    private final OutputProcessor outputs;
    private final ComputeGate gate;
    private final Embedder embedder;
    private final Pooling pooling;
    private final LinkedBlockingQueue<Runnable> inbox = new LinkedBlockingQueue<>();
    private final Thread loop;
    private final AtomicLong ids = new AtomicLong();
    private final AtomicLong queued = new AtomicLong();
    private volatile boolean closed;
    private volatile EngineStats stats;
    /**
     * Sequences in the scheduler's queue at the end of the last step or admission (the inbox is counted by
     * {@code queued}).
     */
    private volatile int schedulerWaiting;
    /** Engine-thread counters for the stats. */
    private long steps, prefillTokens;

    private Engine(Model model, EngineConfig config, ComputeGate gate, Pooling pooling) {
        this.model = model;
        this.pooling = pooling;
        this.config = config;
        this.gate = gate;
        int blockSize = config.blockSize();
        int blocks = config.kvCacheTokens() > 0
                ? (config.kvCacheTokens() + blockSize - 1) / blockSize
                : PagedKvCache.blocksForMegabytes(model.config(), config.kvCacheMb(), blockSize);
        PagedKvCache cache = new PagedKvCache(model.config(), blocks, blockSize);
        this.kv = new KvCacheManager(new BlockPool(blocks), cache, config.prefixCaching());
        this.runner = new ModelRunner(model, cache, config.threads(), config.maxBatchTokens());
        FairnessPolicy policy = config.policy() == EngineConfig.SchedulingPolicy.FCFS
                ? new FcfsPolicy(config.prefillTokenWeight())
                : new VirtualTokenCounter(config.prefillTokenWeight());
        StepCostModel cost = StepCostModel.of(model.config());
        this.scheduler = new Scheduler(kv, policy, cost, config.maxBatchTokens(), config.maxRunningSequences());
        this.outputs = new OutputProcessor(model, scheduler);
        this.embedder = new Embedder(
                runner, kv, gate, config.maxBatchTokens(), model.config().hidden());
        this.stats = snapshot();
        // below normal priority, like the forward workers: see WorkerPool
        this.loop = Thread.ofPlatform()
                .daemon()
                .priority(Thread.MIN_PRIORITY)
                .name("fairway-engine")
                .start(this::run);
        log.info(
                "Engine ready: {} ({}), KV {} blocks x {} tokens, step budget {} (a row at position p costs 1 + p/{}), "
                        + "{} threads, {} scheduling",
                model.name(),
                model.weightType(),
                blocks,
                blockSize,
                config.maxBatchTokens(),
                Math.round(cost.positionsPerUnit()),
                config.threads(),
                config.policy());
    }

    /** Loads the model named by {@code config.model()} (folder or Hugging Face id) and starts the step loop. */
    public static Engine open(EngineConfig config) {
        return open(config, ComputeGate.NONE);
    }

    /** As {@link #open(EngineConfig)}, its forward passes taken in turn with the other engines of {@code gate}. */
    public static Engine open(EngineConfig config, ComputeGate gate) {
        if (config.model() == null || config.model().isBlank()) throw new IllegalArgumentException("No model given");
        VectorApi.require(); // before a download, not after it
        Model m;
        Path source;
        try {
            source = ModelSource.resolve(config.model(), config.modelCacheDir());
            m = GgufModel.isGguf(source) && Files.isRegularFile(source)
                    ? GgufModel.load(
                            source,
                            config.weightType(),
                            config.model().startsWith(OllamaStore.PREFIX) ? config.model() : null)
                    : Model.load(source, config.weightType());
        } catch (UnsupportedModelException e) {
            throw new InvalidRequestException(e.getMessage(), "model");
        }
        return new Engine(m, config, gate, Files.isDirectory(source) ? Pooling.declaredBy(source) : Pooling.MEAN);
    }

    /** Starts an engine over an already loaded model (tests, benchmarks, a provider sharing a model). */
    public static Engine create(Model model, EngineConfig config) {
        return new Engine(model, config, ComputeGate.NONE, Pooling.MEAN);
    }

    /** As {@link #create(Model, EngineConfig)}, sharing the cores through {@code gate}. */
    public static Engine create(Model model, EngineConfig config, ComputeGate gate) {
        return new Engine(model, config, gate, Pooling.MEAN);
    }

    public Model model() {
        return model;
    }

    /** Queues a request. Throws InvalidRequestException (incl. context length) or OverloadedException at once. */
    public GenerationHandle submit(GenerationRequest request, GenerationListener listener) {
        if (closed) throw new EngineException("Engine is shut down");
        request = withToolGrammar(request);
        RequestValidator.validate(request, model);
        int[] prompt = promptTokens(request.prompt());
        int maxTokens = request.params().maxTokens();
        int context = model.config().maxPositions();
        if (prompt.length == 0) throw new InvalidRequestException("The prompt is empty", "messages");
        if (prompt.length + maxTokens > context) {
            throw new ContextLengthExceededException(prompt.length, maxTokens, context);
        }
        if (kv.blocksFor(prompt.length + maxTokens) > kv.pool().total()) {
            throw new InvalidRequestException(
                    "prompt + max_tokens (" + (prompt.length + maxTokens)
                            + " tokens) exceeds the KV cache capacity of this server ("
                            + kv.pool().total() * kv.blockSize() + " tokens)",
                    "max_tokens");
        }
        if (queued.get() + schedulerWaiting >= config.maxWaitingRequests()) {
            throw new OverloadedException(
                    "The server is at capacity (" + config.maxWaitingRequests() + " requests waiting); retry shortly",
                    1);
        }
        Long seed = request.params().seed();
        RequestState r = new RequestState(
                this,
                "req-" + ids.incrementAndGet(),
                request,
                prompt,
                listener == null ? GenerationListener.NONE : listener,
                seed != null ? seed : ThreadLocalRandom.current().nextLong());
        queued.incrementAndGet();
        inbox.add(() -> admit(r));
        return r;
    }

    /** How this model writes tool calls (told by its chat template). */
    public ToolFormat toolFormat() {
        return ToolFormat.of(model.codec().chatTemplateSource());
    }

    /**
     * A chat whose tool_choice forces a call gets the grammar of this model's call format, so that its calls are always
     * well-formed and their arguments valid (unless the request brings a grammar of its own).
     */
    public GenerationRequest withToolGrammar(GenerationRequest request) {
        if (!(request.prompt() instanceof Prompt.Chat c)
                || !c.tools().offered()
                || !c.tools().choice().forcesCall()
                || request.params().grammar() != null) return request;
        Grammar g;
        try {
            g = toolFormat().grammar(c.tools());
        } catch (SchemaException e) {
            throw new InvalidRequestException(e.getMessage(), "tools");
        }
        return new GenerationRequest(
                request.userId(),
                request.fairnessGroup(),
                request.prompt(),
                request.params().toBuilder().grammar(g).build(),
                request.n(),
                request.userWeight());
    }

    /** Blocking convenience for tests and tools. */
    public GenerationResult generate(GenerationRequest request) {
        return submit(request, GenerationListener.NONE).result().join();
    }

    /**
     * Embeddings of these token-id inputs (each as {@link #promptTokens} makes them): the final hidden states after the
     * final norm, pooled as the model declares ({@link #pooling()}), L2-normalized; one vector per input, in order.
     * Run by the step loop between generation steps, batched like prefill. Throws InvalidRequestException at once
     * for an empty input, a token outside the vocabulary or an input longer than the context.
     */
    public java.util.concurrent.CompletableFuture<float[][]> embed(List<int[]> inputs) {
        if (closed) throw new EngineException("Engine is shut down");
        if (inputs.isEmpty()) throw new InvalidRequestException("No input to embed", "input");
        int context = model.config().maxPositions(), vocab = model.config().vocab();
        for (int[] ids : inputs) {
            if (ids.length == 0) throw new InvalidRequestException("An input is empty", "input");
            if (ids.length > context) {
                throw new InvalidRequestException(
                        "An input is " + ids.length + " tokens long; this model's maximum context length is " + context
                                + " tokens",
                        "input");
            }
            for (int id : ids) {
                if (id < 0 || id >= vocab)
                    throw new InvalidRequestException("Token id " + id + " is outside the vocabulary", "input");
            }
        }
        Embedder.Job job = new Embedder.Job(List.copyOf(inputs), pooling);
        inbox.add(() -> embedder.add(job));
        return job.result;
    }

    /** How {@link #embed} pools: what the model folder declares, mean otherwise. */
    public Pooling pooling() {
        return pooling;
    }

    void cancel(RequestState r) {
        inbox.add(() -> outputs.finishRequest(r, FinishReason.CANCELLED, null));
    }

    /** Bytes this engine holds: the weights plus the KV pool (the figure {@link ModelFootprint} estimates). */
    public long memoryBytes() {
        return model.weights().bytes()
                + (long) kv.pool().total() * PagedKvCache.bytesPerBlock(model.config(), kv.blockSize());
    }

    public ModelInfo modelInfo() {
        var c = model.config();
        long h = c.hidden(),
                perLayer = h * (c.qDim() + 2L * c.kvDim()) + (long) c.qDim() * h + 3L * h * c.intermediate() + 2 * h;
        long params = (long) c.vocab() * h * (c.tiedEmbeddings() ? 1 : 2) + c.layers() * perLayer + h;
        return new ModelInfo(
                model.name(),
                c.architecture(),
                c.maxPositions(),
                c.vocab(),
                model.codec().eosIds(),
                model.weightType(),
                params);
    }

    /** Token ids of plain text, without BOS. */
    public int[] encode(String text) {
        return model.codec().encode(text);
    }

    public String decode(int[] tokenIds) {
        for (int t : tokenIds) {
            if (t < 0 || t >= model.config().vocab())
                throw new InvalidRequestException("Token id " + t + " is outside the vocabulary", "tokens");
        }
        return model.codec().decode(tokenIds);
    }

    /** The prompt text the model's chat template makes of these messages (generation prompt appended). */
    public String renderChat(List<ChatMessage> messages) {
        return renderChat(messages, Tools.NONE);
    }

    /** As {@link #renderChat(List)}, with the tools offered (by the template, or the generic fallback). */
    public String renderChat(List<ChatMessage> messages, Tools tools) {
        if (messages.isEmpty()) throw new InvalidRequestException("messages must not be empty", "messages");
        return ChatRendering.render(model.codec(), messages, tools);
    }

    /** Prompt token ids exactly as submit() would feed them (BOS and template included). */
    public int[] promptTokens(Prompt prompt) {
        return switch (prompt) {
            case Prompt.Text t -> model.codec().promptTokens(t.text());
            case Prompt.Chat c -> model.codec().promptTokens(renderChat(c.messages(), c.tools()));
            case Prompt.Tokens t -> {
                for (int id : t.ids()) {
                    if (id < 0 || id >= model.config().vocab())
                        throw new InvalidRequestException("Token id " + id + " is outside the vocabulary", "prompt");
                }
                yield t.ids().clone();
            }
        };
    }

    public EngineStats stats() {
        return stats;
    }

    private void admit(RequestState r) {
        try {
            if (!r.completed) enqueue(r);
        } finally {
            // counted as waiting before it stops counting as queued: submit() never sees its slot free in between
            queued.decrementAndGet();
        }
    }

    private void enqueue(RequestState r) {
        Sequence s = new Sequence(
                ids.incrementAndGet(),
                r.request.userId(),
                r.request.fairnessGroup(),
                r.request.userWeight(),
                r.submittedNanos,
                r.prompt);
        var choice = new RequestState.Choice(
                0,
                s,
                new SequenceState(r.seed, r.prompt),
                new TextStream(model.codec(), r.request.params().stop()),
                r.newGrammar(model.codec()));
        r.choices[0] = choice;
        outputs.register(s, r, choice);
        scheduler.enqueue(s);
        schedulerWaiting = scheduler.waitingCount();
    }

    private void run() {
        while (!closed) {
            try {
                Runnable cmd = scheduler.isIdle() && embedder.isIdle() ? inbox.take() : inbox.poll();
                while (cmd != null) {
                    cmd.run();
                    cmd = inbox.poll();
                }
                if (!embedder.isIdle()) embedder.advance(scheduler.isIdle());
                if (!scheduler.isIdle()) step();
                stats = snapshot();
            } catch (InterruptedException e) {
                return;
            } catch (Throwable t) {
                log.error("Engine step failed", t);
                outputs.failRunning(t);
                stats = snapshot();
            }
        }
    }

    /** One step: plan it, run it as one batch, advance the planned sequences, then sample what came back. */
    private void step() {
        StepPlan plan = scheduler.schedule();
        if (plan.isEmpty()) {
            LockSupport.parkNanos(1_000_000);
            return;
        }
        prefillTokens += plan.promptTokens();
        outputs.started(plan);
        StepBatch batch = batch(plan);
        Map<String, Double> cost = gate == ComputeGate.NONE ? Map.of() : costByUser(plan);
        long[] forwardStart = new long[1];
        float[] logits = gate.run(cost, () -> {
            forwardStart[0] =
                    System.nanoTime(); // after the gate: time spent waiting for other models is not this step's
            return runner.forward(batch);
        });
        steps++;
        scheduler.afterStep(plan);
        outputs.apply(plan, logits);
        scheduler.stepTook(plan, System.nanoTime() - forwardStart[0]);
    }

    /** What the step serves each user, weighted as the scheduler charges it: the gate orders models' steps by it. */
    private Map<String, Double> costByUser(StepPlan plan) {
        Map<String, Double> cost = new HashMap<>();
        for (StepPlan.Chunk c : plan.chunks()) {
            double tokens = c.decode() ? c.tokens() : c.tokens() * config.prefillTokenWeight();
            cost.merge(c.sequence().user, tokens / c.sequence().weight, Double::sum);
        }
        return cost;
    }

    /** The runner's rows for a plan: every planned token at its position; logits where a chunk samples. */
    private static StepBatch batch(StepPlan plan) {
        int rows = plan.rows();
        int[] tokens = new int[rows], positions = new int[rows];
        BlockTable[] tables = new BlockTable[rows];
        boolean[] want = new boolean[rows];
        int i = 0;
        for (StepPlan.Chunk c : plan.chunks()) {
            Sequence s = c.sequence();
            for (int pos = c.start(); pos < c.end(); pos++, i++) {
                tokens[i] = s.token(pos);
                positions[i] = pos;
                tables[i] = s.table;
            }
            want[i - 1] = c.samples();
        }
        return new StepBatch(tokens, positions, tables, want);
    }

    private EngineStats snapshot() {
        BlockPool p = kv.pool();
        schedulerWaiting = scheduler.waitingCount();
        Map<String, Long> served = new HashMap<>();
        scheduler.policy().service().forEach((u, v) -> served.put(u, Math.round(v)));
        return new EngineStats(
                scheduler.waitingCount() + (int) queued.get(),
                scheduler.runningCount(),
                p.total(),
                p.used(),
                p.available(),
                p.cached(),
                kv.blockSize(),
                kv.prefixHitTokens(),
                prefillTokens,
                outputs.generatedTokens(),
                scheduler.preemptions(),
                steps,
                Map.copyOf(served),
                jain(outputs.activeUsers(), scheduler.policy().service()));
    }

    /** Jain's fairness index over the service of users that currently have work (1 = perfectly even). */
    static double jain(Set<String> users, Map<String, Double> service) {
        if (users.size() < 2) return 1.0;
        double sum = 0, sq = 0;
        for (String u : users) {
            double v = service.getOrDefault(u, 0.0);
            sum += v;
            sq += v * v;
        }
        return sq == 0 ? 1.0 : sum * sum / (users.size() * sq);
    }

    /** Cancels everything still running and stops the step loop. */
    @Override
    public void close() {
        if (closed) return;
        inbox.add(outputs::cancelAll);
        inbox.add(() -> embedder.failAll(new EngineException("Engine is shut down")));
        inbox.add(() -> closed = true);
        try {
            loop.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closed = true;
        runner.close();
    }
}
