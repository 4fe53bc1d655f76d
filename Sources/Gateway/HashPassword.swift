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

    @Option(help: "bcrypt cost: 4…31; each step doubles the time of every logon check (10 takes about 0.1 s).") var cost: Int = 10

    func validate() throws {
        guard (4...31).contains(cost) else { throw ValidationError("--cost must be 4…31 (bcrypt's range), not \(cost)") }
    }

    func run() async throws {
        guard let password = readLine(strippingNewline: true), !password.isEmpty else { throw ValidationError("no password on stdin") }
        // The logon refuses such passwords before bcrypt (which ignores a NUL and everything after byte 72),
        // so a hash of one could never be logged on with.
        if password.utf8.contains(0) { throw ValidationError("the password contains a NUL byte, which a logon never accepts") }
        if password.utf8.count > 72 {
            throw ValidationError("the password has \(password.utf8.count) bytes; bcrypt uses at most 72 and a logon refuses longer ones")
        }
        print(Bcrypt.hash(password, cost: UInt8(cost)))
    }
}
