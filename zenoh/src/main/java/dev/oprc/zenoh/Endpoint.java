package dev.oprc.zenoh;

/** A parsed {@code tcp/host:port} locator. Package-private immutable value. */
record Endpoint(String host, int port) {
    static Endpoint parse(String s) {
        if (s == null || !s.startsWith("tcp/")) {
            throw new ZenohException("endpoint '" + s + "' is not supported: only tcp/<host>:<port> endpoints are");
        }
        String rest = s.substring(4);
        int q = indexOfAny(rest, '?', '#');
        if (q >= 0) {
            rest = rest.substring(0, q);
        }
        int colon = rest.lastIndexOf(':');
        if (colon <= 0 || colon == rest.length() - 1) {
            throw new ZenohException("endpoint '" + s + "' must be tcp/<host>:<port>");
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
        return new Endpoint(host, port);
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
        return "tcp/" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
