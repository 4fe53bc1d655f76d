import GatewayConfig
import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import GatewayHTTP
import Hummingbird
import HummingbirdBcrypt
import Ledger
import LedgerSQLite
import Logging

@main
struct JournalGateway: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "journal-gateway",
        abstract: "A SOAP/XML gateway that speaks SAP S/4HANA's journal-entry services and posts into its own double-entry ledger.",
        version: "journal-gateway \(GatewayVersion.current)",
        subcommands: [Serve.self, CheckConfig.self, HashPassword.self, BackupCommand.self, MessagesCommand.self, ReceiveConfirmations.self, VerifyCommand.self, ClearingCommand.self],
        defaultSubcommand: Serve.self)
}

extension GatewayConfiguration.LoadError: LocalizedError {
    public var errorDescription: String? { description }
}
