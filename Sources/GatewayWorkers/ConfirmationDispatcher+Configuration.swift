import CurlClient
import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension ConfirmationDispatcher {
    /// How the dispatcher works; the retry schedule itself is the ``RetryPolicy``.
    public struct Configuration: Sendable {
        /// Who holds a claim (`claimedBy` of a delivery in flight): unique per process and run.
        /// Default: host name, process ID and a random suffix.
        public var instance: String
        /// How often the store is asked for due deliveries when nothing woke the dispatcher
        /// (retries that came due, redeliveries from another process).
        public var pollInterval: Duration
        /// Attempts running at once (also CurlClient's concurrent transfers, so at most this many
        /// connections per receiver). Claims never exceed it: a claimed delivery is being sent.
        public var maximumConcurrentSends: Int
        /// Added to the policy's attempt timeout to make a claim's lease: after the lease, another
        /// dispatcher presumes this one gone and takes the delivery again.
        public var leaseMargin: TimeInterval
        /// Upper bound of the TCP/TLS connect time of an attempt (never more than the attempt timeout).
        public var connectTimeout: Duration
        /// On graceful shutdown, how long attempts in flight may still run before they are aborted
        /// (and recorded as failed attempts, retried per policy). `nil` = the policy's attempt timeout.
        public var shutdownGracePeriod: Duration?
        /// Proxy of outbound requests; by default the `http_proxy`/`https_proxy`/`no_proxy` environment.
        public var proxy: HTTPRequestSpec.Proxy

        public init(
            instance: String = Configuration.defaultInstance(),
            pollInterval: Duration = .milliseconds(500),
            maximumConcurrentSends: Int = 64,
            leaseMargin: TimeInterval = 5,
            connectTimeout: Duration = .seconds(5),
            shutdownGracePeriod: Duration? = nil,
            proxy: HTTPRequestSpec.Proxy = .environment
        ) {
            self.instance = instance
            self.pollInterval = pollInterval
            self.maximumConcurrentSends = maximumConcurrentSends
            self.leaseMargin = leaseMargin
            self.connectTimeout = connectTimeout
            self.shutdownGracePeriod = shutdownGracePeriod
            self.proxy = proxy
        }

        /// `host:pid:random`, e.g. `gw1:4711:9f3a`.
        public static func defaultInstance() -> String {
            var name = [UInt8](repeating: 0, count: 256)
            let ok = name.withUnsafeMutableBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { gethostname($0.baseAddress!, $0.count - 1) == 0 }
            }
            let host = ok ? String(decoding: name.prefix { $0 != 0 }, as: UTF8.self) : "localhost"
            let suffix = String(UInt16.random(in: .min ... .max), radix: 16)
            return "\(host):\(getpid()):\(suffix)"
        }
    }
}
