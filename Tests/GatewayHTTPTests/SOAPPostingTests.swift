import CurlClient
import Foundation
import GatewayHTTP
import SOAPCore
import Testing
import XMLCore

@Suite("Posting journal entries over SOAP")
struct SOAPPostingTests {
    @Test("a SOAP 1.1 single-entry request is posted, confirmed in SAP's shape and readable through the JSON API")
    func soap11SingleEntry() async throws {
        try await withGateway { gateway in
            let response = try await gateway.postSOAP(try Repo.fixture("create_single_soap11.xml"))
            let confirmation = try expectConfirmation(response, version: .soap11)

            #expect(confirmation.referenceID == "MSG-FIXTURE-1")
            #expect(confirmation.senderBusinessSystemID == "JGW")
            #expect(confirmation.bulkLogIsEmpty)
            #expect(confirmation.uuid.count == 36)
            try #require(confirmation.entries.count == 1)
            let entry = confirmation.entries[0]
            #expect(entry.referenceID == "SUB-FIXTURE-1")
            #expect(entry.uuid.count == 36 && entry.uuid != confirmation.uuid)
            #expect(entry.accountingDocument.count == 10 && entry.accountingDocument.allSatisfy(\.isNumber))
            #expect(entry.companyCode == "1010")
            #expect(entry.fiscalYear == "2025")
            #expect(entry.maximumSeverity == "1")
            #expect(
                entry.log == [
                    .init(
                        typeID: "605(RW)", severity: "1",
                        note: "Document posted successfully: BKPFF \(entry.accountingDocument)1010\(entry.fiscalYear) JGWCLNT100")
                ])

            let stored = try #require(try await gateway.journalEntry("1010", entry.fiscalYear, entry.accountingDocument))
            #expect(stored.companyCode == "1010")
            #expect(stored.fiscalYear == 2025)
            #expect(stored.accountingDocument == entry.accountingDocument)
            #expect(stored.accountingDocumentType == "SA")
            #expect(stored.fiscalPeriod == 3)
            #expect(stored.postingDate == "2025-03-01")
            #expect(stored.documentDate == "2025-03-01")
            #expect(stored.transactionCurrency == "EUR")
            #expect(stored.companyCodeCurrency == "EUR")
            #expect(stored.documentHeaderText == "Office rent March 2025")
            #expect(stored.createdByUser == "DEMO_USER")
            #expect(stored.postedBy == "INTEGRATION")
            #expect(stored.source.interface == "JournalEntryCreateRequestConfirmation_In")
            #expect(stored.source.messageID == "MSG-FIXTURE-1")
            #expect(stored.source.entryMessageID == "SUB-FIXTURE-1")
            try #require(stored.items.count == 2)
            let (rent, bank) = (stored.items[0], stored.items[1])
            #expect(rent.lineNumber == 1 && rent.glAccount == "65000000" && rent.accountType == "S" && rent.debitCreditCode == "S")
            #expect(rent.amountInTransactionCurrency == APIAmount(amount: "100.00", currency: "EUR"))
            #expect(rent.amountInCompanyCodeCurrency == APIAmount(amount: "100.00", currency: "EUR"))
            #expect(rent.documentItemText == "Office rent March 2025")
            #expect(bank.lineNumber == 2 && bank.glAccount == "11001000" && bank.debitCreditCode == "H")
            #expect(bank.amountInTransactionCurrency == APIAmount(amount: "-100.00", currency: "EUR"))
            #expect(bank.amountInCompanyCodeCurrency == APIAmount(amount: "-100.00", currency: "EUR"))
            #expect(bank.valueDate == "2025-03-01")
        }
    }

    @Test("the response check accepts SAP's single-blank key of an unposted entry and catches anything else (two blanks, empty)")
    func responseCheckCanFail() throws {
        let example = try Repo.fixture("confirmation_bulk_mixed_soap11.xml")
        #expect(example.contains("<AccountingDocument> </AccountingDocument>"))
        let valid = try ResponseEnvelope(Array(example.utf8))
        #expect(try Repo.schema().validate(valid.payload).isEmpty)
        for wrong in ["<AccountingDocument>  </AccountingDocument>", "<AccountingDocument></AccountingDocument>"] {
            let invalid = try ResponseEnvelope(Array(example.replacingOccurrences(of: "<AccountingDocument> </AccountingDocument>", with: wrong).utf8))
            #expect(!(try Repo.schema().validate(invalid.payload).isEmpty), "\(wrong)")
        }
    }

    @Test("a SOAP 1.2 request is answered in SOAP 1.2 (env: prefix, application/soap+xml)")
    func soap12SingleEntry() async throws {
        try await withGateway { gateway in
            let response = try await gateway.postSOAP(try Repo.fixture("create_single_soap12.xml"), version: .soap12)
            let confirmation = try expectConfirmation(response, version: .soap12)
            #expect(response.text.contains("<env:Envelope xmlns:env=\"http://www.w3.org/2003/05/soap-envelope\">"))
            try #require(confirmation.entries.count == 1)
            let entry = confirmation.entries[0]
            #expect(entry.typeIDs == ["605(RW)"])
            #expect(try await gateway.journalEntry("1010", "2025", entry.accountingDocument) != nil)
        }
    }

    @Test("a SOAP 1.2 request whose WS-Addressing headers carry mustUnderstand is posted")
    func soap12WithWSAddressing() async throws {
        try await withGateway { gateway in
            let response = try await gateway.postSOAP(try Repo.fixture("create_wsa_soap12.xml"), version: .soap12)
            let confirmation = try expectConfirmation(response, version: .soap12)
            #expect(confirmation.entries.map(\.typeIDs) == [["605(RW)"]])
        }
    }

    @Test("a mixed bulk posts the good entry, rejects the unbalanced one with 609(RW)+702(F5), in request order")
    func mixedBulk() async throws {
        try await withGateway { gateway in
            let response = try await gateway.postSOAP(try Repo.fixture("create_bulk_mixed_soap11.xml"))
            let confirmation = try expectConfirmation(response)
            #expect(confirmation.referenceID == "MSG-FIXTURE-BULK")
            try #require(confirmation.entries.count == 2)
            let (posted, rejected) = (confirmation.entries[0], confirmation.entries[1])

            #expect(posted.referenceID == "SUB-FIXTURE-BULK-1")
            #expect(posted.accountingDocument.count == 10 && posted.accountingDocument.allSatisfy(\.isNumber))
            #expect(posted.fiscalYear == "2025")
            #expect(posted.maximumSeverity == "1")
            #expect(posted.typeIDs == ["605(RW)"])

            #expect(rejected.referenceID == "SUB-FIXTURE-BULK-2")
            #expect(rejected.accountingDocument == " ")
            #expect(rejected.companyCode == " ")
            #expect(rejected.fiscalYear == "0000")
            #expect(rejected.maximumSeverity == "3")
            #expect(rejected.typeIDs == ["609(RW)", "702(F5)"])
            #expect(rejected.log.allSatisfy { $0.severity == "3" })
            #expect(rejected.log.first?.note == "Error in document: BKPFF $ JGWCLNT100")
            #expect(rejected.log.last?.note.hasPrefix("Balance in transaction currency") == true)

            let entries = try await gateway.listAll()
            #expect(entries.map(\.accountingDocument) == [posted.accountingDocument])
            #expect(entries.map { $0.source.entryMessageID } == ["SUB-FIXTURE-BULK-1"])
        }
    }

    @Test("the customer and supplier invoices of create_full_soap11.xml post with tax and partner lines")
    func fullInvoices() async throws {
        try await withGateway { gateway in
            let confirmation = try expectConfirmation(try await gateway.postSOAP(try Repo.fixture("create_full_soap11.xml")))
            try #require(confirmation.entries.count == 2)
            #expect(confirmation.entries.map(\.typeIDs) == [["605(RW)"], ["605(RW)"]])
            // DR uses number range 18, KR range 19.
            #expect(confirmation.entries.map(\.accountingDocument) == ["1800000000", "1900000000"])
            let invoice = try #require(try await gateway.journalEntry("1010", "2025", "1800000000"))
            #expect(invoice.items.map(\.accountType) == ["S", "D", "S"])
            #expect(invoice.items[1].customer == "10100001" && invoice.items[1].glAccount == "12100000")
            #expect(invoice.items[1].openItemState == "open")
            #expect(invoice.items[2].glAccount == "22000000" && invoice.items[2].taxCode == "A1")
            #expect(invoice.items[2].taxBaseAmountInTransactionCurrency == APIAmount(amount: "-1000.00", currency: "EUR"))
            let supplier = try #require(try await gateway.journalEntry("1010", "2025", "1900000000"))
            #expect(supplier.items.map(\.accountType) == ["S", "K", "S"])
            #expect(supplier.items[1].vendor == "10300001" && supplier.items[1].glAccount == "21100000")
        }
    }
}
