import Foundation
import Ledger
import Testing

/// `journal-gateway verify` against a live ledger file.
@Suite("journal-gateway verify")
struct VerifyCommandTests {
    @Test("verify passes on a serving gateway's ledger, and reports a broken reversal link with exit status 1")
    func verifyLiveLedger() async throws {
        try await withGateway { gateway in
            let first = try await gateway.expectPosted(BulkRequest(.balanced())).entries[0]
            let second = try await gateway.expectPosted(BulkRequest(.balanced(companyCode: "1710"))).entries[0]
            let arguments = ["verify", "--database", gateway.databasePath, "--config", Repo.demoConfig, "--resources", Repo.root]
            let healthy = try ChildProcess(executable: try GatewayExecutable.path(), arguments: arguments)
            let (exit, log) = await healthy.waitForExit()
            #expect(exit.reason == .exit && exit.status == 0, "\(exit): \(log)")
            #expect(log.contains("2 documents in 2 company codes"), "\(log)")
            #expect(log.contains("all invariants hold"), "\(log)")

            // A reversal link on one side only (written through the store's own primitive).
            let original = DocumentKey(companyCode: "1010", fiscalYear: 2025, documentNumber: first.accountingDocument)
            let other = DocumentKey(companyCode: "1710", fiscalYear: 2025, documentNumber: second.accountingDocument)
            try await gateway.store.write { transaction in try transaction.markReversed(original, by: other) }
            let broken = try ChildProcess(executable: try GatewayExecutable.path(), arguments: arguments)
            let (brokenExit, brokenLog) = await broken.waitForExit()
            #expect(brokenExit.reason == .exit && brokenExit.status == 1, "\(brokenExit): \(brokenLog)")
            #expect(brokenLog.contains("BREACH reversal links: 1010/2025/\(first.accountingDocument) names 1710/2025/\(second.accountingDocument) as its reversal"), "\(brokenLog)")
        }
    }
}
