package dev.ferry.client.forward;

/**
 * A consistent-enough snapshot of a forwarder's counters (each value is exact; they are read one
 * after another).
 *
 * @param limitedConnections local connections closed at once because {@code maxConnections} were
 *     already open
 * @param maxConnections the forwarder's limit of open local connections, 0 for none
 * @param resumingConnections local connections whose WebSocket dropped and is being resumed now
 */
public record ForwarderStats(
    int activeConnections,
    long totalConnections,
    long refusedConnections,
    long bytesUp,
    long bytesDown,
    long limitedConnections,
    int maxConnections,
    int resumingConnections) {}
