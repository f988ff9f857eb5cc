package dev.fairway.gateway;

/** One open-mode (loopback, no users, --metrics-per-user) gateway for every test class that needs nothing special; closed at JVM exit. */
public final class SharedGateway {
    private static Gateway gateway;

    private SharedGateway() {}

    public static synchronized Gateway get() {
        if (gateway == null) {
            // per-user series on: the dashboard and metrics tests check them (they are off by default)
            gateway = TestGateway.start(TestGateway.perUser(TestGateway.config(TestGateway.tempDb())));
            Gateway g = gateway;
            Runtime.getRuntime().addShutdownHook(new Thread(g::close));
        }
        return gateway;
    }
}
