import Foundation
import Testing

@Suite("Interoperability with zeep (Python)")
struct ZeepInteropTests {
    struct Output: Decodable {
        struct Result: Decodable {
            let binding: String
            let messageID: String
            let accountingDocument: String
            let companyCode: String
            let fiscalYear: String
            let severity: String
            let typeIDs: [String]
        }

        let zeep: String
        let results: [Result]
        let rejected: Result
    }

    @Test("zeep loads the self-contained WSDL from the gateway, posts through both bindings and reads SAP's blank key of a rejected entry")
    func zeepClient() async throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("zeep_client.py").path
        try await withGateway { gateway in
            let child = try ChildProcess(
                executable: "/usr/bin/env", arguments: ["python3", script, gateway.baseURL, "INTEGRATION", "welcome1", "ZEEP"],
                timeLimit: .seconds(90))
            let (exit, log) = await child.waitForExit()
            try #require(exit.reason == .exit && exit.status == 0, "zeep_client.py failed (\(exit)):\n\(log)")
            let line = try #require(log.split(separator: "\n").last { $0.hasPrefix("{") }, "no JSON in:\n\(log)")
            let output = try JSONDecoder().decode(Output.self, from: Data(line.utf8))

            #expect(output.results.map(\.binding) == ["soap11", "soap12"])
            for result in output.results {
                #expect(result.companyCode == "1010")
                #expect(result.fiscalYear == "2025")
                #expect(result.severity == "1")
                #expect(result.typeIDs == ["605(RW)"])
                #expect(result.accountingDocument.count == 10)
                let stored = try #require(try await gateway.journalEntry("1010", result.fiscalYear, result.accountingDocument))
                #expect(stored.source.messageID == result.messageID)
                #expect(stored.createdByUser == "ZEEP")
                #expect(stored.items.map(\.amountInTransactionCurrency.amount) == ["100.00", "-100.00"])
            }
            #expect(Set(output.results.map(\.accountingDocument)) == ["0100000000", "0100000001"])

            let rejected = output.rejected
            #expect((rejected.accountingDocument, rejected.companyCode, rejected.fiscalYear) == (" ", " ", "0000"))
            #expect(rejected.severity == "3")
            #expect(rejected.typeIDs == ["609(RW)", "702(F5)"])
            #expect(try await gateway.listAll().count == 2)
        }
    }
}
