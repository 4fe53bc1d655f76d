import CurlClient
import Foundation
import GatewayRuntime
import GatewayWorkers
import GatewayHTTP
import LedgerSQLite
import SOAPCore
import Testing
import XMLCore

/// What a repeated message ID means over HTTP: a replay (same payload), a conflict (another
/// payload after something was posted), or a new attempt (nothing was posted); and that a check
/// run costs no write.
@Suite("Message IDs: replay, conflict, reprocessing; check runs write nothing")
struct MessageIDRulesTests {
    @Test("a reused message ID with another payload gets a Client/Sender fault naming the ID and its first receipt; nothing is posted", arguments: [SOAPVersion.soap11, .soap12])
    func conflictFault(version: SOAPVersion) async throws {
        try await withGateway { gateway in
            let messageID = BulkRequest.newMessageID("CONFLICT")
            let original = BulkRequest(EntrySpec.balanced(amount: "100.00"), messageID: messageID)
            let first = try expectConfirmation(try await gateway.postSOAP(original.envelope(version), version: version), version: version)
            let firstEntry = try #require(try await gateway.journalEntry("1010", "2025", first.entries[0].accountingDocument))

            let different = BulkRequest(EntrySpec.balanced(amount: "250.00"), messageID: messageID)
            let response = try await gateway.postSOAP(different.envelope(version), version: version)
            let fault = try expectFault(response, status: version == .soap11 ? 500 : 400, version: version)
            #expect(fault.code == (version == .soap11 ? "soap-env:Client" : "env:Sender"))
            #expect(
                fault.reason.hasPrefix(
                    "MessageHeader/ID '\(messageID)' was already used for a different message (first received at \(firstEntry.source.receivedAt)); nothing was posted."),
                "\(fault.reason)")
            let detail = try #require(
                fault.envelope.payload.childElements.first { $0.localName.lowercased() == "detail" }?
                    .firstChild(named: "MessageIDConflict", namespaceURI: Repo.faultNamespace))
            #expect(detail.firstChild(named: "MessageID", namespaceURI: Repo.faultNamespace)?.text == messageID)
            #expect(detail.firstChild(named: "FirstReceivedAt", namespaceURI: Repo.faultNamespace)?.text == firstEntry.source.receivedAt)
            #expect(try await gateway.listAll().map(\.key) == ["1010/2025/\(first.entries[0].accountingDocument)"])

