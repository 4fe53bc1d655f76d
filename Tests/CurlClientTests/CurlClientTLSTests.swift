import CurlClient
import Foundation
import Testing

/// HTTPS to a receiver whose certificate comes from a test CA: trust, client certificates and
/// kept-alive TLS connections.
@Suite("CurlClient over HTTPS")
struct CurlClientTLSTests {
    let files: TLSFiles

    init() throws { files = try TLSFiles.shared() }

    func post(_ client: CurlClient, _ url: String, configure: (inout HTTPRequestSpec) -> Void = { _ in }) async throws(CurlError)
        -> HTTPResponseSummary
    {
        var request = HTTPRequestSpec(url: url, body: Array("<Envelope/>".utf8), proxy: .disabled, caCertificateFile: files.caCertificate)
        configure(&request)
        return try await client.execute(request)
    }

    func answer(_ response: HTTPResponseSummary) throws -> TLSAnswer {
        try JSONDecoder().decode(TLSAnswer.self, from: Data(response.body))
    }

    @Test("a receiver verified by the configured CA file gets the body; the TLS connection is kept and reused")
    func verifiedAndReused() async throws {
        let receiver = try TLSReceiver(files: files)
        defer { receiver.stop() }
        let client = try CurlClient()

        var answers: [TLSAnswer] = []
        for _ in 0..<3 { answers.append(try answer(try await post(client, receiver.url))) }

        #expect(answers.map(\.bytes) == [11, 11, 11])
        #expect(answers.map(\.connections) == [1, 1, 1])
        #expect(answers.allSatisfy { $0.client.isEmpty })
        await client.shutdown()
    }

    @Test("a receiver whose CA is not trusted is refused as a TLS failure; nothing is sent")
    func untrustedCertificateIsATLSFailure() async throws {
        let receiver = try TLSReceiver(files: files)
        defer { receiver.stop() }
        let client = try CurlClient()

        let error = await #expect(throws: CurlError.self) {
            try await post(client, receiver.url) { $0.caCertificateFile = nil }
        }

        #expect(error?.isTLSFailure == true)
        #expect(error?.isRetryable == false)
        await client.shutdown()
    }

    @Test("a receiver that requires a client certificate gets the configured one")
    func clientCertificateIsPresented() async throws {
        let receiver = try TLSReceiver(files: files, requireClientCertificate: true)
        defer { receiver.stop() }
        let client = try CurlClient()

        let response = try await post(client, receiver.url) {
            $0.clientCertificateFile = files.clientCertificate
            $0.clientKeyFile = files.clientKey
        }
        #expect(try answer(response).client == "GATEWAY")

        let refused = await #expect(throws: CurlError.self) { try await post(client, receiver.url) }
        #expect(refused != nil)
        #expect(refused?.isConnectFailure == false)
        await client.shutdown()
    }
}
