package dev.fairway.engine.kernels;

/** A quantized weight whose values are also stored in the panel layout {@link PanelGemm} streams. */
interface PanelSource extends WeightMatrix {
    QuantPanels panels();
}
