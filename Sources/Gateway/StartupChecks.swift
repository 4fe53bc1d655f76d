import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import NIOCore

/// A reason `serve` cannot start, naming the address or path and the cause.
struct StartupError: Error, CustomStringConvertible, LocalizedError {
    let description: String
    var errorDescription: String? { description }
}

extension Serve {
    /// The ledger when `--database` is not given: the path the README names (`scripts/start.sh` uses it too).
    static let defaultDatabase = "data/journal-gateway.sqlite"

    /// Option checks before anything starts: ports outside 0…65535 and empty hosts are usage errors.
    func validateListenOptions() throws {
        guard (0...65535).contains(port) else {
            throw ValidationError("--port must be 1…65535, or 0 for any free port (the chosen one is logged); got \(port)")
        }
        guard !host.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--host must not be empty") }
        guard !database.isEmpty else { throw ValidationError("--database must not be empty") }
    }

    /// Runs `body` (the server) and turns a failure to listen into "cannot listen on host:port: cause".
    static func listening<T>(host: String, port: Int, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as IOError where [EADDRINUSE, EACCES, EADDRNOTAVAIL, EPERM].contains(error.errnoCode) {
            let cause: String
            switch error.errnoCode {
            case EADDRINUSE: cause = "address already in use (another process listens there; choose another --port)"
            case EACCES, EPERM: cause = "permission denied (ports below 1024 need privileges; choose a --port of 1024 or more)"
            default: cause = "the address is not available on this machine (check --host)"
            }
            throw StartupError(description: "cannot listen on \(host):\(port): \(cause)")
        } catch let error as SocketAddressError.UnknownHost {
            throw StartupError(description: "cannot listen on \(host):\(port): unknown host \(host) (\(error.errorDescription))")
        } catch let error as SocketAddressError {
            throw StartupError(description: "cannot listen on \(host):\(port): \(host) is not a usable address (\(error))")
        }
    }
}

/// Where the ledger's SQLite file goes, checked before SQLite tries, so that a missing or
/// read-only place is reported as such instead of SQLite's "unable to open database file".
enum LedgerLocation {
    /// Checks that `path` can hold a writable ledger; creates the directory of the default path.
    static func prepare(_ path: String, isDefault: Bool) throws(StartupError) {
        let fileManager = FileManager.default
        let directory = (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent
        var isDirectory: ObjCBool = false
        if !fileManager.fileExists(atPath: directory, isDirectory: &isDirectory) {
            guard isDefault else { throw StartupError(description: "cannot open ledger \(path): directory \(directory) does not exist") }
            do {
                try fileManager.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw StartupError(description: "cannot open ledger \(path): directory \(directory) cannot be created (\(Self.reason(error)))")
            }
        } else if !isDirectory.boolValue {
            throw StartupError(description: "cannot open ledger \(path): \(directory) is not a directory")
        }
        if fileManager.fileExists(atPath: path, isDirectory: &isDirectory) {
            if isDirectory.boolValue { throw StartupError(description: "cannot open ledger \(path): it is a directory") }
            if !fileManager.isReadableFile(atPath: path) || !fileManager.isWritableFile(atPath: path) {
                throw StartupError(description: "cannot open ledger \(path): the file is read-only for this user (the ledger must be writable)")
            }
        }
        if !fileManager.isWritableFile(atPath: directory) {
            throw StartupError(
                description: "cannot open ledger \(path): directory \(directory) is read-only for this user (SQLite creates the ledger and its -wal and -shm files there)")
        }
    }

    /// Opens the store, naming the path in any failure.
    static func opening<Store>(_ path: String, _ open: () throws -> Store) throws -> Store {
        do {
            return try open()
        } catch {
            throw StartupError(description: "cannot open ledger \(path): \(error)")
        }
    }

    private static func reason(_ error: any Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return nsError.localizedDescription
    }
}
