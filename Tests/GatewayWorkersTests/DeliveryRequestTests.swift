import ConfirmationDelivery
import CurlClient
@testable import GatewayWorkers
import Ledger
import Testing

@Suite("Delivery requests and outcomes")
struct DeliveryRequestTests {
    let target = DeliveryTarget(
        communicationSystem: "ERP", url: "https://gw:secret@erp.example.com:8443/confirm?sap-client=100",
        outboundInterface: "JournalEntryBulkCreateConfirmation_Out", soapVersion: "1.1")

    @Test("the request carries the rendered body, content type, quoted SOAPAction, extra headers and the receiver's credentials")
    func requestShape() {
        let confirmation = OutboundConfirmation(
            body: Array("<e/>".utf8), contentType: "text/xml; charset=utf-8", soapAction: "urn:confirm", headers: [("X-Trace", "7")])
        let credentials = OutboundCredentials(
            basicAuth: (user: "GW", password: "pw"), clientCertificateFile: "/etc/gw/client.pem", clientKeyFile: "/etc/gw/client.key",
            caCertificateFile: "/etc/gw/ca.pem")

        let request = confirmation.request(
            to: target, credentials: credentials, attemptTimeout: 2.5, connectTimeout: .seconds(5), proxy: .disabled)

        #expect(request.url == target.url)
        #expect(request.method == "POST")
        #expect(request.body == Array("<e/>".utf8))
        #expect(request.headers.map(\.name) == ["Content-Type", "SOAPAction", "X-Trace"])
        #expect(request.headers.map(\.value) == ["text/xml; charset=utf-8", "\"urn:confirm\"", "7"])
        #expect(request.totalTimeout == .milliseconds(2500))
        #expect(request.connectTimeout == .milliseconds(2500))
        #expect(request.basicAuth?.user == "GW")
        #expect(request.basicAuth?.password == "pw")
        #expect(request.verifyTLS)
        #expect(request.caCertificateFile == "/etc/gw/ca.pem")
        #expect(request.clientCertificateFile == "/etc/gw/client.pem")
        #expect(request.clientKeyFile == "/etc/gw/client.key")
        #expect(request.proxy == .disabled)
    }

    @Test("an already quoted SOAPAction is sent as it is; none is sent for SOAP 1.2")
    func soapActionQuoting() {
        let quoted = OutboundConfirmation(body: [], contentType: "text/xml", soapAction: "\"urn:a\"")
            .request(to: target, credentials: nil, attemptTimeout: 10, connectTimeout: .seconds(5), proxy: .environment)
        #expect(quoted.headers.first { $0.name == "SOAPAction" }?.value == "\"urn:a\"")
        #expect(quoted.basicAuth == nil)
        #expect(quoted.connectTimeout == .seconds(5))

        let soap12 = OutboundConfirmation(body: [], contentType: "application/soap+xml; charset=utf-8; action=\"urn:a\"")
            .request(to: target, credentials: nil, attemptTimeout: 10, connectTimeout: .seconds(5), proxy: .environment)
        #expect(!soap12.headers.contains { $0.name == "SOAPAction" })
    }

    @Test(
        "CurlClient's failures map to delivery outcomes",
        arguments: [
            (CurlError.timedOut, AttemptOutcome.timedOut),
            (CurlError.couldNotConnect, .connectionRefused),
            (CurlError.couldNotResolveHost, .connectionRefused),
            (CurlError.shutdown, .transportError("aborted: the dispatcher stopped before the receiver answered")),
            (CurlError.cancelled, .transportError("aborted: the dispatcher stopped before the receiver answered")),
        ])
    func outcomeMapping(error: CurlError, expected: AttemptOutcome) {
        #expect(AttemptOutcome(error) == expected)
    }

    @Test("a TLS failure is a transport error that names it")
    func tlsFailure() {
        guard case .transportError(let text) = AttemptOutcome(CurlError.tlsVerificationFailed) else {
            Issue.record("not a transport error")
            return
        }
        #expect(text.hasPrefix("tls: "))
    }

    @Test("URLs in logs lose their user information", arguments: [
        ("https://gw:secret@erp.example.com:8443/confirm?a=b@c", "https://erp.example.com:8443/confirm?a=b@c"),
        ("http://127.0.0.1:9099/confirmations", "http://127.0.0.1:9099/confirmations"),
        ("http://user@host", "http://host"),
        ("not a url", "not a url"),
    ])
    func redaction(url: String, expected: String) {
        let target = DeliveryTarget(communicationSystem: nil, url: url, outboundInterface: "X", soapVersion: "1.1")
        #expect(target.redactedURL == expected)
    }

    @Test("response excerpts in logs are short and printable")
    func excerpt() {
        let body = Array("<Fault>\r\n\t<faultstring>Busy\u{7}</faultstring>".utf8) + [UInt8](repeating: 0x41, count: 500)
        let text = ConfirmationDispatcher.excerpt(body)
        #expect(text.hasPrefix("<Fault> <faultstring>Busy </faultstring>AAA"))
        #expect(text.count == 200)
        #expect(!text.contains("\r") && !text.contains("\n"))
    }
}
