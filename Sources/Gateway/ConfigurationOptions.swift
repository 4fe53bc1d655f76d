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

/// Options shared by commands that read the configuration.
struct ConfigurationOptions: ParsableArguments {
    @Option(help: "Configuration file (JSON). Default: config/demo.json, the shipped demo configuration.")
    var config: String = "config/demo.json"

    @Option(help: "Directory that holds WSDL/ and Schemas/. Default: the working directory, else the repository the binary was built in.")
    var resources: String?

    func resourceDirectory() throws -> String {
        if let resources { return resources }
        let fileManager = FileManager.default
        var candidates = [fileManager.currentDirectoryPath]
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            candidates.append(directory.path)
            directory.deleteLastPathComponent()
        }
        for candidate in candidates where fileManager.fileExists(atPath: candidate + "/Schemas/JournalEntryCreate.xsd") {
            return candidate
        }
        throw ValidationError("cannot find WSDL/ and Schemas/; run from the repository or pass --resources <dir>")
    }
}
