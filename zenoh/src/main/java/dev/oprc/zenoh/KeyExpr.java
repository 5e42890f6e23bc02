package dev.oprc.zenoh;

import java.nio.charset.StandardCharsets;

/**
 * A validated, canonical Zenoh key expression such as {@code oprc/cls/0/async/fn/42} or the
 * wildcard pattern {@code oprc/cls/*}{@code /async/**}. {@code *} matches exactly one chunk,
 * {@code **} matches zero or more chunks; wildcards never match verbatim chunks (starting with
 * {@code @}). Sub-chunk wildcards ({@code $*}) are not supported and are rejected.
 * Immutable value; thread-safe.
 */
public final class KeyExpr {
    private static final int MAX_UTF8_BYTES = 65535;

    private final String value;
    private final String[] chunks;

    private KeyExpr(String value, String[] chunks) {
        this.value = value;
        this.chunks = chunks;
    }

    /**
     * Validates {@code expr} as a canonical key expression.
     *
     * @throws IllegalArgumentException naming the expression and the rule it breaks
     */
    public static KeyExpr of(String expr) {
        String[] chunks = validate(expr);
        return new KeyExpr(expr, chunks);
    }

    /** Same as {@link #of(String)}, for zenoh-java naming familiarity. */
    public static KeyExpr tryFrom(String expr) {
        return of(expr);
    }

    private static String[] validate(String expr) {
        if (expr == null) {
            throw new IllegalArgumentException("key expression must not be null");
        }
        if (expr.isEmpty()) {
            throw new IllegalArgumentException("key expression must not be empty");
        }
        if (expr.startsWith("/") || expr.endsWith("/")) {
            throw new IllegalArgumentException("key expression '" + expr + "' must not start or end with '/'");
        }
        if (expr.length() > MAX_UTF8_BYTES / 3 && expr.getBytes(StandardCharsets.UTF_8).length > MAX_UTF8_BYTES) {
            throw new IllegalArgumentException("key expression longer than 65535 UTF-8 bytes (starts '"
                    + expr.substring(0, 32) + "...')");
        }
        String[] chunks = expr.split("/", -1);
        String prev = null;
        for (String c : chunks) {
            if (c.isEmpty()) {
                throw new IllegalArgumentException("key expression '" + expr + "' has an empty chunk ('//')");
            }
            for (int i = 0; i < c.length(); i++) {
                char ch = c.charAt(i);
                if (ch == '#' || ch == '?') {
                    throw new IllegalArgumentException("key expression '" + expr + "' contains forbidden character '"
                            + ch + "'");
                }
                if (ch == '$') {
                    throw new IllegalArgumentException("key expression '" + expr
                            + "' uses '$' (sub-chunk wildcards '$*' are not supported)");
                }
                if (ch == '*' && !(c.equals("*") || c.equals("**"))) {
                    throw new IllegalArgumentException("key expression '" + expr + "': chunk '" + c
                            + "' mixes '*' with other characters; wildcards must be whole chunks '*' or '**'");
                }
            }
            if ("**".equals(prev) && c.equals("**")) {
                throw new IllegalArgumentException("key expression '" + expr
                        + "' is not canonical: '**/**' must be written '**'");
            }
            if ("**".equals(prev) && c.equals("*")) {
                throw new IllegalArgumentException("key expression '" + expr
                        + "' is not canonical: '**/*' must be written '*/**'");
            }
            prev = c;
        }
        return chunks;
    }

    /** True if the expression contains {@code *} or {@code **}. */
    public boolean isWild() {
        return value.indexOf('*') >= 0;
    }

    /** True if some key matches both this expression and {@code other}. */
    public boolean intersects(KeyExpr other) {
        String[] a = chunks;
        String[] b = other.chunks;
        if (!isWild() && !other.isWild()) {
            return value.equals(other.value);
        }
        byte[] memo = new byte[(a.length + 1) * (b.length + 1)];
        return intersects(a, 0, b, 0, memo, b.length + 1);
    }

    /** True if every key matched by {@code other} is also matched by this expression. */
    public boolean includes(KeyExpr other) {
        if (!isWild()) {
            return value.equals(other.value);
        }
        String[] a = chunks;
        String[] b = other.chunks;
        byte[] memo = new byte[(a.length + 1) * (b.length + 1)];
        return includes(a, 0, b, 0, memo, b.length + 1);
    }

    private static boolean verbatim(String c) {
        return c.charAt(0) == '@';
    }

    private static boolean intersects(String[] a, int i, String[] b, int j, byte[] memo, int stride) {
        int slot = i * stride + j;
        if (memo[slot] != 0) {
            return memo[slot] == 1;
        }
        boolean r;
        if (i == a.length && j == b.length) {
            r = true;
        } else if (i == a.length) {
            r = "**".equals(b[j]) && intersects(a, i, b, j + 1, memo, stride);
        } else if (j == b.length) {
            r = "**".equals(a[i]) && intersects(a, i + 1, b, j, memo, stride);
        } else if ("**".equals(a[i])) {
            r = intersects(a, i + 1, b, j, memo, stride)
                    || (!verbatim(b[j]) && intersects(a, i, b, j + 1, memo, stride));
        } else if ("**".equals(b[j])) {
            r = intersects(a, i, b, j + 1, memo, stride)
                    || (!verbatim(a[i]) && intersects(a, i + 1, b, j, memo, stride));
        } else if ("*".equals(a[i])) {
            r = !verbatim(b[j]) && intersects(a, i + 1, b, j + 1, memo, stride);
        } else if ("*".equals(b[j])) {
            r = !verbatim(a[i]) && intersects(a, i + 1, b, j + 1, memo, stride);
        } else {
            r = a[i].equals(b[j]) && intersects(a, i + 1, b, j + 1, memo, stride);
        }
        memo[slot] = (byte) (r ? 1 : 2);
        return r;
    }

    private static boolean includes(String[] a, int i, String[] b, int j, byte[] memo, int stride) {
        int slot = i * stride + j;
        if (memo[slot] != 0) {
            return memo[slot] == 1;
        }
        boolean r;
        if (i == a.length) {
            r = j == b.length;
        } else if ("**".equals(a[i])) {
            r = includes(a, i + 1, b, j, memo, stride)
                    || (j < b.length && !verbatim(b[j]) && includes(a, i, b, j + 1, memo, stride));
        } else if (j == b.length || "**".equals(b[j])) {
            r = false;
        } else if ("*".equals(a[i])) {
            r = !verbatim(b[j]) && includes(a, i + 1, b, j + 1, memo, stride);
        } else {
            r = a[i].equals(b[j]) && includes(a, i + 1, b, j + 1, memo, stride);
        }
        memo[slot] = (byte) (r ? 1 : 2);
        return r;
    }

    /** The expression text. */
    @Override
    public String toString() {
        return value;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeyExpr k && k.value.equals(value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }
}
