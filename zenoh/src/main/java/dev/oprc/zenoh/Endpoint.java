package dev.oprc.zenoh;

/**
 * A parsed {@code tcp/host:port} or {@code tls/host:port} locator. Both are stream links with the
 * same framing (a 2-byte little-endian length per batch); {@code tls} runs it inside TLS
 * ({@link TlsConfig}). Package-private immutable value.
 */
record Endpoint(String host, int port, boolean tls) {
    /** A {@code tcp} endpoint. */
    Endpoint(String host, int port) {
        this(host, port, false);
    }

    static Endpoint parse(String s) {
        boolean tls = s != null && s.startsWith("tls/");
        if (s == null || !(tls || s.startsWith("tcp/"))) {
            throw new ZenohException("endpoint '" + s + "' is not supported: only tcp/<host>:<port> and"
                    + " tls/<host>:<port> endpoints are");
        }
        String rest = s.substring(4);
        int q = indexOfAny(rest, '?', '#');
        if (q >= 0) {
            rest = rest.substring(0, q);
        }
        int colon = rest.lastIndexOf(':');
        if (colon <= 0 || colon == rest.length() - 1) {
            throw new ZenohException("endpoint '" + s + "' must be " + s.substring(0, 3) + "/<host>:<port>");
        }
        String host = rest.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(rest.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new ZenohException("endpoint '" + s + "' has a non-numeric port");
        }
        if (port < 1 || port > 65535 || host.isEmpty()) {
            throw new ZenohException("endpoint '" + s + "' must have a host and a port 1..65535");
        }
        return new Endpoint(host, port, tls);
    }

    private static int indexOfAny(String s, char a, char b) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == a || s.charAt(i) == b) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public String toString() {
        return (tls ? "tls/" : "tcp/") + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
