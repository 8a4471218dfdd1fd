package dev.ferry.client.forward;

/**
 * A consistent-enough snapshot of a forwarder's counters (each value is exact; they are read one
 * after another).
 */
public record ForwarderStats(
    int activeConnections,
    long totalConnections,
    long refusedConnections,
    long bytesUp,
    long bytesDown) {}
