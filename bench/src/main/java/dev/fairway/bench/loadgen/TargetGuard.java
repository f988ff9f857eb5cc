package dev.fairway.bench.loadgen;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.stream.Collectors;

/** Refuses non-loopback targets unless explicitly allowed: a load generator must not hit someone else's server by accident. */
final class TargetGuard {
    private TargetGuard() {}

    /** Throws IllegalArgumentException with a readable message when the URL is unusable or remote and not allowed. */
    static void check(URI base, boolean allowRemote) {
        String scheme = base.getScheme();
        if (scheme == null || !(scheme.equals("http") || scheme.equals("https"))) {
            throw new IllegalArgumentException("--base-url must be an http:// or https:// URL, got '" + base + "'");
        }
        String host = base.getHost();
        if (host == null || host.isEmpty())
            throw new IllegalArgumentException("--base-url has no host: '" + base + "'");
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(host);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("cannot resolve host '" + host + "' of --base-url " + base);
        }
        if (allowRemote) return;
        InetAddress[] remote =
                Arrays.stream(addresses).filter(a -> !a.isLoopbackAddress()).toArray(InetAddress[]::new);
        if (remote.length > 0) {
            throw new IllegalArgumentException("refusing to load a non-loopback target: " + host + " resolves to "
                    + Arrays.stream(remote).map(InetAddress::getHostAddress).collect(Collectors.joining(", "))
                    + ". Pass --allow-remote if you own that server.");
        }
    }
}
