import ConfirmationDelivery
import CurlClient
import Foundation
import JournalEntryService
import Ledger
import SOAPCore
import Testing

/// SAP's asynchronous *Journal Entry – Post*: 202 with an empty body once the request is stored,
/// then a `JournalEntryBulkCreateConfirmation` at the caller's endpoint.
@Suite("Asynchronous bulk posting: 202 Accepted, then the confirmation at the receiver", .timeLimit(.minutes(2)))
struct AsyncPostingTests {
    @Test("a bulk is answered 202 with an empty body, posted, and confirmed to the communication system's endpoint")
    func success() async throws {
        try await withAsyncScenario { scenario in
            let gateway = scenario.gateway
            let request = AsyncRequest([.balanced(amount: "100.00"), .balanced(companyCode: "1710", amount: "250.00")])
            let transportID = newTransportID()
            expectAccepted(try await gateway.postAsync(request, queryMessageID: transportID))

            let received = try await scenario.receiver.waitForRequests(1)
            let confirmation = try expectConfirmation(received[0], confirming: request, sentTo: scenario.confirmationsURL)
            let entries = confirmation.confirmation.entries
            #expect(entries.map(\.typeIDs) == [["605(RW)"], ["605(RW)"]])
            #expect(entries.map(\.companyCode) == ["1010", "1710"])
            #expect(entries.allSatisfy { $0.accountingDocument.count == 10 && $0.fiscalYear == "2025" && $0.maximumSeverity == "1" })

            // The posted entries are readable through the JSON API, with where they came from.
            for (index, entry) in entries.enumerated() {
                let stored = try #require(try await gateway.journalEntry(entry.companyCode, entry.fiscalYear, entry.accountingDocument))
                #expect(stored.source.interface == AsyncContract.createInterface)
                #expect(stored.source.messageID == request.messageID)
                #expect(stored.source.entryMessageID == request.entryID(index))
                #expect(stored.postedBy == Credentials.integration.user)
            }
            #expect(try await gateway.listAll().count == 2)

            // The monitor's view: processed, delivered at the first attempt with HTTP 200.
            let detail = try await gateway.waitForDelivery(try #require(request.messageID), .delivered)
            #expect(detail.message.interface == AsyncContract.createInterface)
            #expect(detail.message.transportMessageID == normalisedTransportID(transportID))
            #expect(detail.message.state == .processed)
            #expect(detail.entries.map(\.outcome.isPosted) == [true, true])
            let delivery = try #require(detail.delivery)
            #expect(delivery.target.url == scenario.confirmationsURL)
            #expect(delivery.target.communicationSystem == AsyncContract.demoSender)
            #expect(delivery.target.outboundInterface == AsyncContract.confirmationInterface)
            #expect(delivery.state.lastStatus == 200)
            #expect(detail.attempts.map(\.httpStatus) == [200])
            #expect(try scenario.receiver.requests.count == 1)
        }
    }

    @Test("SOAP 1.1 and 1.2 requests are both accepted and confirmed", arguments: [SOAPVersion.soap11, .soap12])
    func bothSOAPVersions(_ version: SOAPVersion) async throws {
        try await withAsyncScenario { scenario in
            let request = AsyncRequest([.balanced()], wsaMessageID: "uuid:" + UUID().uuidString.lowercased())
            expectAccepted(try await scenario.gateway.postAsync(request, version: version))
            let received = try await scenario.receiver.waitForRequests(1)
            let confirmation = try expectConfirmation(received[0], confirming: request, sentTo: scenario.confirmationsURL)
            #expect(confirmation.confirmation.entries.map(\.typeIDs) == [["605(RW)"]])
        }
    }

    @Test("a mixed bulk posts the good entries and confirms the rejected ones with their SAP messages in the Log, in request order")
    func mixedBulk() async throws {
        try await withAsyncScenario { scenario in
            let gateway = scenario.gateway
            let request = AsyncRequest([
                .balanced(amount: "100.00"),
                EntrySpec(lines: [.gl("65000000", "100.00"), .gl("11001000", "-90.00")]),
                EntrySpec(lines: [.gl("99999999", "100.00"), .gl("11001000", "-100.00")]),
                .balanced(amount: "42.00"),
            ])
            expectAccepted(try await gateway.postAsync(request, queryMessageID: newTransportID()))
            let received = try await scenario.receiver.waitForRequests(1)
            let entries = try expectConfirmation(received[0], confirming: request, sentTo: scenario.confirmationsURL).confirmation.entries
            try #require(entries.count == 4)
            #expect(entries.map(\.typeIDs) == [["605(RW)"], ["609(RW)", "702(F5)"], ["609(RW)", "507(F5)"], ["605(RW)"]])
            #expect(entries.map(\.maximumSeverity) == ["1", "3", "3", "1"])
            for rejected in [entries[1], entries[2]] {
                #expect((rejected.accountingDocument, rejected.companyCode, rejected.fiscalYear) == (" ", " ", "0000"))
            }
            #expect(entries[2].log.contains { $0.note == "G/L account 99999999 is not defined in chart of accounts YCOA" }, "\(entries[2].log)")
            // Only the two good entries are in the ledger; the outcomes of all four are kept.
            let posted = try await gateway.listAll()
            #expect(Set(posted.map(\.accountingDocument)) == [entries[0].accountingDocument, entries[3].accountingDocument])
            let detail = try await gateway.waitForDelivery(try #require(request.messageID), .delivered)
            #expect(detail.entries.map(\.outcome.isPosted) == [true, false, false, true])
            #expect(detail.message.postedCount == 2)
        }
    }

    @Test("a large bulk is handed from the intake to the posting worker decoded and checked, and posts and confirms like any other")
    func largeBulkThroughTheHandOff() async throws {
        try await withAsyncScenario { scenario in
            let gateway = scenario.gateway
            // Over the hand-off's 64 KiB threshold; every seventh entry unbalanced (rejected in place).
            let specs = (0..<90).map { index in
                index % 7 == 3
                    ? EntrySpec(id: "LARGE-\(index)", lines: [.gl("65000000", "10.00"), .gl("11001000", "-9.00")])
                    : EntrySpec.balanced(id: "LARGE-\(index)", amount: "\(index + 1).25")
            }
            let request = AsyncRequest(specs)
            try #require(request.envelope().utf8.count >= 64 * 1024, "the bulk must be large enough to be handed over")
            let before = gateway.handOff.handedOver
            expectAccepted(try await gateway.postAsync(request, queryMessageID: newTransportID()))
            let received = try await scenario.receiver.waitForRequests(1)
            let entries = try expectConfirmation(received[0], confirming: request, sentTo: scenario.confirmationsURL).confirmation.entries
            try #require(entries.count == 90)
            #expect(entries.enumerated().allSatisfy { index, entry in
                entry.typeIDs == (index % 7 == 3 ? ["609(RW)", "702(F5)"] : ["605(RW)"])
            })
            #expect(gateway.handOff.handedOver == before + 1, "the worker parsed the stored request instead of taking the intake's")
            #expect(gateway.handOff.heldEntries == 0)
            let detail = try await gateway.waitForDelivery(try #require(request.messageID), .delivered)
            #expect(detail.message.postedCount == 90 - 13)
            #expect(detail.entries.map(\.messageID) == (0..<90).map { request.entryID($0) }, "entries out of request order")
            #expect(try await gateway.listAll().count == 90 - 13)

            // A small bulk is parsed by the worker from the store, as before.
            let small = AsyncRequest([.balanced(amount: "5.00")])
            expectAccepted(try await gateway.postAsync(small, queryMessageID: newTransportID()))
            _ = try await gateway.waitForDelivery(try #require(small.messageID), .delivered)
            #expect(gateway.handOff.handedOver == before + 1)
        }
    }

    @Test("a sender business system without a confirmation endpoint: posted, outcome kept, no confirmation sent")
    func unknownSender() async throws {
        try await withAsyncScenario { scenario in
            let gateway = scenario.gateway
            let unknown = AsyncRequest([.balanced()], sender: "NO_SUCH_SYSTEM")
            expectAccepted(try await gateway.postAsync(unknown, queryMessageID: newTransportID()))
            let detail = try await gateway.waitUntilProcessed(try #require(unknown.messageID))
            #expect(detail.entries.map(\.outcome.isPosted) == [true])
            #expect(detail.delivery == nil, "a confirmation was enqueued for an unknown sender: \(String(describing: detail.delivery))")
            #expect(try await gateway.listAll().count == 1)

            // A known sender's message afterwards is confirmed, and it is the only confirmation.
            let known = AsyncRequest([.balanced()])
            expectAccepted(try await gateway.postAsync(known, queryMessageID: newTransportID()))
            _ = try await gateway.waitForDelivery(try #require(known.messageID), .delivered)
            let received = try scenario.receiver.requests
            #expect(received.count == 1, "\(received)")
            try expectConfirmation(try #require(received.first), confirming: known, sentTo: scenario.confirmationsURL)
        }
    }
}
