internal import CCurl

/// One transfer: an easy handle, its request data and the box its callbacks write into.
///
/// Ownership moves in one direction. `execute` creates it on the calling task, hands it to the
/// engine under the engine's lock, and from then on only the loop thread touches it (or, if it is
/// cancelled while still queued, the cancelling thread, which has taken it out under the same lock).
/// That hand-over is what makes the `@unchecked Sendable` sound.
final class CurlTransfer: @unchecked Sendable {
    let id: UInt64
    /// Nil once released; released on the loop thread before the continuation is resumed.
    private var easy: UnsafeMutableRawPointer?
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private let maxBodyBytes: Int

    private var body: [UInt8] = []
    private var bodyTruncated = false
    private var responseHeaders: [(name: String, value: String)] = []

    /// Set by `execute` before the hand-over; resumed exactly once through `resume(_:)`.
    var continuation: CheckedContinuation<Result<HTTPResponseSummary, CurlError>, Never>?

    init(id: UInt64, request: HTTPRequestSpec) throws(CurlError) {
        self.id = id
        self.maxBodyBytes = max(0, request.maxResponseBodyBytes)
        let errorBufferSize = ccurl_error_buffer_size()
        self.errorBuffer = .allocate(capacity: errorBufferSize)
        self.errorBuffer.initialize(repeating: 0, count: errorBufferSize)

        guard let easy = curl_easy_init() else {
            throw CurlError.setup(CURLE_FAILED_INIT, "curl_easy_init failed")
        }
        self.easy = easy
        try configure(easy, request)
    }

    deinit {
        releaseHandle()
        errorBuffer.deallocate()
    }

    /// The easy handle to add to the multi handle. Only valid until `finish`.
    var handle: UnsafeMutableRawPointer? { easy }

    /// Resumes the waiting `execute` call. Safe to call more than once; only the first call counts.
    func resume(_ result: Result<HTTPResponseSummary, CurlError>) {
        releaseHandle()
        continuation?.resume(returning: result)
        continuation = nil
    }

    /// Called on the loop thread after the handle was removed from the multi handle.
    func finish(code: CURLcode) {
        resume(makeResult(code))
    }

    // MARK: - Setup

