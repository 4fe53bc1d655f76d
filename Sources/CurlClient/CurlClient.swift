/// An HTTP client over libcurl's multi interface, for outbound deliveries (SOAP confirmations).
///
/// One dedicated thread per client runs `curl_multi_poll`; transfers are handed to it through a
/// locked queue and `curl_multi_wakeup`, so no Swift task ever blocks on the network. Connections
/// stay in the multi handle's cache and are reused by later requests to the same host.
///
/// ```swift
/// let client = try CurlClient()
/// let response = try await client.execute(HTTPRequestSpec(url: callbackURL, headers: headers, body: envelope))
/// if !response.isSuccess { … }   // an HTTP status is not an error
/// await client.shutdown()
/// ```
///
/// Call ``shutdown()`` when done. Dropping the last reference also stops the thread (in-flight
/// transfers fail with ``CurlError/shutdown``), but without waiting for it.
public final class CurlClient: Sendable {
    private let engine: CurlEngine

    /// Creates the client and starts its thread.
    /// - Parameter maxConcurrentTransfers: transfers running at once; more are queued in order
    ///   (their ``HTTPRequestSpec/totalTimeout`` starts when they start).
    public init(maxConcurrentTransfers: Int = 64) throws(CurlError) {
        guard maxConcurrentTransfers > 0 else {
            throw CurlError.invalidRequest("maxConcurrentTransfers must be positive")
        }
        engine = try CurlEngine(maxConcurrentTransfers: maxConcurrentTransfers)
        try engine.start()
    }

    deinit {
        engine.beginShutdown(deadline: .now)
    }

    /// Performs one request and returns the response, whatever its HTTP status.
    ///
    /// Never blocks the calling thread. Cancelling the calling task aborts the transfer promptly
    /// and throws ``CurlError/cancelled``.
    /// - Throws: ``CurlError`` when no response was received: connect failure, timeout, TLS error,
    ///   unsupported scheme, invalid request, cancellation or shutdown.
    public func execute(_ request: HTTPRequestSpec) async throws(CurlError) -> HTTPResponseSummary {
        if Task.isCancelled { throw CurlError.cancelled }
        let transfer = try CurlTransfer(id: engine.makeID(), request: request)
        let engine = self.engine
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                transfer.continuation = continuation
                engine.submit(transfer)
            }
        } onCancel: {
            engine.cancel(id: transfer.id)
        }
        return try result.get()
    }

    /// Stops accepting requests, aborts in-flight and queued transfers (they throw
    /// ``CurlError/shutdown``), and returns once the thread has released libcurl. Idempotent.
    public func shutdown() async {
        await shutdown(gracePeriod: .zero)
    }

    /// Stops accepting requests and lets in-flight and queued transfers run for up to `gracePeriod`,
    /// then aborts what is left and returns once the thread has released libcurl. Idempotent; when
    /// called again, the earlier deadline wins.
    public func shutdown(gracePeriod: Duration) async {
        engine.beginShutdown(deadline: .now + gracePeriod)
        await engine.waitUntilFinished()
    }
}
