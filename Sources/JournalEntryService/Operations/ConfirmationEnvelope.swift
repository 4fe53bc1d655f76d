import Ledger
import SOAPCore
import XMLCore

/// A confirmation ready to be sent to a receiver: a SOAP request of an outbound interface.
public struct OutboundConfirmationMessage: Sendable, Hashable {
    public var body: String
    /// `text/xml; charset=utf-8` (SOAP 1.1) or `application/soap+xml; charset=utf-8; action="…"` (SOAP 1.2).
    public var contentType: String
    /// The outbound interface's SOAPAction (sent as the `SOAPAction` header for SOAP 1.1).
    public var soapAction: String
}

/// Renders asynchronous confirmations from stored outcomes, for the outbox.
///
/// The Body is the message the synchronous service answers (`JournalEntryBulkCreateConfirmation`),
/// with `ConfirmationInterfaceOrignName` naming the inbound interface; the Header carries
/// WS-Addressing: `wsa:Action` (the outbound SOAPAction), `wsa:MessageID` (`uuid:` + the
/// confirmation's `MessageHeader/UUID`, the same on every retry), `wsa:RelatesTo` (the request's
/// `wsa:MessageID`, when it had one) and `wsa:To` (the receiver's URL).
public enum ConfirmationEnvelope {
    /// The outbound interface confirming the create services (sync answer's message, sent asynchronously).
    public static let createConfirmationInterface = "JournalEntryBulkCreateConfirmation_Out"

    /// SAP's SOAPAction pattern: `http://sap.com/xi/SAPSCORE/SFIN/<Interface>/<Interface>Request`.
    public static func soapAction(of interface: String) -> String {
        "http://sap.com/xi/SAPSCORE/SFIN/\(interface)/\(interface)Request"
    }

    /// The outbound interface that confirms an inbound one.
    public static func outboundInterface(confirming inbound: String) -> String {
        switch inbound {
        case JournalEntryOperations.bulkChangeInterface: changeConfirmationInterface
        case JournalEntryOperations.bulkClearingInterface: clearingConfirmationInterface
        default: createConfirmationInterface
        }
    }

    /// The outbound interface of clearing confirmations.
    public static let clearingConfirmationInterface = "JournalEntryBulkClearingConfirmation_Out"

    /// The outbound interface of change confirmations.
    public static let changeConfirmationInterface = "JournalEntryBulkChangeConfirmation_Out"

    public static func render(_ detail: MessageDetail, target: DeliveryTarget, writer: ConfirmationWriter) -> OutboundConfirmationMessage {
        let version: SOAPVersion = target.soapVersion == "1.2" ? .soap12 : .soap11
        let action = soapAction(of: target.outboundInterface)
        let message = detail.message
        let payload =
            message.legacyConfirmation
            ?? {
                switch message.interface {
                case JournalEntryOperations.bulkChangeInterface: writer.renderChange(header: message.confirmation, entries: detail.entries)
                case JournalEntryOperations.bulkClearingInterface: writer.renderClearing(header: message.confirmation, entries: detail.entries)
                default: writer.render(header: message.confirmation, entries: detail.entries, originInterface: message.interface)
                }
            }()
        let wsa = "http://www.w3.org/2005/08/addressing"
        var header = "<wsa:Action xmlns:wsa=\"\(wsa)\">"
        XMLEscaping.appendEscapedText(action, to: &header)
        header += "</wsa:Action><wsa:MessageID xmlns:wsa=\"\(wsa)\">uuid:\(message.confirmation.uuid)</wsa:MessageID>"
        if let relatesTo = message.confirmation.relatesTo {
            header += "<wsa:RelatesTo xmlns:wsa=\"\(wsa)\">"
            XMLEscaping.appendEscapedText(relatesTo, to: &header)
            header += "</wsa:RelatesTo>"
        }
        header += "<wsa:To xmlns:wsa=\"\(wsa)\">"
        XMLEscaping.appendEscapedText(target.url, to: &header)
        header += "</wsa:To>"
        let body = SOAPEnvelopeWriter.envelope(version: version, headerBlocks: header, payload: payload)
        let contentType = version == .soap12 ? "application/soap+xml; charset=utf-8; action=\"\(action)\"" : "text/xml; charset=utf-8"
        return OutboundConfirmationMessage(body: body, contentType: contentType, soapAction: action)
    }
}
