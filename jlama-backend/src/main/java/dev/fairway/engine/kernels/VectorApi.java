package dev.fairway.engine.kernels;

/**
 * The kernels, and jlama's weight loader before them, use the incubating Vector API (jdk.incubator.vector), which
 * the JVM resolves only when asked to. Without it the first weight read fails deep in jlama with
 * NoClassDefFoundError: jdk/incubator/vector/Vector; {@link #require()} says what to do instead.
 */
public final class VectorApi {
    /** The JVM flag that makes the Vector API available. */
    public static final String JVM_FLAG = "--add-modules jdk.incubator.vector";

    private VectorApi() {}

    public static boolean available() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    /** Throws IllegalStateException naming the JVM flag when the Vector API is not available. */
    public static void require() {
        if (!available()) {
            throw new IllegalStateException(
                    "Fairway's engine needs the JDK's Vector API (jdk.incubator.vector), which this "
                            + "JVM was not started with: add the JVM flag " + JVM_FLAG + " (java " + JVM_FLAG
                            + " ...; Maven: "
                            + "surefire <argLine>, exec:java MAVEN_OPTS or .mvn/jvm.config; Gradle: jvmArgs)");
        }
    }
}
