package dev.fairway.engine.model;

import dev.fairway.engine.kernels.WeightMatrix;

/** All weights of a decoder: embeddings (looked up in F32), layers, final norm and LM head. */
public record ModelWeights(WeightMatrix embeddings, LayerWeights[] layers, float[] finalNorm, WeightMatrix lmHead) {
    public long bytes() {
        long b = embeddings.bytes() + lmHead.bytes();
        for (LayerWeights l : layers)
            b += l.qkv().bytes() + l.o().bytes() + l.gateUp().bytes() + l.down().bytes();
        return b;
    }
}
