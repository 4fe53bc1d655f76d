import ArgumentParser
import Foundation
import GatewayConfig
import GatewayHTTP
import Ledger
import LedgerSQLite
import Logging

/// `journal-gateway verify`: checks a ledger file's invariants (``LedgerVerifier``) and reports
/// every breach; exit status 1 when there is one.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a ledger's invariants: balances, trial balance, gapless numbers, reversal links, open items.",
        discussion: """
            Reads every posted document of the ledger (it may be serving: the check reads one consistent snapshot per page) \
            and checks that each document balances, that the trial balance of each company code is zero, that document \
            numbers are gapless per company code, fiscal year and number range, that reversal links agree both ways and \
            each reversal mirrors its original, and that the balance of each open-item-managed account equals the sum of \
            its open items. Prints what was checked and each breach; exits with status 1 if there is one.
            """)

    @OptionGroup var ledger: MessagesLedgerOptions

    func run() async throws {
        let (_, masterData) = try GatewayConfiguration.load(path: ledger.options.config)
        let report = try await ledger.withLedger { store in
            var entries: [StoredJournalEntry] = []
            var query = JournalEntryQuery(limit: 500)
            while true {
                let page = try await store.journalEntries(query)
                entries += page.entries
                guard let next = page.next else { break }
                query.after = next
            }
            return LedgerVerifier.verify(entries, masterData: masterData)
        }
        print("\(ledger.database): \(report.documents) documents in \(report.companyCodes) company codes, \(report.openItemAccounts) open-item accounts")
        if report.breaches.isEmpty {
            print("all invariants hold")
            return
        }
        for breach in report.breaches { print("BREACH \(breach)") }
        print("\(report.breaches.count) breach(es)")
        throw ExitCode(1)
    }
}
