package dev.fairway.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Element-wise pieces of the forward pass, vectorized where they are hot. */
public final class VectorOps {
    private static final VectorSpecies<Float> F = VectorSupport.F;
    private static final int L = F.length();

    private VectorOps() {}

    /** out[outOff..] = x[xOff..] / rms(x) * weight, over len elements. */
    public static void rmsNorm(float[] x, int xOff, float[] weight, float eps, float[] out, int outOff, int len) {
        float ss = MatMul.dot(x, xOff, x, xOff, len);
        float inv = (float) (1.0 / Math.sqrt(ss / len + eps));
        int i = 0, bound = F.loopBound(len);
        for (; i < bound; i += L) {
            FloatVector.fromArray(F, x, xOff + i)
                    .mul(inv)
                    .mul(FloatVector.fromArray(F, weight, i))
                    .intoArray(out, outOff + i);
        }
        for (; i < len; i++) out[outOff + i] = x[xOff + i] * inv * weight[i];
    }

    /** acc[accOff + i] += add[addOff + i] for i < len. */
    public static void addInPlace(float[] acc, int accOff, float[] add, int addOff, int len) {
        int i = 0, bound = F.loopBound(len);
        for (; i < bound; i += L) {
            FloatVector.fromArray(F, acc, accOff + i)
                    .add(FloatVector.fromArray(F, add, addOff + i))
                    .intoArray(acc, accOff + i);
        }
        for (; i < len; i++) acc[accOff + i] += add[addOff + i];
    }

    /** out[outOff + i] = silu(g[gOff + i]) * u[uOff + i] for i < len. */
    public static void siluMul(float[] g, int gOff, float[] u, int uOff, float[] out, int outOff, int len) {
        int i = 0, bound = F.loopBound(len);
        for (; i < bound; i += L) {
            FloatVector gv = FloatVector.fromArray(F, g, gOff + i);
            FloatVector sig = gv.neg().lanewise(VectorOperators.EXP).add(1f);
            gv.div(sig).mul(FloatVector.fromArray(F, u, uOff + i)).intoArray(out, outOff + i);
        }
        for (; i < len; i++) {
            float gv = g[gOff + i];
            out[outOff + i] = gv / (1f + (float) Math.exp(-gv)) * u[uOff + i];
        }
    }

    /** acc[accOff..] += a * v[vOff..] over len. */
    public static void axpy(float a, float[] v, int vOff, float[] acc, int accOff, int len) {
        int i = 0, bound = F.loopBound(len);
        for (; i < bound; i += L) {
            FloatVector.fromArray(F, v, vOff + i)
                    .fma(FloatVector.broadcast(F, a), FloatVector.fromArray(F, acc, accOff + i))
                    .intoArray(acc, accOff + i);
        }
        for (; i < len; i++) acc[accOff + i] += a * v[vOff + i];
    }

    /** In-place softmax of x[off, off+len). */
    public static void softmax(float[] x, int off, int len) {
        float inv = 1f / expShifted(x, off, len);
        int i = 0, bound = F.loopBound(len);
        for (; i < bound; i += L) FloatVector.fromArray(F, x, off + i).mul(inv).intoArray(x, off + i);
        for (; i < len; i++) x[off + i] *= inv;
    }

    /** x[i] = exp(x[i] - max(x)) in place over [off, off+len); returns their sum (the softmax denominator). */
    public static float expShifted(float[] x, int off, int len) {
        int i = 0, bound = F.loopBound(len);
        FloatVector m = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        for (; i < bound; i += L) m = m.max(FloatVector.fromArray(F, x, off + i));
        float max = m.reduceLanes(VectorOperators.MAX);
        for (; i < len; i++) max = Math.max(max, x[off + i]);
        FloatVector sum = FloatVector.zero(F);
        for (i = 0; i < bound; i += L) {
            FloatVector e = FloatVector.fromArray(F, x, off + i).sub(max).lanewise(VectorOperators.EXP);
            e.intoArray(x, off + i);
            sum = sum.add(e);
        }
        float total = sum.reduceLanes(VectorOperators.ADD);
        for (; i < len; i++) {
            x[off + i] = (float) Math.exp(x[off + i] - max);
            total += x[off + i];
        }
        return total;
    }

    public static float dot(float[] a, int aOff, float[] b, int bOff, int len) {
        return MatMul.dot(a, aOff, b, bOff, len);
    }
}
