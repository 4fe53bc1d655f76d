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
/// ones), so it never changes; `PayloadDigestTests` pins it. It is written by libxml2-side code
/// (``XMLCore/XMLElement/canonicalForm(parent:skip:fold:)``) in one pass over the tree, without a
/// `String` per node: the form is a sequence of length-prefixed fields (`E` element, `A` attribute,
/// `T` text, `/` end of element), so no value can be mistaken for structure.
public enum PayloadDigest {
    /// Hex SHA-256 of the canonical form of `payload`.
    public static func digest(of payload: XMLElement) -> String {
        hex(SHA256.hash(data: payload.canonicalForm(parent: "MessageHeader", skip: "CreationDateTime", fold: "UUID")))
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
}
