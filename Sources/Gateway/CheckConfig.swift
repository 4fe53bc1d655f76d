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

struct CheckConfig: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check-config", abstract: "Check a configuration file and print a summary.")

    @OptionGroup var options: ConfigurationOptions

    func run() async throws {
        let (configuration, masterData) = try GatewayConfiguration.load(path: options.config)
        print("\(options.config): OK")
        print("  company codes: \(masterData.companyCodes.values.sorted { $0.id < $1.id }.map { "\($0.id) (\($0.currency.code))" }.joined(separator: ", "))")
        print("  document types: \(masterData.documentTypes.keys.sorted().joined(separator: ", "))")
        print("  customers: \(masterData.customers.count), vendors: \(masterData.vendors.count), users: \(configuration.users.count)")
    }
}
