package dev.fairway.engine.kv;

import java.util.Arrays;

/** A sequence's logical-to-physical block map: position p lives in block get(p / blockSize), slot p % blockSize. */
public final class BlockTable {
    private int[] blocks = new int[8];
    private int size;

    public void add(int physicalBlock) {
        if (size == blocks.length) blocks = Arrays.copyOf(blocks, size * 2);
        blocks[size++] = physicalBlock;
    }

    public int get(int i) {
        return blocks[i];
    }

    public void set(int i, int physicalBlock) {
        blocks[i] = physicalBlock;
    }

    public int size() {
        return size;
    }

    public int[] toArray() {
        return Arrays.copyOf(blocks, size);
    }

    public void clear() {
        size = 0;
    }
}
