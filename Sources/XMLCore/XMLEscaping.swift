/// XML escaping for text content and attribute values.
///
/// Text: `&` `<` `>` and CR. Attributes additionally `"` `'` TAB LF (so values survive attribute
/// normalisation). Characters XML 1.0 cannot carry (C0 controls other than TAB/LF/CR) become U+FFFD,
/// so the output is always well-formed. Strings needing nothing are returned as-is (no copy).
public enum XMLEscaping {
    public static func escapeText(_ s: String) -> String {
        guard needsEscaping(s, attribute: false) else { return s }
        var out = ""
        out.reserveCapacity(s.utf8.count + 16)
        appendEscaped(s, to: &out, attribute: false)
        return out
    }

    public static func escapeAttribute(_ s: String) -> String {
        guard needsEscaping(s, attribute: true) else { return s }
        var out = ""
        out.reserveCapacity(s.utf8.count + 16)
        appendEscaped(s, to: &out, attribute: true)
        return out
    }

    public static func appendEscapedText(_ s: String, to out: inout String) {
        if needsEscaping(s, attribute: false) {
            appendEscaped(s, to: &out, attribute: false)
        } else {
            out.append(s)
        }
    }

    public static func appendEscapedAttribute(_ s: String, to out: inout String) {
        if needsEscaping(s, attribute: true) {
            appendEscaped(s, to: &out, attribute: true)
        } else {
            out.append(s)
        }
    }

    @inline(__always)
    private static func replacement(for byte: UInt8, attribute: Bool) -> String? {
        switch byte {
        case UInt8(ascii: "&"): return "&amp;"
        case UInt8(ascii: "<"): return "&lt;"
        case UInt8(ascii: ">"): return "&gt;"
        case UInt8(ascii: "\r"): return "&#13;"
        case UInt8(ascii: "\""): return attribute ? "&quot;" : nil
        case UInt8(ascii: "'"): return attribute ? "&apos;" : nil
        case UInt8(ascii: "\n"): return attribute ? "&#10;" : nil
        case UInt8(ascii: "\t"): return attribute ? "&#9;" : nil
        case 0..<0x20: return "\u{FFFD}"
        default: return nil
        }
    }

    @inline(__always)
    private static func needsEscaping(_ s: String, attribute: Bool) -> Bool {
        for byte in s.utf8 where byte < 0x40 {
            switch byte {
            case UInt8(ascii: "&"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "\r"):
                return true
            case UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "\n"), UInt8(ascii: "\t"):
                if attribute { return true }
            case 0..<0x20:
                return true
            default:
                break
            }
        }
        return false
    }

    private static func appendEscaped(_ s: String, to out: inout String, attribute: Bool) {
        let utf8 = s.utf8
        var runStart = utf8.startIndex
        var i = utf8.startIndex
        while i != utf8.endIndex {
            let byte = utf8[i]
            if byte < 0x40, let rep = replacement(for: byte, attribute: attribute) {
                // ASCII bytes are always on scalar boundaries, so these indices are valid String indices.
                out.append(contentsOf: s[runStart..<i])
                out.append(rep)
                runStart = utf8.index(after: i)
            }
            i = utf8.index(after: i)
        }
        out.append(contentsOf: s[runStart..<utf8.endIndex])
    }
}
