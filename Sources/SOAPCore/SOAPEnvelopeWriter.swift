/// Writes response envelopes around already-serialized XML.
public enum SOAPEnvelopeWriter {
    /// Wraps `payload` (serialized Body content) in an Envelope with an empty Header, as SAP does:
    /// `<soap-env:Envelope xmlns:soap-env="…"><soap-env:Header/><soap-env:Body>payload</soap-env:Body></soap-env:Envelope>`
    /// (prefix `env` for SOAP 1.2).
    public static func envelope(version: SOAPVersion, payload: String) -> String {
        envelope(version: version, headerBlocks: "", payload: payload)
    }

    /// Like ``envelope(version:payload:)`` with serialized header blocks (for example WS-Addressing
    /// `RelatesTo`) placed inside the Header. Header blocks may use the envelope prefix.
    public static func envelope(version: SOAPVersion, headerBlocks: String, payload: String) -> String {
        let p = version.prefix
        var out = ""
        out.reserveCapacity(payload.utf8.count + headerBlocks.utf8.count + 160)
        out.append("<\(p):Envelope xmlns:\(p)=\"\(version.envelopeNamespace)\">")
        if headerBlocks.isEmpty {
            out.append("<\(p):Header/>")
        } else {
            out.append("<\(p):Header>")
            out.append(headerBlocks)
            out.append("</\(p):Header>")
        }
        out.append("<\(p):Body>")
        out.append(payload)
        out.append("</\(p):Body></\(p):Envelope>")
        return out
    }
}
