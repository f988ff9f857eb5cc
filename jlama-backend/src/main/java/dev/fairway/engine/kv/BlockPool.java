package dev.fairway.engine.kv;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;

/**
 * Ownership of the shared KV blocks: reference counts, a free list, and the prefix cache. A full block can be
 * registered under the hash of (its parent's hash, its tokens); when its last owner releases it, it stays cached
 * (evictable, least recently used first) so a later prompt with the same prefix reuses it instead of recomputing.
 */
public final class BlockPool {
    private final int[] refs;
    private final long[] hashOf;
    private final boolean[] hashed;
    private final ArrayDeque<Integer> free = new ArrayDeque<>();
    private final LinkedHashSet<Integer> evictable = new LinkedHashSet<>();
    private final Map<Long, Integer> byHash = new HashMap<>();
    private int used;

    public BlockPool(int numBlocks) {
        refs = new int[numBlocks];
        hashOf = new long[numBlocks];
        hashed = new boolean[numBlocks];
        for (int i = 0; i < numBlocks; i++) free.add(i);
    }

    public int total() {
        return refs.length;
    }

    /** Blocks owned by at least one sequence. */
    public int used() {
        return used;
    }

    /** Blocks a new allocation can take (free + cached-but-unowned). */
    public int available() {
        return free.size() + evictable.size();
    }

    /** Unowned blocks still holding a cached prefix. */
    public int cached() {
        return evictable.size();
    }

    /** Takes a block (evicting the least recently used cached one if needed), ref = 1; -1 when none is left. */
    public int allocate() {
        Integer b = free.poll();
        if (b == null) {
            var it = evictable.iterator();
            if (!it.hasNext()) return -1;
            b = it.next();
            it.remove();
            unhash(b);
        }
        refs[b] = 1;
        used++;
        return b;
    }

    public void retain(int b) {
        if (refs[b]++ == 0) {
            evictable.remove(b);
            used++;
        }
    }

    public void release(int b) {
        if (refs[b] <= 0) throw new IllegalStateException("block " + b + " released more than retained");
        if (--refs[b] == 0) {
            used--;
            if (hashed[b]) evictable.add(b);
            else free.add(b);
        }
    }

    public int refCount(int b) {
        return refs[b];
    }

    /** The cached block with this content hash, retained for the caller; -1 if none. */
    public int lookup(long hash) {
        Integer b = byHash.get(hash);
        if (b == null) return -1;
        retain(b);
        return b;
    }

    /** Publishes a full, immutable block under its content hash (first writer wins). */
    public void register(int b, long hash) {
        if (hashed[b] || byHash.containsKey(hash)) return;
        hashed[b] = true;
        hashOf[b] = hash;
        byHash.put(hash, b);
    }

    private void unhash(int b) {
        if (hashed[b]) {
            byHash.remove(hashOf[b]);
            hashed[b] = false;
        }
    }

    /** Chained content hash of a full block: its tokens and everything before it. */
    public static long hash(long parent, int[] tokens, int from, int to) {
        long h = parent * 0x9E3779B97F4A7C15L + 0x632BE59BD9B4E019L;
        for (int i = from; i < to; i++) {
            h ^= tokens[i] + 0x9E3779B97F4A7C15L + (h << 6) + (h >>> 2);
            h *= 0xBF58476D1CE4E5B9L;
        }
        return h ^ (h >>> 31);
    }

    /** For tests: true when no sequence owns any block. */
    public boolean allReleased() {
        return used == 0 && Arrays.stream(refs).allMatch(r -> r == 0);
    }
}
