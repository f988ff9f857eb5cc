package dev.fairway.engine.kv;

/**
 * Block bookkeeping per sequence, on top of the {@link BlockPool}: prefix reuse at admission, growth as tokens are
 * computed, copy-on-write for shared partial blocks (n > 1), publication of full blocks to the prefix cache, release.
 */
public final class KvCacheManager {
    private final BlockPool pool;
    private final PagedKvCache cache;
    private final int blockSize;
    private final boolean prefixCaching;
    private long prefixHitTokens;

    public KvCacheManager(BlockPool pool, PagedKvCache cache, boolean prefixCaching) {
        this.pool = pool;
        this.cache = cache;
        this.blockSize = cache.blockSize();
        this.prefixCaching = prefixCaching;
    }

    public BlockPool pool() {
        return pool;
    }

    public int blockSize() {
        return blockSize;
    }

    public long prefixHitTokens() {
        return prefixHitTokens;
    }

    /** Takes back hits of an attach that was undone (admission found no room), so each admission counts once. */
    public void uncountHits(int tokens) {
        prefixHitTokens -= tokens;
    }

    /** Blocks needed to hold {@code tokens} positions. */
    public int blocksFor(int tokens) {
        return (tokens + blockSize - 1) / blockSize;
    }

    /**
     * Attaches cached blocks matching the start of {@code tokens[0, length)} to an empty table, leaving at least one
     * token to compute (its logits are needed). Returns the number of positions now cached.
     */
    public int attachCachedPrefix(BlockTable table, int[] tokens, int length, long[] chainOut) {
        long chain = 0;
        int hit = 0;
        if (prefixCaching) {
            for (int b = 0; (b + 1) * blockSize <= length - 1; b++) {
                long h = BlockPool.hash(chain, tokens, b * blockSize, (b + 1) * blockSize);
                int block = pool.lookup(h);
                if (block < 0) break;
                table.add(block);
                chain = h;
                hit = (b + 1) * blockSize;
            }
        }
        prefixHitTokens += hit;
        chainOut[0] = chain;
        return hit;
    }

    /** Grows the table to cover positions [0, upTo); false (with nothing allocated) when the pool is short. */
    public boolean reserve(BlockTable table, int upTo) {
        int need = blocksFor(upTo) - table.size();
        if (need <= 0) return true;
        if (pool.available() < need) return false;
        for (int i = 0; i < need; i++) table.add(pool.allocate());
        return true;
    }

    /** Before writing position p: if its block is shared, give this table a private copy. */
    public boolean makeWritable(BlockTable table, int position) {
        int idx = position / blockSize;
        int b = table.get(idx);
        if (pool.refCount(b) <= 1) return true;
        int copy = pool.allocate();
        if (copy < 0) return false;
        cache.copyBlock(b, copy);
        table.set(idx, copy);
        pool.release(b);
        return true;
    }

    /** Publishes blocks that became full; returns the new number of hashed blocks and updates the chain. */
    public int publishFullBlocks(BlockTable table, int[] tokens, int computed, int hashedBlocks, long[] chain) {
        if (!prefixCaching) return hashedBlocks;
        while ((hashedBlocks + 1) * blockSize <= computed) {
            long h = BlockPool.hash(chain[0], tokens, hashedBlocks * blockSize, (hashedBlocks + 1) * blockSize);
            pool.register(table.get(hashedBlocks), h);
            chain[0] = h;
            hashedBlocks++;
        }
        return hashedBlocks;
    }

    /** Makes an empty {@code target} share every block of {@code source} (the child of an n > 1 fork). */
    public void share(BlockTable source, BlockTable target) {
        for (int i = 0; i < source.size(); i++) {
            pool.retain(source.get(i));
            target.add(source.get(i));
        }
    }

    public void free(BlockTable table) {
        for (int i = 0; i < table.size(); i++) pool.release(table.get(i));
        table.clear();
    }
}
