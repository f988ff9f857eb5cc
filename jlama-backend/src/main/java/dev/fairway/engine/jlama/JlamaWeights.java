package dev.fairway.engine.jlama;

import com.github.tjake.jlama.safetensors.SafeTensorSupport;
import com.github.tjake.jlama.safetensors.WeightLoader;
import com.github.tjake.jlama.tensor.AbstractTensor;
import com.github.tjake.jlama.tensor.FloatBufferTensor;
import com.github.tjake.jlama.tensor.Q4ByteBufferTensor;
import com.github.tjake.jlama.tensor.Q8ByteBufferTensor;
import dev.fairway.engine.kernels.F32Matrix;
import dev.fairway.engine.kernels.Q4Matrix;
import dev.fairway.engine.kernels.Q8Matrix;
import dev.fairway.engine.kernels.WeightMatrix;
import java.io.File;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;

/**
 * The tensors of a model folder through jlama's loader (F32/BF16/F16 safetensors, sharded, jlama Q4/Q8 folders), as
 * our matrices in their stored type: jlama's Q4 and Q8 blocks are our layouts, anything else becomes F32.
 */
public final class JlamaWeights implements AutoCloseable {
    private final WeightLoader loader;

    public JlamaWeights(File folder) {
        this.loader = SafeTensorSupport.loadWeights(folder);
    }

    public boolean has(String name) {
        return loader.isWeightPresent(name);
    }

    /** A 1-D tensor (norms, biases) as floats. */
    public float[] vector(String name) {
        return floats(loader.load(name));
    }

    /** A [rows x cols] matrix as stored: Q4, Q8, or F32 for every float type. */
    public WeightMatrix matrix(String name, int rows, int cols) {
        AbstractTensor t = loader.load(name);
        if (t.size() != (long) rows * cols) {
            throw new IllegalStateException(name + " has " + t.size() + " elements, expected " + rows + "x" + cols);
        }
        if (t instanceof Q4ByteBufferTensor q) {
            return new Q4Matrix(rows, cols, bytes(q, rows * cols / 2), floats(q.getBlockF()));
        }
        if (t instanceof Q8ByteBufferTensor q) {
            return new Q8Matrix(rows, cols, bytes(q, rows * cols), floats(q.getBlockF()));
        }
        return new F32Matrix(rows, cols, floats(t));
    }

    private static float[] floats(AbstractTensor t) {
        FloatBufferTensor f = t instanceof FloatBufferTensor fb ? fb : new FloatBufferTensor(t);
        float[] out = new float[Math.toIntExact(f.size())];
        ((FloatBuffer) buffer(f)).duplicate().rewind().get(out);
        return out;
    }

    private static byte[] bytes(AbstractTensor t, int n) {
        byte[] out = new byte[n];
        ((ByteBuffer) buffer(t)).duplicate().rewind().get(out);
        return out;
    }

    /** jlama keeps tensor storage in a field "b"; reading it whole beats per-element get() by orders of magnitude. */
    private static Buffer buffer(AbstractTensor t) {
        try {
            var field = t.getClass().getDeclaredField("b");
            field.setAccessible(true);
            return (Buffer) field.get(t);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(
                    "Unsupported jlama tensor " + t.getClass().getName(), e);
        }
    }

    @Override
    public void close() throws Exception {
        loader.close();
    }
}
