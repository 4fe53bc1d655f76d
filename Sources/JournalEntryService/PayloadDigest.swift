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
///
/// The canonical form is stored knowledge (digests of recorded messages are compared with new
/// ones), so it never changes; `PayloadDigestTests` pins it. It is built from libxml2's bytes
/// without a `String` per node.
public enum PayloadDigest {
    /// Hex SHA-256 of the canonical form of `payload`.
    public static func digest(of payload: XMLElement) -> String {
        var canonical = Canonical()
        canonical.add(payload, parentIsMessageHeader: false)
        return hex(SHA256.hash(data: canonical.bytes))
    }

    private static func hex(_ digest: SHA256.Digest) -> String {
        let digits: StaticString = "0123456789abcdef"
        return String(unsafeUninitializedCapacity: 2 * SHA256.byteCount) { buffer in
            var index = 0
            for byte in digest {
                buffer[index] = digits.utf8Start[Int(byte >> 4)]
                buffer[index + 1] = digits.utf8Start[Int(byte & 0x0F)]
                index += 2
            }
            return index
        }
    }

    /// The canonical form is a sequence of length-prefixed fields (`E` element, `A` attribute,
    /// `T` text, `/` end of element), so no value can be mistaken for structure.
    private struct Canonical {
        var bytes: [UInt8] = []

        init() { bytes.reserveCapacity(4096) }

        mutating func add(_ element: XMLElement, parentIsMessageHeader: Bool) {
            if parentIsMessageHeader && element.isNamed("CreationDateTime") { return }
            bytes.append(UInt8(ascii: "E"))
            element.withNamespaceURIBytes { field($0) }
            element.withLocalNameBytes { field($0) }
            if element.attributeCount > 1 {
                // Attribute order does not count: sorted by (namespace, local name).
                let attributes = element.attributes.sorted { ($0.namespaceURI ?? "", $0.localName) < ($1.namespaceURI ?? "", $1.localName) }
                for attribute in attributes {
                    bytes.append(UInt8(ascii: "A"))
                    field(attribute.namespaceURI ?? "")
                    field(attribute.localName)
                    field(attribute.value)
                }
            } else {
                element.forEachAttributeBytes { namespaceURI, localName, value in
                    bytes.append(UInt8(ascii: "A"))
                    field(namespaceURI)
                    field(localName)
                    field(value)
                }
            }
            if element.hasChildElements {
                let isMessageHeader = element.isNamed("MessageHeader")
                element.forEachChildElement { child in add(child, parentIsMessageHeader: isMessageHeader) }
            } else {
                bytes.append(UInt8(ascii: "T"))
                if parentIsMessageHeader && element.isNamed("UUID") {
                    field(String(element.text.trimmingASCIIWhitespace()).lowercased())
                } else {
                    element.withTextBytes { field($0) }
                }
            }
            bytes.append(UInt8(ascii: "/"))
        }

        mutating func field(_ text: String) {
            var text = text
            text.withUTF8 { field($0) }
        }

        /// `<decimal byte count>:<UTF-8 bytes>`.
        mutating func field(_ utf8: UnsafeBufferPointer<UInt8>) {
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
