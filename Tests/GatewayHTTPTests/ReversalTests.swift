import CurlClient
import Foundation
import Testing

/// Reversals through the create service: `ReversalReferenceDocument` (SAP's object key of the
/// document to reverse: number, company code, fiscal year) and `ReversalReason`.
@Suite("Reversing a posted document")
struct ReversalTests {
    /// The mirror of `entry` (every amount negated) as the reversal of `objectKey`.
    static func reversal(of entry: EntrySpec, objectKey: String, reason: String? = "01") -> EntrySpec {
        var reversal = entry
        reversal.headerText = "Reversal"
        reversal.lines = entry.lines.map { line in
            var line = line
            line.amount = line.amount.hasPrefix("-") ? String(line.amount.dropFirst()) : "-" + line.amount
            return line
        }
        reversal.reversalReason = reason
        reversal.reversalReferenceDocument = objectKey
        return reversal
    }

    static let invoice = EntrySpec(documentType: "DR", lines: [.customer("10100001", "119.00"), .gl("41000000", "-119.00")])

    @Test("a reversal posts the mirrored document, both link to each other, and the account balances return to zero")
    func reversalPostsAndLinks() async throws {
        try await withGateway { gateway in
            let posted = try await gateway.expectPosted(BulkRequest(Self.invoice)).entries[0]
            let objectKey = posted.accountingDocument + "1010" + posted.fiscalYear
            let reversed = try await gateway.expectPosted(BulkRequest(Self.reversal(of: Self.invoice, objectKey: objectKey))).entries[0]
            #expect(reversed.accountingDocument != posted.accountingDocument)

            let original = try #require(try await gateway.journalEntry("1010", posted.fiscalYear, posted.accountingDocument))
            let reversal = try #require(try await gateway.journalEntry("1010", reversed.fiscalYear, reversed.accountingDocument))
            #expect(original.reversedBy == APIDocumentLink(companyCode: "1010", fiscalYear: 2025, accountingDocument: reversed.accountingDocument))
            #expect(original.reversal == nil)
            #expect(
                reversal.reversal
                    == APIReversal(
                        reversedDocument: APIDocumentLink(companyCode: "1010", fiscalYear: 2025, accountingDocument: posted.accountingDocument),
                        reversalReason: "01"))
            #expect(reversal.reversedBy == nil)
            // Line by line the reversal is the original with the opposite amounts.
            #expect(reversal.items.map(\.glAccount) == original.items.map(\.glAccount))
            #expect(original.items.map(\.amountInTransactionCurrency.amount) == ["-119.00", "119.00"])
            #expect(reversal.items.map(\.amountInTransactionCurrency.amount) == ["119.00", "-119.00"])
        }
    }

    @Test("a reversed document cannot be reversed again, a reversal document cannot be reversed, and the Log says why")
    func reversedOnlyOnce() async throws {
        try await withGateway { gateway in
            let posted = try await gateway.expectPosted(BulkRequest(Self.invoice)).entries[0]
            let objectKey = posted.accountingDocument + "1010" + posted.fiscalYear
            let reversalSpec = Self.reversal(of: Self.invoice, objectKey: objectKey)
            let reversed = try await gateway.expectPosted(BulkRequest(reversalSpec)).entries[0]
            let before = try await gateway.listAll().count

            let again = try expectConfirmation(try await gateway.postSOAP(BulkRequest(reversalSpec).envelope())).entries[0]
            #expect(again.typeIDs == ["609(RW)", "029(JGW)"], "\(again.log)")
            #expect(again.log.last?.note == "Document \(posted.accountingDocument) 1010 2025 has already been reversed by document \(reversed.accountingDocument)")
            #expect(again.accountingDocument == " " && again.fiscalYear == "0000")

            let reversalKey = reversed.accountingDocument + "1010" + reversed.fiscalYear
            let ofReversal = try expectConfirmation(
                try await gateway.postSOAP(BulkRequest(Self.reversal(of: reversalSpec, objectKey: reversalKey)).envelope())
            ).entries[0]
            #expect(ofReversal.typeIDs == ["609(RW)", "905(F5)"], "\(ofReversal.log)")
            #expect(try await gateway.listAll().count == before, "nothing more was posted")
        }
    }

    @Test("reversal requests that cannot be carried out are refused with a message naming the problem, and nothing is posted")
    func refusedReversals() async throws {
        try await withGateway { gateway in
            let posted = try await gateway.expectPosted(BulkRequest(Self.invoice)).entries[0]
            let objectKey = posted.accountingDocument + "1010" + posted.fiscalYear
            let before = try await gateway.listAll().count
            func refusal(_ spec: EntrySpec) async throws -> Confirmation.Entry {
                try expectConfirmation(try await gateway.postSOAP(BulkRequest(spec).envelope())).entries[0]
            }
            // Not a document key.
            #expect(try await refusal(Self.reversal(of: Self.invoice, objectKey: "12345")).typeIDs == ["609(RW)", "024(JGW)"])
            // No reason.
            #expect(try await refusal(Self.reversal(of: Self.invoice, objectKey: objectKey, reason: nil)).typeIDs == ["609(RW)", "025(JGW)"])
            // A reason without a document.
            var reasonOnly = Self.invoice
            reasonOnly.reversalReason = "01"
            #expect(try await refusal(reasonOnly).typeIDs == ["609(RW)", "026(JGW)"])
            // Another company code's document.
            #expect(
                try await refusal(Self.reversal(of: Self.invoice, objectKey: posted.accountingDocument + "1710" + posted.fiscalYear)).typeIDs
                    == ["609(RW)", "027(JGW)"])
            // A document that does not exist.
            #expect(try await refusal(Self.reversal(of: Self.invoice, objectKey: "0199999999" + "1010" + "2025")).typeIDs == ["609(RW)", "028(JGW)"])
            // Items that are not the original's mirror.
            let wrong = Self.reversal(of: EntrySpec(documentType: "DR", lines: [.customer("10100001", "100.00"), .gl("41000000", "-100.00")]), objectKey: objectKey)
            let mismatch = try await refusal(wrong)
            #expect(mismatch.typeIDs == ["609(RW)", "030(JGW)"], "\(mismatch.log)")
            #expect(mismatch.log.last?.note == "Item 1 (41000000, 100.00 EUR) has no opposite item in document \(posted.accountingDocument) 1010 2025")
            #expect(try await gateway.listAll().count == before, "nothing was posted")
            let original = try #require(try await gateway.journalEntry("1010", posted.fiscalYear, posted.accountingDocument))
            #expect(original.reversedBy == nil)
        }
    }
}

