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

struct HashPassword: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hash-password", abstract: "Print the bcrypt hash of a password (read from stdin) for the configuration's users.")

    @Option(help: "bcrypt cost (4…31).") var cost: UInt8 = 10

    func run() async throws {
        guard let password = readLine(strippingNewline: true), !password.isEmpty else { throw ValidationError("no password on stdin") }
        print(Bcrypt.hash(password, cost: cost))
    }
}
