package dev.fairway.engine.kv;

import dev.fairway.engine.model.ModelConfig;

/**
 * The one key/value store every sequence shares: per layer, {@code numBlocks} blocks of {@code blockSize} token slots,
 * each slot holding kvHeads * headDim floats for K and for V. Which sequence owns which block is the
 * {@link BlockPool}'s business; this class only stores numbers. Values are stored a slot after another; keys are
 * stored transposed inside each block ([kvDim][blockSize]), so attention scores a whole block of positions with
 * vector FMAs and no horizontal sums.
 */
public final class PagedKvCache {
    private final int numBlocks;
    private final int blockSize;
    private final int kvDim;
    private final float[][] keys;
    private final float[][] values;

    public PagedKvCache(ModelConfig c, int numBlocks, int blockSize) {
        this.numBlocks = numBlocks;
        this.blockSize = blockSize;
        this.kvDim = c.kvDim();
        long perLayer = (long) numBlocks * blockSize * kvDim;
        if (perLayer > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("KV cache too large per layer");
        keys = new float[c.layers()][(int) perLayer];
        values = new float[c.layers()][(int) perLayer];
    }

    /** Number of blocks that fit in {@code megabytes} for this model. */
    public static int blocksForMegabytes(ModelConfig c, int megabytes, int blockSize) {
        return (int) Math.max(1, megabytes * 1024L * 1024L / bytesPerBlock(c, blockSize));
    }

    /** Keys and values of every layer for one block. */
    public static long bytesPerBlock(ModelConfig c, int blockSize) {
        return 2L * c.layers() * blockSize * c.kvDim() * Float.BYTES;
    }

    public int numBlocks() {
        return numBlocks;
    }

    public int blockSize() {
        return blockSize;
    }

    public int kvDim() {
        return kvDim;
    }

    public float[] keys(int layer) {
        return keys[layer];
    }

    public float[] values(int layer) {
        return values[layer];
    }

    /** Float offset of (position) in a sequence's table: start of its V vector in values(layer). */
    public int offset(BlockTable table, int position) {
        return (table.get(position / blockSize) * blockSize + position % blockSize) * kvDim;
    }

    /**
     * Float offset of block {@code index} of a table, in keys(layer) (element j of slot s at + j*blockSize + s) and in
     * values(layer) (at + s*kvDim + j).
     */
    public int blockOffset(BlockTable table, int index) {
        return table.get(index) * blockSize * kvDim;
    }

    /** Stores the kvDim-long key of (table, position) from src[srcOff..] in the transposed block layout. */
    public void putKey(int layer, BlockTable table, int position, float[] src, int srcOff) {
        float[] k = keys[layer];
        int at = blockOffset(table, position / blockSize) + position % blockSize;
        for (int j = 0; j < kvDim; j++) k[at + j * blockSize] = src[srcOff + j];
    }

    /** Copy-on-write support: duplicate a block's contents in every layer. */
    public void copyBlock(int src, int dst) {
        int len = blockSize * kvDim;
        for (int l = 0; l < keys.length; l++) {
            System.arraycopy(keys[l], src * len, keys[l], dst * len, len);
            System.arraycopy(values[l], src * len, values[l], dst * len, len);
        }
    }
}
