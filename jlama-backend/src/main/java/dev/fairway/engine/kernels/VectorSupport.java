package dev.fairway.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/** The vector species every kernel uses: the widest float vector this CPU runs natively. */
final class VectorSupport {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Bytes with as many lanes as F, for int8 -> float conversion. */
    static final VectorSpecies<Byte> B_FOR_F = VectorSpecies.of(byte.class, VectorShape.forBitSize(F.length() * 8));
    /** Ints with as many lanes as F. */
    static final VectorSpecies<Integer> I_FOR_F = VectorSpecies.of(int.class, F.vectorShape());

    private VectorSupport() {}
}
