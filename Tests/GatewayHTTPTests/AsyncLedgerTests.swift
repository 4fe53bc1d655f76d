import ConfirmationDelivery
import CurlClient
import Foundation
import Ledger
import SOAPCore
import Testing

/// SAP's *Journal Entry by Ledger – Post (Asynchronous)*: G/L items posted only into the ledgers
/// of the entry's `LedgerGroup`, confirmed like the ordinary bulk. The demo has the leading
/// ledger 0L and 2L in both company codes, 3L in 1710 only, and the group 2L3L = {2L, 3L}.
@Suite("Posting by ledger (asynchronous)", .timeLimit(.minutes(2)))
struct AsyncLedgerTests {
    @Test("entries by ledger group are posted only into the group's ledgers of their company code, and confirmed")
    func success() async throws {
        try await withAsyncScenario { scenario in
            let gateway = scenario.gateway
            let request = AsyncRequest(ledger: [
                LedgerEntrySpec(companyCode: "1710", ledgerGroup: "2L3L"),
                LedgerEntrySpec(companyCode: "1010", ledgerGroup: "2L3L"),
                LedgerEntrySpec(companyCode: "1010", ledgerGroup: "0L"),
            ])
            expectAccepted(try await gateway.postAsync(request, queryMessageID: newTransportID()))
            let received = try await scenario.receiver.waitForRequests(1)
            let confirmation = try expectConfirmation(received[0], confirming: request, sentTo: scenario.confirmationsURL)
            let entries = confirmation.confirmation.entries
            #expect(confirmation.interfaceOrignName == AsyncContract.ledgerInterface)
            #expect(entries.map(\.typeIDs) == [["605(RW)"], ["605(RW)"], ["605(RW)"]], "\(entries.map(\.log))")
            try #require(entries.count == 3)

            var ledgers: [[String]?] = []
            var groups: [String?] = []
            for entry in entries {
                let view = try #require(try await gateway.ledgerView(entry.companyCode, entry.fiscalYear, entry.accountingDocument))
                ledgers.append(view.ledgers)
                groups.append(view.ledgerGroup)
            }
            #expect(ledgers == [["2L", "3L"], ["2L"], ["0L"]])
            #expect(groups == ["2L3L", "2L3L", "0L"])
            let stored = try #require(try await gateway.journalEntry(entries[0].companyCode, entries[0].fiscalYear, entries[0].accountingDocument))
            #expect(stored.source.interface == AsyncContract.ledgerInterface)
            let detail = try await gateway.waitForDelivery(try #require(request.messageID), .delivered)
            #expect(detail.message.interface == AsyncContract.ledgerInterface)
        }
    }

    @Test("an ordinary asynchronous posting goes into every ledger of its company code, leading ledger first")
    func ordinaryPostingAllLedgers() async throws {
        try await withAsyncScenario { scenario in
            let gateway = scenario.gateway
            let request = AsyncRequest([.balanced(companyCode: "1010"), .balanced(companyCode: "1710")])
            expectAccepted(try await gateway.postAsync(request, queryMessageID: newTransportID()))
            let received = try await scenario.receiver.waitForRequests(1)
            let entries = try expectConfirmation(received[0], confirming: request, sentTo: scenario.confirmationsURL).confirmation.entries
            try #require(entries.count == 2)
            var ledgers: [[String]?] = []
            for entry in entries {
                let view = try #require(try await gateway.ledgerView(entry.companyCode, entry.fiscalYear, entry.accountingDocument))
                #expect(view.ledgerGroup == nil)
                ledgers.append(view.ledgers)
            }
            #expect(ledgers == [["0L", "2L"], ["0L", "2L", "3L"]])
        }
    }

    @Test("what posting by ledger does not allow is refused per entry in the confirmation Log; the good entry is posted")
    func refusals() async throws {
        try await withAsyncScenario { scenario in
            let gateway = scenario.gateway
            let request = AsyncRequest(ledger: [
                LedgerEntrySpec(ledgerGroup: "2L3L"),
                LedgerEntrySpec(
                    ledgerGroup: "0L", lines: [.gl(account: "41000000", amount: "-100.00"), .customer(id: "10100001", amount: "100.00")]),
                LedgerEntrySpec(
                    ledgerGroup: "0L", lines: [.gl(account: "65000000", amount: "100.00"), .vendor(id: "10300001", amount: "-100.00")]),
                LedgerEntrySpec(ledgerGroup: "0L", reversalReferenceDocument: "0100000000"),
                LedgerEntrySpec(ledgerGroup: "9X"),
                LedgerEntrySpec(companyCode: "1010", ledgerGroup: "3L"),
            ])
            expectAccepted(try await gateway.postAsync(request, queryMessageID: newTransportID()))
            let received = try await scenario.receiver.waitForRequests(1)
            let entries = try expectConfirmation(received[0], confirming: request, sentTo: scenario.confirmationsURL).confirmation.entries
            try #require(entries.count == 6)
            #expect(entries.map(\.typeIDs) == [
                ["605(RW)"],
                ["609(RW)", "022(JGW)"],
                ["609(RW)", "022(JGW)"],
                ["609(RW)", "023(JGW)"],
                ["609(RW)", "020(JGW)"],
                ["609(RW)", "021(JGW)"],
            ])
            #expect(entries[1].log.contains { $0.note == "Item 2: customer items cannot be posted by ledger group 0L; only G/L account items can" }, "\(entries[1].log)")
            #expect(entries[2].log.contains { $0.note == "Item 2: vendor items cannot be posted by ledger group 0L; only G/L account items can" }, "\(entries[2].log)")
            #expect(entries[3].log.contains { $0.note.hasPrefix("ReversalReferenceDocument is not supported when posting by ledger group 0L") }, "\(entries[3].log)")
            #expect(entries[4].log.contains { $0.note == "Ledger group 9X is not defined" }, "\(entries[4].log)")
            #expect(entries[5].log.contains { $0.note == "No ledger of ledger group 3L is assigned to company code 1010" }, "\(entries[5].log)")
            #expect(entries.dropFirst().allSatisfy { $0.maximumSeverity == "3" && $0.accountingDocument == " " })
            #expect(try await gateway.listAll().map(\.accountingDocument) == [entries[0].accountingDocument])
        }
    }

    @Test("a by-ledger request without LedgerGroup violates the schema: a located fault, nothing stored")
    func missingLedgerGroup() async throws {
        try await withAsyncScenario { scenario in
            let gateway = scenario.gateway
            let request = AsyncRequest(ledger: [LedgerEntrySpec(ledgerGroup: "0L")])
            let xml = request.envelope().replacingOccurrences(of: "<LedgerGroup>0L</LedgerGroup>\n", with: "")
            try #require(xml != request.envelope())
            let fault = try expectFault(
                try await gateway.postAsyncXML(xml, path: AsyncContract.ledgerPath, interface: AsyncContract.ledgerInterface, queryMessageID: newTransportID()),
                status: 500)
            #expect(fault.code == "soap-env:Client")
            #expect(fault.reason.hasPrefix("The request does not conform to the schema of \(AsyncContract.ledgerInterface)"), "\(fault.reason)")
            #expect(fault.issues.first?.message.contains("LedgerGroup") == true, "\(fault.issues)")
            #expect(try await gateway.storedMessages().isEmpty)
        }
    }

    @Test("each path takes only its own root element: a JournalEntryBulkCreateRequest at the by-ledger path is refused")
    func wrongRootAtLedgerPath() async throws {
        try await withAsyncScenario { scenario in
            let gateway = scenario.gateway
            let request = AsyncRequest([.balanced()])
            let fault = try expectFault(
                try await gateway.postAsyncXML(
                    request.envelope(), path: AsyncContract.ledgerPath, interface: AsyncContract.ledgerInterface, queryMessageID: newTransportID()),
                status: 500)
            #expect(fault.code == "soap-env:Client")
            #expect(fault.reason.contains(AsyncContract.ledgerRoot), "\(fault.reason)")
            #expect(try await gateway.storedMessages().isEmpty)
        }
    }
}
