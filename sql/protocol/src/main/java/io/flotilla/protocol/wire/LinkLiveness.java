package io.flotilla.protocol.wire;

import io.flotilla.protocol.HelloResult;

/**
 * When a link that owes an answer counts as dead: after {@code timeoutMillis} without a byte from
 * the node, though it was sent a KeepAlive when the link had been quiet for a quarter of that.
 * A node answers KeepAlive on its I/O thread at once, even while the link's request runs for
 * minutes, so a link this quiet has lost its node (cut off, paused, or gone without a reset) and
 * the request is better sent elsewhere than waited for on TCP's retransmissions.
 *
 * @param timeoutMillis silence after which the link is dead
 */
public record LinkLiveness(int timeoutMillis) {

    /** Until a node's HelloResult gives its own, when no connect timeout bounds the handshake. */
    public static final LinkLiveness BEFORE_HELLO = new LinkLiveness(10_000);

    public LinkLiveness {
        if (timeoutMillis <= 0) {
            throw new IllegalArgumentException("a link timeout is positive, not " + timeoutMillis);
        }
    }

    /**
     * For the handshake: a node that accepted the connection (the kernel does that for a process
     * however stopped) but answers nothing, not even a keep-alive, within the connect timeout is as
     * unreachable as one that did not accept.
     */
    public static LinkLiveness forHandshake(int connectTimeoutMillis) {
        return connectTimeoutMillis > 0 ? new LinkLiveness(connectTimeoutMillis) : BEFORE_HELLO;
    }

    /** The node's own figure, unless the client set one ({@code overrideMillis} > 0). */
    public static LinkLiveness of(HelloResult hello, int overrideMillis) {
        if (overrideMillis > 0) {
            return new LinkLiveness(overrideMillis);
        }
        return hello.getLinkTimeoutMillis() > 0 ? new LinkLiveness(hello.getLinkTimeoutMillis()) : BEFORE_HELLO;
    }

    /** Quiet for this long, the link is sent a KeepAlive. */
    public long probeAfterNanos() {
        return timeoutMillis * 250_000L;
    }

    public long timeoutNanos() {
        return timeoutMillis * 1_000_000L;
    }
}
