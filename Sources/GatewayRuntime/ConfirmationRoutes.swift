import ConfirmationDelivery
import GatewayConfig
import GatewayHTTP
import GatewayWorkers
import JournalEntryService
import Ledger

/// Where confirmations go, from the configuration's communication systems (resolved once).
struct ConfirmationRoutes: Sendable {
    let retryPolicy: RetryPolicy

    init(configuration: GatewayConfiguration, configurationPath: String?) {
        retryPolicy = RetryPolicy()
    }

    func route(_ message: MessageRecord, _ prepared: PreparedPosting) -> (target: DeliveryTarget?, note: String?) {
        (nil, "no communication system is configured")
    }

    func replyToRefusal(user: String, address: String) -> String? { "no wsa:ReplyTo host is allowed" }

    func credentials(for target: DeliveryTarget) -> OutboundCredentials? { nil }
}
