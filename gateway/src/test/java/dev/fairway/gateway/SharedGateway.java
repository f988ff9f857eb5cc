package dev.fairway.gateway;

/** One open-mode (loopback, no users) gateway for every test class that needs nothing special; closed at JVM exit. */
public final class SharedGateway {
    private static Gateway gateway;

    private SharedGateway() {}

    public static synchronized Gateway get() {
        if (gateway == null) {
            gateway = TestGateway.start();
            Gateway g = gateway;
            Runtime.getRuntime().addShutdownHook(new Thread(g::close));
        }
        return gateway;
    }
}