/// `GET /api/open-items`: a customer's open items and balance at a key date.
@Suite("Open items of an account")
struct OpenItemsTests {
    @Test("a customer's open items sum to its balance; the key date limits them; a G/L account without open-item management is refused")
    func customerOpenItems() async throws {
        try await withGateway { gateway in
            let invoice = EntrySpec(documentType: "DR", postingDate: "2025-03-01", lines: [.gl("41000000", "-119.00"), .customer("10100001", "119.00")])
            let posted = try await gateway.expectPosted(BulkRequest(invoice)).entries[0]
            let second = EntrySpec(documentType: "DR", postingDate: "2025-05-01", lines: [.gl("41000000", "-20.50"), .customer("10100001", "20.50")])
            _ = try await gateway.expectPosted(BulkRequest(second))

            func openItems(_ query: String) async throws -> [String: Any] {
                let response = try await gateway.get("/api/open-items?" + query)
                try #require(response.status == 200, "\(response.status): \(response.text)")
                return try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
            }
            let all = try await openItems("companyCode=1010&account=10100001")
            #expect(all["accountType"] as? String == "D")
            #expect((all["balance"] as? [String: String]) == ["amount": "139.50", "currency": "EUR"])
            #expect((all["openItemsTotal"] as? [String: String]) == ["amount": "139.50", "currency": "EUR"])
            let items = try #require(all["items"] as? [[String: Any]])
            #expect(items.map { $0["accountingDocument"] as? String }.first == posted.accountingDocument)
            #expect(items.map { $0["item"] as? Int } == [2, 2])
            #expect(items.allSatisfy { $0["status"] as? String == "open" })

            let atMarch = try await openItems("companyCode=1010&account=10100001&keyDate=2025-03-31")
            #expect((atMarch["balance"] as? [String: String])?["amount"] == "119.00")
            #expect((atMarch["items"] as? [[String: Any]])?.count == 1)

            // Reversing the first invoice: its open item and the reversal's cancel out.
            let objectKey = posted.accountingDocument + "1010" + posted.fiscalYear
            _ = try await gateway.expectPosted(BulkRequest(ReversalTests.reversal(of: invoice, objectKey: objectKey)))
            let afterReversal = try await openItems("companyCode=1010&account=10100001")
            #expect((afterReversal["balance"] as? [String: String])?["amount"] == "20.50")
            #expect((afterReversal["openItemsTotal"] as? [String: String])?["amount"] == "20.50")

            let bank = try await gateway.get("/api/open-items?companyCode=1010&account=65000000")
            #expect(bank.status == 400)
            #expect(bank.text.contains("There are no open items managed in account 65000000"), "\(bank.text)")
            let unknown = try await gateway.get("/api/open-items?companyCode=1010&acount=10100001")
            #expect(unknown.status == 400)
            #expect(unknown.text.contains("did you mean 'account'"), "\(unknown.text)")
        }
    }
}
