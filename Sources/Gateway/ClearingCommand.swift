import ArgumentParser
import Foundation
import GatewayConfig
import GatewayHTTP
import Ledger
import LedgerSQLite

/// `journal-gateway clearing …`: operator actions on clearings.
struct ClearingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clearing",
        abstract: "Operator actions on clearings of open items.",
        subcommands: [ClearingReset.self])
}

/// `journal-gateway clearing reset <company-code> <fiscal-year> <document>`: SAP's "reset cleared
/// items" with reversal of the clearing document, in one transaction.
struct ClearingReset: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reset",
        abstract: "Reset a clearing: reopen the items it cleared and reverse the clearing document.",
        discussion: """
            In one transaction, the items the clearing document cleared are open again (as before the clearing), and a \
            reversal document mirrors the clearing document; the clearing's own open-item lines (and a rest or residual item \
            it left open) are cleared against their mirrors, so nothing of the clearing stays open. Refused, with nothing \
            changed, when the document is not a clearing, is already reset, or when a rest item it left open has been \
            cleared since (reset that later clearing first). The gateway may be serving the ledger meanwhile. The reset is \
            recorded as a message (interface ClearingReset) that `messages list` shows.
            """)

    @OptionGroup var ledger: MessagesLedgerOptions

    @Argument(help: "Company code of the clearing document (e.g. 1010).")
    var companyCode: String

    @Argument(help: "Fiscal year of the clearing document (e.g. 2026).")
    var fiscalYear: Int

    @Argument(help: "Number of the clearing document (10 digits, e.g. 0100000042).")
    var document: String

    @Option(help: "Posting date of the reversal document, YYYY-MM-DD (default: the clearing document's posting date).")
    var postingDate: String?

    @Option(help: "Reversal reason recorded on the reversal document.")
    var reason: String = "01"

    @Option(help: "User recorded as the one who reset the clearing (default: the login name, upper case).")
    var user: String?

    func validate() throws {
        if let postingDate, LedgerDate(iso: postingDate) == nil { throw ValidationError("--posting-date '\(postingDate)' is not a date YYYY-MM-DD") }
        guard document.count <= 10, document.allSatisfy(\.isNumber) else { throw ValidationError("document '\(document)' is not a document number") }
        guard (1000...9999).contains(fiscalYear) else { throw ValidationError("fiscal year \(fiscalYear) is not a four-digit year") }
        if reason.isEmpty || reason.count > 2 { throw ValidationError("--reason must have 1 or 2 characters (SAP's reversal reason)") }
    }

    func run() async throws {
        let (_, masterData) = try GatewayConfiguration.load(path: ledger.options.config)
        let processor = MessageProcessor(masterData: masterData)
        let number = DocumentKey.formatNumber(Int64(document) ?? 0)
        let request = ClearingResetRequest(
            clearing: DocumentKey(companyCode: companyCode, fiscalYear: fiscalYear, documentNumber: number), reason: reason,
            postingDate: postingDate.flatMap(LedgerDate.init(iso:)), user: user ?? Self.loginName(), at: UTCTimestamp.now(),
            uuid: UUID().uuidString.lowercased())
        let result = try await ledger.withLedger { store in
            try await store.write { transaction in try processor.resetClearing(request, in: transaction) }
        }
        switch result {
        case .success(let reset):
            writeLine(reset.logMessage.text)
            for item in reset.reopened { writeLine("  open again: item \(item.item) of \(item.document.documentNumber) \(item.document.companyCode) \(item.document.fiscalYear)") }
        case .failure(let rejection):
            throw MessagesCommandError(rejection.messages.map { "\($0.id.messageClass)\($0.id.number) \($0.text)" }.joined(separator: "; "))
        }
    }

    static func loginName() -> String {
        let name = (ProcessInfo.processInfo.environment["USER"] ?? "").uppercased()
        return name.isEmpty ? "OPERATOR" : String(name.prefix(12))
    }
}
