import ArgumentParser
import Foundation
import GatewayHTTP
import Logging

extension Logger.Level: @retroactive ExpressibleByArgument {}
extension LogFormat: ExpressibleByArgument {}

/// `serve --log-level … --log-format …`.
struct LoggingOptions: ParsableArguments {
    @Option(help: "Lowest level written. Default: $LOG_LEVEL, else info.")
    var logLevel: Logger.Level?

    @Option(help: "text: one line per event with key=value metadata; json: one JSON object per line.")
    var logFormat: LogFormat = .text

    /// The level from `--log-level`, else from `LOG_LEVEL`, else `info`.
    func level(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Logger.Level {
        if let logLevel { return logLevel }
        guard let value = environment["LOG_LEVEL"], !value.isEmpty else { return .info }
        guard let level = Logger.Level(rawValue: value.lowercased()) else {
            throw LogLevelError(
                description: "LOG_LEVEL '\(value)' is not a log level; use one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return level
    }

    /// Points swift-log at standard output in the chosen format and level (once per process)
    /// and returns the gateway's logger.
    func bootstrap() throws -> Logger {
        let level = try level()
        let format = logFormat
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler
            switch format {
            case .text: handler = TextLogHandler(label: label)
            case .json: handler = JSONLogHandler(label: label)
            }
            handler.logLevel = level
            return handler
        }
        var logger = Logger(label: "journal-gateway")
        logger.logLevel = level
        return logger
    }
}

/// `LOG_LEVEL` holds something that is not a level.
struct LogLevelError: Error, CustomStringConvertible {
    let description: String
}
