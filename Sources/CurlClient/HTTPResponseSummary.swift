/// What came back from a completed transfer. Any HTTP status, including 4xx and 5xx, is a response,
/// not an error: the caller decides what a status means.
public struct HTTPResponseSummary: Sendable {
    /// The HTTP status code of the final response (interim `100 Continue` responses are skipped).
    public var status: Int
    /// Response headers of the final response, in order, names as sent by the server.
    public var headers: [(name: String, value: String)]
    /// The response body, at most ``HTTPRequestSpec/maxResponseBodyBytes`` bytes.
    public var body: [UInt8]
    /// `true` when the server sent more than ``HTTPRequestSpec/maxResponseBodyBytes`` bytes.
    public var bodyTruncated: Bool
    /// Wall time of the transfer as measured by libcurl (name lookup to last byte).
    public var totalTime: Duration

    public init(
        status: Int,
        headers: [(name: String, value: String)] = [],
        body: [UInt8] = [],
        bodyTruncated: Bool = false,
        totalTime: Duration = .zero
    ) {
        self.status = status
        self.headers = headers
        self.body = body
        self.bodyTruncated = bodyTruncated
        self.totalTime = totalTime
    }

    /// `true` for a 2xx status.
    public var isSuccess: Bool { (200..<300).contains(status) }

    /// All values of the header `name` (compared case-insensitively), in order.
    public func headerValues(_ name: String) -> [String] {
        let wanted = name.lowercased()
        return headers.filter { $0.name.lowercased() == wanted }.map(\.value)
    }

    /// The first value of the header `name` (compared case-insensitively).
    public func header(_ name: String) -> String? {
        headerValues(name).first
    }
}
