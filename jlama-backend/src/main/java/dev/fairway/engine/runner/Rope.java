package dev.fairway.engine.runner;

import dev.fairway.engine.model.ModelConfig;

/** Rotary position embedding in the Hugging Face "rotate_half" layout, with Llama 3 frequency scaling. */
final class Rope {
    private final int headDim;
    private final double[] invFreq;

    Rope(ModelConfig c) {
        headDim = c.headDim();
        invFreq = new double[headDim / 2];
        for (int i = 0; i < invFreq.length; i++) {
            invFreq[i] = 1.0 / Math.pow(c.ropeTheta(), 2.0 * i / headDim);
        }
        ModelConfig.RopeScaling s = c.ropeScaling();
        if (s != null) {
            double lowWavelen = s.originalMaxPositions() / s.lowFreqFactor();
            double highWavelen = s.originalMaxPositions() / s.highFreqFactor();
            for (int i = 0; i < invFreq.length; i++) {
                double wavelen = 2 * Math.PI / invFreq[i];
                if (wavelen > lowWavelen) {
                    invFreq[i] /= s.factor();
                } else if (wavelen >= highWavelen) {
                    double smooth = (s.originalMaxPositions() / wavelen - s.lowFreqFactor())
                            / (s.highFreqFactor() - s.lowFreqFactor());
                    invFreq[i] = (1 - smooth) * invFreq[i] / s.factor() + smooth * invFreq[i];
                }
            }
        }
    }

    /** cos/sin for one position: out[2*i] = cos, out[2*i+1] = sin. */
    void angles(int position, float[] out, int off) {
        for (int i = 0; i < invFreq.length; i++) {
            double a = position * invFreq[i];
            out[off + 2 * i] = (float) Math.cos(a);
            out[off + 2 * i + 1] = (float) Math.sin(a);
        }
    }

    /** Rotates {@code heads} consecutive head vectors starting at x[off]. */
    void apply(float[] x, int off, int heads, float[] cs, int csOff) {
        int half = headDim / 2;
        for (int h = 0; h < heads; h++) {
            int b = off + h * headDim;
            for (int i = 0; i < half; i++) {
                float cos = cs[csOff + 2 * i], sin = cs[csOff + 2 * i + 1];
                float x1 = x[b + i], x2 = x[b + i + half];
                x[b + i] = x1 * cos - x2 * sin;
                x[b + i + half] = x2 * cos + x1 * sin;
            }
        }
    }
}