    private func configure(_ easy: UnsafeMutableRawPointer, _ request: HTTPRequestSpec) throws(CurlError) {
        try Self.validate(request)

        func set(_ what: String, _ rc: CURLcode) throws(CurlError) {
            guard rc == CURLE_OK else { throw CurlError.setup(rc, "setting \(what)") }
        }

        try set("NOSIGNAL", ccurl_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1))
        try set("ERRORBUFFER", ccurl_easy_setopt_pointer(easy, CURLOPT_ERRORBUFFER, errorBuffer))
        // Only http and https, no redirects: a receiver must not bounce us to file:// or elsewhere.
        try set("PROTOCOLS_STR", ccurl_easy_setopt_string(easy, CURLOPT_PROTOCOLS_STR, "http,https"))
        try set("REDIR_PROTOCOLS_STR", ccurl_easy_setopt_string(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"))
        try set("FOLLOWLOCATION", ccurl_easy_setopt_long(easy, CURLOPT_FOLLOWLOCATION, 0))
        try set("TCP_KEEPALIVE", ccurl_easy_setopt_long(easy, CURLOPT_TCP_KEEPALIVE, 1))
        try set("CONNECTTIMEOUT_MS", ccurl_easy_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, request.connectTimeout.curlMilliseconds))
        try set("TIMEOUT_MS", ccurl_easy_setopt_long(easy, CURLOPT_TIMEOUT_MS, request.totalTimeout.curlMilliseconds))
        let verify = request.verifyTLS
        try set("SSL_VERIFYPEER", ccurl_easy_setopt_long(easy, CURLOPT_SSL_VERIFYPEER, verify ? 1 : 0))
        try set("SSL_VERIFYHOST", ccurl_easy_setopt_long(easy, CURLOPT_SSL_VERIFYHOST, verify ? 2 : 0))
        if let file = request.caCertificateFile { try set("CAINFO", ccurl_easy_setopt_string(easy, CURLOPT_CAINFO, file)) }
        if let file = request.clientCertificateFile { try set("SSLCERT", ccurl_easy_setopt_string(easy, CURLOPT_SSLCERT, file)) }
        if let file = request.clientKeyFile { try set("SSLKEY", ccurl_easy_setopt_string(easy, CURLOPT_SSLKEY, file)) }

        switch request.proxy {
        case .environment: break
        case .disabled: try set("PROXY", ccurl_easy_setopt_string(easy, CURLOPT_PROXY, ""))
        case .url(let proxy): try set("PROXY", ccurl_easy_setopt_string(easy, CURLOPT_PROXY, proxy))
        }

        // A bad URL (including an unsupported scheme) is reported by libcurl here or when the transfer starts.
        let urlRC = ccurl_easy_setopt_string(easy, CURLOPT_URL, request.url)
        guard urlRC == CURLE_OK else { throw CurlError(curlCode: urlRC) }

        if let auth = request.basicAuth {
            try set("basic auth", ccurl_easy_set_basic_auth(easy, auth.user, auth.password))
        }

        // Method and body. COPYPOSTFIELDS copies, so the Swift array need not outlive this call.
        let method = request.method
        switch method {
        case "GET" where request.body.isEmpty:
            try set("HTTPGET", ccurl_easy_setopt_long(easy, CURLOPT_HTTPGET, 1))
        case "HEAD" where request.body.isEmpty:
            try set("NOBODY", ccurl_easy_setopt_long(easy, CURLOPT_NOBODY, 1))
        default:
            if method == "POST" || !request.body.isEmpty {
                try set("POSTFIELDSIZE_LARGE", ccurl_easy_setopt_offt(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count)))
                let rc: CURLcode =
                    request.body.isEmpty
                    ? ccurl_easy_setopt_string(easy, CURLOPT_COPYPOSTFIELDS, "")
                    : request.body.withUnsafeBytes { ccurl_easy_setopt_pointer(easy, CURLOPT_COPYPOSTFIELDS, $0.baseAddress) }
                try set("COPYPOSTFIELDS", rc)
            }
            if method != "POST" {
                try set("CUSTOMREQUEST", ccurl_easy_setopt_string(easy, CURLOPT_CUSTOMREQUEST, method))
            }
        }

