/// SOAP protocol version, told apart by the Envelope namespace.
public enum SOAPVersion: String, Sendable, CaseIterable {
    case soap11
    case soap12

    public static let soap11Namespace = "http://schemas.xmlsoap.org/soap/envelope/"
    public static let soap12Namespace = "http://www.w3.org/2003/05/soap-envelope"

    /// The Envelope namespace URI.
    public var envelopeNamespace: String {
        switch self {
        case .soap11: return Self.soap11Namespace
        case .soap12: return Self.soap12Namespace
        }
    }

    /// HTTP Content-Type of messages in this version.
    public var contentType: String {
        switch self {
        case .soap11: return "text/xml; charset=utf-8"
        case .soap12: return "application/soap+xml; charset=utf-8"
        }
    }

    /// Prefix used in envelopes we write, as SAP does: `soap-env` (1.1) and `env` (1.2).
    public var prefix: String {
        switch self {
        case .soap11: return "soap-env"
        case .soap12: return "env"
        }
    }

    /// The version whose Envelope lives in `namespaceURI`, if any.
    public init?(envelopeNamespace namespaceURI: String) {
        switch namespaceURI {
        case Self.soap11Namespace: self = .soap11
        case Self.soap12Namespace: self = .soap12
        default: return nil
        }
    }
}

/// Namespaces of header blocks the gateway understands.
public enum SOAPNamespaces {
    public static let wsAddressing = "http://www.w3.org/2005/08/addressing"
    public static let wsAddressing2004 = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
    public static let sapMessageID = "http://www.sap.com/webas/640/soap/features/messageId/"
    /// Detail namespace of ``SOAPFault`` validation issues.
    public static let gatewayFault = "urn:journal-gateway:fault"

    /// Header namespaces honoured for `mustUnderstand`.
    public static let understoodHeaders: Set<String> = [wsAddressing, wsAddressing2004, sapMessageID]
}
