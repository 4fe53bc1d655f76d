import ConfirmationDelivery
import Foundation
import GatewayConfig
import GatewayWorkers
import JournalEntryService
import Ledger

/// Where confirmations go, from the configuration's communication systems (resolved once at
/// start-up): a `wsa:ReplyTo` on an allowed host, else the communication system that the
/// request's `SenderBusinessSystemID` names (and that lists the request's user).
struct ConfirmationRoutes: Sendable {
    let configuration: GatewayConfiguration
    let retryPolicy: RetryPolicy
    private let credentialsBySystem: [String: OutboundCredentials]

    init(configuration: GatewayConfiguration, configurationPath: String?) {
        self.configuration = configuration
        retryPolicy = configuration.delivery?.retry ?? RetryPolicy()
        let directory = configurationPath.map { URL(fileURLWithPath: $0).deletingLastPathComponent().path } ?? "."
        let environment = ProcessInfo.processInfo.environment
        var credentials: [String: OutboundCredentials] = [:]
        for system in configuration.communicationSystems ?? [] {
            guard let outbound = system.outbound else { continue }
            let password = outbound.password ?? outbound.passwordEnvironment.flatMap { environment[$0] }
            credentials[system.businessSystemID] = OutboundCredentials(
                basicAuth: outbound.username.map { ($0, password ?? "") },
                clientCertificateFile: outbound.clientCertificate.map { GatewayConfiguration.resolve($0, relativeTo: directory) },
                clientKeyFile: outbound.clientKey.map { GatewayConfiguration.resolve($0, relativeTo: directory) },
                caCertificateFile: outbound.caBundle.map { GatewayConfiguration.resolve($0, relativeTo: directory) })
        }
        credentialsBySystem = credentials
    }

    /// The receiver of a posted message's confirmation, or why there is none (kept for the monitor).
    func route(_ message: MessageRecord, _ prepared: PreparedPosting) -> (target: DeliveryTarget?, note: String?) {
        let outbound = ConfirmationEnvelope.outboundInterface(confirming: message.interface)
        if let replyTo = prepared.replyTo {
            // Checked at intake; checked again in case the configuration changed since.
            if replyToRefusal(user: message.sender, address: replyTo) == nil {
                return (DeliveryTarget(communicationSystem: nil, url: replyTo, outboundInterface: outbound, soapVersion: prepared.soapVersion), nil)
            }
        }
        switch configuration.communicationSystem(user: message.sender, senderBusinessSystemID: prepared.senderBusinessSystemID) {
        case .failure(let problem):
            return (nil, "no confirmation is sent: \(problem)")
        case .success(let system):
            guard let url = system.confirmationURL else {
                return (nil, "no confirmation is sent: communication system \(system.businessSystemID) has no confirmationURL")
            }
            return (
                DeliveryTarget(
                    communicationSystem: system.businessSystemID, url: url, outboundInterface: outbound, soapVersion: system.soapVersion ?? "1.1"),
                nil
            )
        }
    }

    /// Why `address` may not receive a confirmation (`nil` = allowed).
    func replyToRefusal(user: String, address: String) -> String? {
        (configuration.replyTo ?? GatewayConfiguration.ReplyTo(allowedHosts: [])).refusal(of: address)
    }

    func credentials(for target: DeliveryTarget) -> OutboundCredentials? {
        target.communicationSystem.flatMap { credentialsBySystem[$0] }
    }
}
