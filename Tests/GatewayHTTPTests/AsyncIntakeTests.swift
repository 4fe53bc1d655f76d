import ConfirmationDelivery
import CurlClient
import Foundation
import Ledger
import SOAPCore
import Testing

/// The intake of the asynchronous services: which ID makes a message unique, what a resent
/// message gets, and which requests are refused before anything is stored.
@Suite("Asynchronous intake: transport message IDs, duplicates and refusals", .timeLimit(.minutes(2)))
struct AsyncIntakeTests {
    /// Where a client puts the transport message ID.
    enum IDSource: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case query = "?MessageId="
        case wsAddressing = "wsa:MessageID"
        case sapHeader = "SAP messageId header"
        var testDescription: String { rawValue }
    }

    @Test("the transport message ID is taken from the URL, wsa:MessageID or SAP's messageId header", arguments: IDSource.allCases)
    func transportIDSources(_ source: IDSource) async throws {
        try await withAsyncScenario { scenario in
            let gateway = scenario.gateway
            let guid = newTransportID()
            var request = AsyncRequest([.balanced()])
            var query: String?
            switch source {
            case .query: query = guid
            case .wsAddressing: request.wsaMessageID = "uuid:" + guid.lowercased()
            case .sapHeader: request.sapMessageID = "uuid:" + guid.lowercased()
            }
            expectAccepted(try await gateway.postAsync(request, queryMessageID: query))
            let detail = try await gateway.waitForDelivery(try #require(request.messageID), .delivered)
            #expect(detail.message.transportMessageID == normalisedTransportID(guid))
            #expect(detail.message.key?.messageID == "TID:" + normalisedTransportID(guid))
            let received = try await scenario.receiver.waitForRequests(1)
            // wsa:RelatesTo only when the request carried a wsa:MessageID.
            try expectConfirmation(received[0], confirming: request, sentTo: scenario.confirmationsURL)
        }
    }

    @Test("one GUID in its three spellings (URL upper case with dashes, wsa uuid: lower case, SAP header) names one message")
    func spellingsOfOneID() async throws {
        try await withAsyncScenario { scenario in
            let gateway = scenario.gateway
            let guid = newTransportID()
            let request = AsyncRequest([.balanced()])
            expectAccepted(try await gateway.postAsync(request, queryMessageID: guid))
            var viaWSA = request
            viaWSA.wsaMessageID = "uuid:" + guid.lowercased()
            expectAccepted(try await gateway.postAsync(viaWSA))
            var viaSAP = request
            viaSAP.sapMessageID = "uuid:" + guid.lowercased().replacingOccurrences(of: "-", with: "")
            expectAccepted(try await gateway.postAsync(viaSAP))
            #expect(try await gateway.storedMessages().count == 1)
        }
    }

    @Test("the URL's MessageId takes precedence over wsa:MessageID")
    func queryBeforeWSA() async throws {
        try await withAsyncScenario { scenario in
            let gateway = scenario.gateway
            let queryID = newTransportID()
            let request = AsyncRequest([.balanced()], wsaMessageID: "uuid:" + UUID().uuidString.lowercased())
            expectAccepted(try await gateway.postAsync(request, queryMessageID: queryID))
            let detail = try await gateway.waitUntilProcessed(try #require(request.messageID))
            #expect(detail.message.transportMessageID == normalisedTransportID(queryID))
            // The same URL ID with another wsa:MessageID is the same message.
            var again = request
            again.wsaMessageID = "uuid:" + UUID().uuidString.lowercased()
            expectAccepted(try await gateway.postAsync(again, queryMessageID: queryID))
            #expect(try await gateway.storedMessages().count == 1)
        }
    }

    @Test("a message sent again with its transport ID is acknowledged again, posted once and confirmed once")
    func duplicate() async throws {
        try await withAsyncScenario { scenario in
            let gateway = scenario.gateway
            let transportID = newTransportID()
            let request = AsyncRequest([.balanced(), .balanced(amount: "7.00")])
            // Twice at once, and once more after it was confirmed.
            expectAccepted(try await gateway.postAsync(request, queryMessageID: transportID))
            expectAccepted(try await gateway.postAsync(request, queryMessageID: transportID))
            _ = try await gateway.waitForDelivery(try #require(request.messageID), .delivered)
            expectAccepted(try await gateway.postAsync(request, queryMessageID: transportID))

            // A later message's confirmation is the barrier: everything before it has been sent.
            let barrier = AsyncRequest([.balanced()])
            expectAccepted(try await gateway.postAsync(barrier, queryMessageID: newTransportID()))
            _ = try await gateway.waitForDelivery(try #require(barrier.messageID), .delivered)

            #expect(try await gateway.storedMessages().count == 2)
            #expect(try await gateway.listAll().count == 3, "two entries of the duplicate message, one of the barrier")
            let received = try scenario.receiver.requests
            let confirmations = try received.map(ReceivedConfirmation.init)
            #expect(confirmations.filter { $0.confirmation.referenceID == request.messageID }.count == 1, "\(received)")
            #expect(confirmations.count == 2)
        }
    }

    @Test("the same transport ID with a different payload is refused with a SOAP fault and nothing is stored")
    func duplicateWithDifferentPayload() async throws {
        try await withAsyncScenario { scenario in
            let gateway = scenario.gateway
            let transportID = newTransportID()
            let original = AsyncRequest([.balanced(amount: "100.00")])
            expectAccepted(try await gateway.postAsync(original, queryMessageID: transportID))
            _ = try await gateway.waitForDelivery(try #require(original.messageID), .delivered)

            var changed = original
            changed.service = .create([.balanced(amount: "999.00")])
            let fault = try expectFault(try await gateway.postAsync(changed, queryMessageID: transportID), status: 500)
            #expect(fault.code == "soap-env:Client")
            #expect(fault.reason.contains("already used for a different message"), "\(fault.reason)")
            #expect(fault.reason.contains("nothing was stored"), "\(fault.reason)")
            #expect(try await gateway.storedMessages().count == 1)
            #expect(try await gateway.listAll().map(\.items.first?.amountInTransactionCurrency.amount) == ["100.00"])
            #expect(try scenario.receiver.requests.count == 1)
        }
    }

    @Test("malformed XML is refused with a located fault and nothing is stored", arguments: [SOAPVersion.soap11, .soap12])
    func malformedXML(_ version: SOAPVersion) async throws {
        try await withAsyncScenario { scenario in
            let gateway = scenario.gateway
            let xml = AsyncRequest([.balanced()]).envelope(version).replacingOccurrences(of: "</PostingDate>", with: "</PostingDat>")
            let fault = try expectFault(
                try await gateway.postAsyncXML(xml, version: version, queryMessageID: newTransportID()), status: version == .soap11 ? 500 : 400,
                version: version)
            #expect(fault.code == (version == .soap11 ? "soap-env:Client" : "env:Sender"))
            #expect(fault.reason.hasPrefix("XML is not well-formed"), "\(fault.reason)")
            let issue = try #require(fault.issues.first, "no located issue: \(fault.reason)")
            let expectedLine = xml.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("</PostingDat>") }.map { $0 + 1 }
            #expect(issue.line == expectedLine, "\(fault.issues)")
            #expect(try await gateway.storedMessages().isEmpty)
            try await gateway.expectLedgerEmpty()
        }
    }

    @Test("an XSD-invalid request gets the same precise fault as the sync service and nothing is stored", arguments: [SOAPVersion.soap11, .soap12])
    func schemaInvalid(_ version: SOAPVersion) async throws {
        try await withAsyncScenario { scenario in
            let gateway = scenario.gateway
            var xml = try Repo.fixture("invalid_missing_company.xml")
            if version == .soap12 { xml = xml.asSOAP12 }
            let response = try await gateway.postAsyncXML(xml, version: version, queryMessageID: newTransportID())
            let fault = try expectFault(response, status: version == .soap11 ? 500 : 400, version: version)
            #expect(fault.code == (version == .soap11 ? "soap-env:Client" : "env:Sender"))
            #expect(
                fault.reason.hasPrefix("The request does not conform to the schema of \(AsyncContract.createInterface)"), "\(fault.reason)")
            #expect(fault.reason.contains("nothing was stored"), "\(fault.reason)")
            // Located as InvalidRequestTests expects it of the synchronous service.
            let issue = try #require(fault.issues.first, "no located issue: \(fault.reason)")
            #expect(fault.issues.count == 1, "\(fault.issues)")
            #expect((issue.line, issue.column, issue.element) == (22, 11, "DocumentDate"), "\(issue)")
            #expect(issue.path?.hasSuffix("/JournalEntryCreateRequest/JournalEntry/DocumentDate") == true, "\(issue)")
            #expect(issue.message.contains("CompanyCode"), "\(issue)")
            #expect(try await gateway.storedMessages().isEmpty)
            try await gateway.expectLedgerEmpty()
        }
    }

    @Test("a message with no transport ID, no MessageHeader/ID and no UUID is refused: exactly-once needs an ID")
    func withoutAnyID() async throws {
        try await withAsyncScenario { scenario in
            let gateway = scenario.gateway
            let request = AsyncRequest([.balanced()], messageID: nil, messageUUID: nil)
            let fault = try expectFault(try await gateway.postAsync(request), status: 500)
            #expect(fault.code == "soap-env:Client")
            #expect(fault.reason.contains("needs a message ID"), "\(fault.reason)")
            #expect(fault.reason.contains("?MessageId="), "\(fault.reason)")
            #expect(try await gateway.storedMessages().isEmpty)
            try await gateway.expectLedgerEmpty()
        }
    }

    @Test("without transport ID the bulk MessageHeader/ID is the key; without it the UUID")
    func headerIDsAsKey() async throws {
        try await withAsyncScenario { scenario in
            let gateway = scenario.gateway
            let byID = AsyncRequest([.balanced()])
            expectAccepted(try await gateway.postAsync(byID))
            let uuid = UUID().uuidString.uppercased()
            let byUUID = AsyncRequest([.balanced()], messageID: nil, messageUUID: uuid)
            expectAccepted(try await gateway.postAsync(byUUID))
            // Each resent: acknowledged, not stored again.
            expectAccepted(try await gateway.postAsync(byID))
            expectAccepted(try await gateway.postAsync(byUUID))
            let keys = try await gateway.storedMessages().compactMap(\.message.key?.messageID)
            #expect(Set(keys) == [try #require(byID.messageID), "UUID:" + uuid.lowercased()])
        }
    }

    @Test("a wsa:ReplyTo on an allowed host receives the confirmation instead of the communication system's endpoint")
    func replyToAllowed() async throws {
        try await withAsyncScenario { scenario in
            let gateway = scenario.gateway
            let replyReceiver = try await ConfirmationReceiver.start()
            do {
                let replyURL = replyReceiver.baseURL + "/reply-here"
                let request = AsyncRequest([.balanced()], wsaMessageID: "uuid:" + UUID().uuidString.lowercased(), replyTo: replyURL)
                expectAccepted(try await gateway.postAsync(request))
                let received = try await replyReceiver.waitForRequests(1)
                try expectConfirmation(received[0], confirming: request, sentTo: replyURL)
                let detail = try await gateway.waitForDelivery(try #require(request.messageID), .delivered)
                #expect(detail.delivery?.target.url == replyURL)
                #expect(detail.delivery?.target.communicationSystem == nil)
                #expect(try scenario.receiver.requests.isEmpty, "the communication system's endpoint got it too")
            } catch {
                await replyReceiver.stop()
                throw error
            }
            await replyReceiver.stop()
        }
    }

    @Test("a wsa:ReplyTo on a host the configuration does not allow is refused with a fault and nothing is stored")
    func replyToRefused() async throws {
        try await withAsyncScenario { scenario in
            let gateway = scenario.gateway
            let request = AsyncRequest(
                [.balanced()], wsaMessageID: "uuid:" + UUID().uuidString.lowercased(), replyTo: "http://confirmations.example.com/cb")
            let fault = try expectFault(try await gateway.postAsync(request), status: 500)
            #expect(fault.code == "soap-env:Client")
            #expect(fault.reason.contains("wsa:ReplyTo 'http://confirmations.example.com/cb' is not allowed"), "\(fault.reason)")
            #expect(fault.reason.contains("nothing was stored"), "\(fault.reason)")
            #expect(try await gateway.storedMessages().isEmpty)
            try await gateway.expectLedgerEmpty()
        }
    }

    @Test("the anonymous wsa:ReplyTo is no address: the confirmation goes to the communication system")
    func anonymousReplyTo() async throws {
        try await withAsyncScenario { scenario in
            let request = AsyncRequest(
                [.balanced()], wsaMessageID: "uuid:" + UUID().uuidString.lowercased(), replyTo: "http://www.w3.org/2005/08/addressing/anonymous")
            expectAccepted(try await scenario.gateway.postAsync(request))
            let received = try await scenario.receiver.waitForRequests(1)
            try expectConfirmation(received[0], confirming: request, sentTo: scenario.confirmationsURL)
        }
    }
}