            // The original payload again, also in the other SOAP version, still gets its confirmation.
            let otherVersion: SOAPVersion = version == .soap11 ? .soap12 : .soap11
            let replay = try expectConfirmation(try await gateway.postSOAP(original.envelope(otherVersion), version: otherVersion), version: otherVersion)
            #expect(replay.uuid == first.uuid)
            #expect(replay.entries.map(\.accountingDocument) == first.entries.map(\.accountingDocument))
            #expect(try await gateway.listAll().count == 1)
        }
    }

    @Test("a bulk whose entries were all rejected does not block its ID: corrected and sent again it posts, then it replays")
    func reprocessingAfterFix() async throws {
        try await withGateway { gateway in
            let messageID = BulkRequest.newMessageID("REPROCESS")
            // Both entries fall into a closed posting period (2023), as when the period was not open yet.
            let closed = BulkRequest(
                messageID: messageID,
                entries: [EntrySpec.balanced(id: "R-1", postingDate: "2023-03-01"), EntrySpec.balanced(id: "R-2", companyCode: "1710", postingDate: "2023-03-01")])
            let rejected = try expectConfirmation(try await gateway.postSOAP(closed.envelope()))
            #expect(rejected.entries.map(\.typeIDs) == [["609(RW)", "201(F5)"], ["609(RW)", "201(F5)"]])
            let rejectedAgain = try expectConfirmation(try await gateway.postSOAP(closed.envelope()))
            #expect(rejectedAgain.uuid != rejected.uuid, "processed again, not replayed")
            try await gateway.expectLedgerEmpty()

            let fixed = BulkRequest(
                messageID: messageID,
                entries: [EntrySpec.balanced(id: "R-1", postingDate: "2025-03-01"), EntrySpec.balanced(id: "R-2", companyCode: "1710", postingDate: "2025-03-01")])
            let posted = try expectConfirmation(try await gateway.postSOAP(fixed.envelope()))
            #expect(posted.entries.map(\.typeIDs) == [["605(RW)"], ["605(RW)"]])
            #expect(posted.entries.map(\.accountingDocument) == ["0100000000", "0100000000"])

            let replay = try expectConfirmation(try await gateway.postSOAP(fixed.envelope()))
            #expect(replay.uuid == posted.uuid)
            let stale = try await gateway.postSOAP(closed.envelope())
            #expect(try expectFault(stale, status: 500).reason.contains("already used for a different message"))
            let entries = try await gateway.listAll()
            #expect(entries.map(\.key) == ["1010/2025/0100000000", "1710/2025/0100000000"])
            #expect(Set(entries.map(\.source.messageID)) == [messageID])
        }
    }

    @Test("a mixed bulk with one posted entry keeps its ID: sending it again replays even after the rejected entry is fixed")
    func partlyPostedKeepsID() async throws {
        try await withGateway { gateway in
            let messageID = BulkRequest.newMessageID("PARTLY")
            let mixed = BulkRequest(messageID: messageID, entries: [EntrySpec.balanced(id: "P-1"), EntrySpec.balanced(id: "P-2", postingDate: "2023-03-01")])
            let first = try expectConfirmation(try await gateway.postSOAP(mixed.envelope()))
            #expect(first.entries.map(\.typeIDs) == [["605(RW)"], ["609(RW)", "201(F5)"]])
            let again = try expectConfirmation(try await gateway.postSOAP(mixed.envelope()))
            #expect(again.uuid == first.uuid)
            let fixed = BulkRequest(messageID: messageID, entries: [EntrySpec.balanced(id: "P-1"), EntrySpec.balanced(id: "P-2")])
            #expect(try await gateway.postSOAP(fixed.envelope()).status == 500, "a changed payload under a used ID is a conflict")
            #expect(try await gateway.listAll().count == 1)
        }
    }

    @Test("20 concurrent sends of a once-rejected message ID post exactly once")
    func concurrentReprocessing() async throws {
        try await withGateway { gateway in
            let messageID = BulkRequest.newMessageID("RACE-R")
            _ = try expectConfirmation(try await gateway.postSOAP(BulkRequest(EntrySpec.balanced(postingDate: "2023-01-01"), messageID: messageID).envelope()))
            let xml = BulkRequest(EntrySpec.balanced(), messageID: messageID).envelope()
            let responses = try await withThrowingTaskGroup(of: HTTPResponseSummary.self) { group in
                for _ in 0..<20 { group.addTask { try await gateway.postSOAP(xml) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let confirmations = try responses.map { try expectConfirmation($0) }
            #expect(Set(confirmations.map(\.uuid)).count == 1)
            #expect(Set(confirmations.map { $0.entries.map(\.accountingDocument) }) == [["0100000000"]])
            #expect(try await gateway.listAll().count == 1)
        }
    }

    @Test("check runs (TestDataIndicator on the bulk or on every entry) are answered with 614(RW) and commit nothing")
    func checkRunsCommitNothing() async throws {
        // The workers poll the store in transactions of their own; here they poll once an hour,
        // so that every commit counted is one of the requests.
        let quiet = GatewayRuntime.Options(
            posting: .init(pollInterval: .seconds(3600)), dispatcher: .init(pollInterval: .seconds(3600), proxy: .disabled))
        try await withGateway(options: quiet) { gateway in
            _ = try await gateway.expectPosted(BulkRequest(EntrySpec.balanced()))
            let commitsBefore = gateway.store.committedTransactionCount
            let walBefore = try FileManager.default.attributesOfItem(atPath: gateway.databasePath + "-wal")[.size] as? NSNumber

            let bulkCheck = BulkRequest(EntrySpec.balanced(), messageID: BulkRequest.newMessageID("CHECK"), testData: true)
            var everyEntry = BulkRequest(messageID: BulkRequest.newMessageID("CHECK-E"), entries: [EntrySpec.balanced(), EntrySpec.balanced(companyCode: "1710")])
            everyEntry.entries = everyEntry.entries.map { entry in
                var entry = entry
                entry.testData = true
                return entry
            }
            for request in [bulkCheck, bulkCheck, everyEntry] {
                let confirmation = try expectConfirmation(try await gateway.postSOAP(request.envelope()))
                #expect(confirmation.entries.allSatisfy { $0.typeIDs == ["614(RW)"] })
            }
            #expect(gateway.store.committedTransactionCount == commitsBefore, "a check run must not open a write transaction (no fsync)")
            let walAfter = try FileManager.default.attributesOfItem(atPath: gateway.databasePath + "-wal")[.size] as? NSNumber
            #expect(walAfter == walBefore)

            // A real message under the checked ID posts afterwards; one commit.
            var real = bulkCheck
            real.testData = false
            let posted = try await gateway.expectPosted(real)
            #expect(posted.entries.map(\.accountingDocument) == ["0100000001"])
            #expect(gateway.store.committedTransactionCount == commitsBefore + 1)
        }
    }
}
