package dev.fairway.engine.model;

import dev.fairway.engine.kernels.WeightMatrix;

/**
 * One decoder layer. q, k and v are fused row-wise into {@code qkv} (and gate/up into {@code gateUp}) so one batched
 * product (one pass over the activations, one parallel dispatch) serves all of them. {@code qkvBias} (qwen2) and
 * {@code qNorm}/{@code kNorm} (qwen3: one RMSNorm weight of headDim shared by every head) are null when absent.
 */
public record LayerWeights(
        float[] attnNorm,
        WeightMatrix qkv,
        float[] qkvBias,
        float[] qNorm,
        float[] kNorm,
        WeightMatrix o,
        float[] mlpNorm,
        WeightMatrix gateUp,
        WeightMatrix down) {}
