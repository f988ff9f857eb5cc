package dev.fairway.engine.model;

import dev.fairway.engine.kernels.WeightMatrix;

/**
 * One decoder layer. q, k and v are fused row-wise into {@code qkv} (and gate/up into {@code gateUp}) so one batched
 * product (one pass over the activations, one parallel dispatch) serves all of them.
 */
public record LayerWeights(
        float[] attnNorm,
        WeightMatrix qkv,
        float[] qkvBias,
        WeightMatrix o,
        float[] mlpNorm,
        WeightMatrix gateUp,
        WeightMatrix down) {}
