import Crypto
import Ledger
import XMLCore

/// The digest recorded with an inbound message, which tells a replay of a message (same
/// payload again) from a message ID reused for another message (different payload).
///
/// It is the SHA-256 of a canonical form of the Body payload element, so that what a client
/// stack may change when it sends the same message again does not count, and everything that
/// could change what is posted does:
/// - ignored: namespace prefixes and where namespaces are declared, attribute order, whitespace
///   between elements (indentation, line ends), comments, CDATA sections versus escaped text,
///   character references, the document's encoding and the SOAP version around the payload;
///   `MessageHeader/CreationDateTime` (the time a message was sent, not its content); the case
///   of `MessageHeader/UUID` (a UUID is case-insensitive, as in the replay key);
/// - compared exactly: every element (namespace and local name) in order, every attribute and
///   every value as written (a value with a leading blank is another value).
public enum PayloadDigest {
    /// Hex SHA-256 of the canonical form of `payload`.
    public static func digest(of payload: XMLElement) -> String {
        var canonical = Canonical()
        canonical.add(payload, parentIsMessageHeader: false)
        return SHA256.hash(data: canonical.bytes).map { byte in String(byte, radix: 16).leftPadded(to: 2) }.joined()
    }

    /// The canonical form is a sequence of length-prefixed fields (`E` element, `A` attribute,
    /// `T` text, `/` end of element), so no value can be mistaken for structure.
    private struct Canonical {
        var bytes: [UInt8] = []

        init() { bytes.reserveCapacity(4096) }

        mutating func add(_ element: XMLElement, parentIsMessageHeader: Bool) {
            let localName = element.localName
            if parentIsMessageHeader && localName == "CreationDateTime" { return }
            bytes.append(UInt8(ascii: "E"))
            field(element.namespaceURI ?? "")
            field(localName)
            let attributes = element.attributes
            for attribute in attributes.count > 1
                ? attributes.sorted(by: { ($0.namespaceURI ?? "", $0.localName) < ($1.namespaceURI ?? "", $1.localName) }) : attributes
            {
                bytes.append(UInt8(ascii: "A"))
                field(attribute.namespaceURI ?? "")
                field(attribute.localName)
                field(attribute.value)
            }
            if element.hasChildElements {
                let isMessageHeader = localName == "MessageHeader"
                element.forEachChildElement { child in add(child, parentIsMessageHeader: isMessageHeader) }
            } else {
                var text = element.text
                if parentIsMessageHeader && localName == "UUID" { text = String(text.trimmingASCIIWhitespace()).lowercased() }
                bytes.append(UInt8(ascii: "T"))
                field(text)
            }
            bytes.append(UInt8(ascii: "/"))
        }

        /// `<decimal byte count>:<UTF-8 bytes>`.
        mutating func field(_ text: String) {
            var text = text
            text.withUTF8 { utf8 in
                var count = utf8.count
                let start = bytes.count
                repeat {
                    bytes.append(UInt8(ascii: "0") + UInt8(count % 10))
                    count /= 10
                } while count > 0
                bytes[start...].reverse()
                bytes.append(UInt8(ascii: ":"))
                bytes.append(contentsOf: utf8)
            }
        }
    }
}

extension String {
    fileprivate func leftPadded(to length: Int) -> String {
        count >= length ? self : String(repeating: "0", count: length - count) + self
    }
}