        // Headers. libcurl sends "Expect: 100-continue" for large bodies and then waits up to a second
        // for a 100 that simple receivers never send; an empty "Expect:" turns that off unless the caller set one.
        var lines: [String] = request.headers.map { $0.value.isEmpty ? "\($0.name);" : "\($0.name): \($0.value)" }
        if !request.headers.contains(where: { $0.name.lowercased() == "expect" }) {
            lines.append("Expect:")
        }
        for line in lines {
            guard let list = curl_slist_append(headerList, line) else {
                throw CurlError.setup(CURLE_OUT_OF_MEMORY, "curl_slist_append failed")
            }
            headerList = list
        }
        try set("HTTPHEADER", ccurl_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, headerList))

        // Callbacks: non-capturing C closures that find this object through the user-data pointer.
        // The pointer is unretained: whoever holds the transfer (execute's frame, the queue, the loop)
        // keeps it alive for as long as the handle exists, and the handle is cleaned up first.
        let box = Unmanaged.passUnretained(self).toOpaque()
        try set("WRITEDATA", ccurl_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, box))
        try set("HEADERDATA", ccurl_easy_setopt_pointer(easy, CURLOPT_HEADERDATA, box))
        try set(
            "WRITEFUNCTION",
            ccurl_easy_setopt_write_callback(easy) { data, size, count, user in
                guard let user else { return 0 }
                let n = size * count
                Unmanaged<CurlTransfer>.fromOpaque(user).takeUnretainedValue()
                    .appendBody(UnsafeRawBufferPointer(start: data, count: n))
                return n
            }
        )
        try set(
            "HEADERFUNCTION",
            ccurl_easy_setopt_header_callback(easy) { data, size, count, user in
                guard let user else { return 0 }
                let n = size * count
                Unmanaged<CurlTransfer>.fromOpaque(user).takeUnretainedValue()
                    .appendHeaderLine(UnsafeRawBufferPointer(start: data, count: n))
                return n
            }
        )
    }

    private static func validate(_ request: HTTPRequestSpec) throws(CurlError) {
        func isToken(_ s: String) -> Bool {
            !s.isEmpty && s.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"):
                    true
                default:
                    "!#$%&'*+-.^_`|~".utf8.contains(byte)
                }
            }
        }
        func isSafeValue(_ s: String) -> Bool {
            !s.utf8.contains { $0 == 0 || $0 == 10 || $0 == 13 }
        }
        guard isSafeValue(request.url), !request.url.isEmpty else {
            throw CurlError.invalidRequest("URL is empty or contains CR, LF or NUL")
        }
        guard isToken(request.method) else {
            throw CurlError.invalidRequest("Invalid HTTP method \"\(request.method)\"")
        }
        for header in request.headers {
            guard isToken(header.name), isSafeValue(header.value) else {
                throw CurlError.invalidRequest("Invalid header \"\(header.name)\"")
            }
        }
        for file in [request.caCertificateFile, request.clientCertificateFile, request.clientKeyFile].compactMap({ $0 })
        where file.isEmpty || !isSafeValue(file) {
            throw CurlError.invalidRequest("TLS file path is empty or contains CR, LF or NUL")
        }
        if let auth = request.basicAuth, !isSafeValue(auth.user) || !isSafeValue(auth.password) || auth.user.contains(":") {
            throw CurlError.invalidRequest("Basic auth user must not contain ':', CR, LF or NUL")
        }
    }

    // MARK: - Callbacks (loop thread)

    private func appendBody(_ bytes: UnsafeRawBufferPointer) {
        let room = maxBodyBytes - body.count
        if bytes.count > room {
            bodyTruncated = true
            body.append(contentsOf: bytes.prefix(max(0, room)))
        } else {
            body.append(contentsOf: bytes)
        }
    }

    private func appendHeaderLine(_ bytes: UnsafeRawBufferPointer) {
        var line = Substring(String(decoding: bytes, as: UTF8.self))
        while let last = line.last, last == "\r" || last == "\n" || last == "\r\n" { line = line.dropLast() }
        if line.hasPrefix("HTTP/") {
            // A new status line: an interim response (100 Continue) or the final one. Keep only the last.
            responseHeaders.removeAll(keepingCapacity: true)
            return
        }
        if line.isEmpty { return }
        if let first = line.first, first == " " || first == "\t", !responseHeaders.isEmpty {
            // Obsolete line folding: continue the previous header's value.
            responseHeaders[responseHeaders.count - 1].value += " " + line.trimmingWhitespace()
            return
        }
        guard let colon = line.firstIndex(of: ":") else { return }
        responseHeaders.append(
            (name: String(line[..<colon]), value: line[line.index(after: colon)...].trimmingWhitespace())
        )
    }

    // MARK: - Completion (loop thread)

    private func makeResult(_ code: CURLcode) -> Result<HTTPResponseSummary, CurlError> {
        guard let easy else { return .failure(.shutdown) }
        guard code == CURLE_OK else {
            let detail = String(cString: errorBuffer)
            return .failure(CurlError(curlCode: code, detail: detail))
        }
        var status = 0
        ccurl_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
        var micros: curl_off_t = 0
        ccurl_easy_getinfo_offt(easy, CURLINFO_TOTAL_TIME_T, &micros)
        return .success(
            HTTPResponseSummary(
                status: status,
                headers: responseHeaders,
                body: body,
                bodyTruncated: bodyTruncated,
                totalTime: .microseconds(micros)
            )
        )
    }

    private func releaseHandle() {
        if let easy {
            curl_easy_cleanup(easy)
            self.easy = nil
        }
        if let headerList {
            curl_slist_free_all(headerList)
            self.headerList = nil
        }
    }
}

extension Substring {
    fileprivate func trimmingWhitespace() -> String {
        var s = self
        while let first = s.first, first == " " || first == "\t" { s = s.dropFirst() }
        while let last = s.last, last == " " || last == "\t" { s = s.dropLast() }
        return String(s)
    }
}

extension Duration {
    /// Milliseconds for a libcurl `_MS` option: at least 1 (0 would mean "no timeout"), rounded up.
    var curlMilliseconds: Int {
        guard self > .zero else { return 1 }
        let (seconds, attoseconds) = components
        let (ms, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        if overflow { return Int.max }
        let sub = (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Swift.max(1, Int(clamping: ms + sub))
    }
}
