package dev.fairway.engine.kernels;

/** A quantized weight whose int8 values are also stored in the panel layout {@link PanelGemm} streams. */
interface PanelSource extends WeightMatrix {
    Int8Panels panels();
}
