import SOAPCore

/// The transport message ID of an asynchronous request, as SAP's runtime takes it: the URL's
/// `?MessageId=<GUID>`, else `wsa:MessageID`, else SAP's `messageId` SOAP header.
public enum TransportMessageID {
    /// The first of the three that is present, normalised: a `uuid:` prefix dropped and a GUID
    /// (with or without dashes) written in lower case without dashes, so that
    /// `988C6E5C-2CC1-11CA-A044-08002B1BC518`, `uuid:988c6e5c-2cc1-11ca-a044-08002b1bc518` and
    /// `988C6E5C2CC111CAA04408002B1BC518` name one message. Other IDs are kept as written.
    public static func of(queryValue: String?, envelope: SOAPEnvelope) -> String? {
        for candidate in [queryValue, envelope.addressing.messageID, envelope.sapMessageID] {
            if let value = candidate.map(normalise), !value.isEmpty { return value }
        }
        return nil
    }

    public static func normalise(_ raw: String) -> String {
        var value = Substring(raw.trimmingCharacters(in: " \t\r\n"))
        if value.lowercased().hasPrefix("uuid:") { value = value.dropFirst(5) }
        let hex = value.filter { $0 != "-" }
        if hex.count == 32, hex.allSatisfy(\.isHexDigit) { return hex.lowercased() }
        return String(value)
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: String) -> String {
        var scalars = Substring(self)
        while let first = scalars.first, set.contains(first) { scalars = scalars.dropFirst() }
        while let last = scalars.last, set.contains(last) { scalars = scalars.dropLast() }
        return String(scalars)
    }
}
