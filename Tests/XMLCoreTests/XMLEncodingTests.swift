import Foundation
import Testing
import XMLCore

/// A small document with a non-ASCII character, so that a wrong decoding shows.
private let sample = "<?xml version=\"1.0\" encoding=\"ENC\"?>\n<r a=\"ü\"><b>Grüße €</b></r>"

private func document(declaring encoding: String?) -> String {
    guard let encoding else { return sample.replacingOccurrences(of: "<?xml version=\"1.0\" encoding=\"ENC\"?>\n", with: "") }
    return sample.replacingOccurrences(of: "ENC", with: encoding)
}

private func utf16(_ text: String, bigEndian: Bool, bom: Bool) -> [UInt8] {
    var bytes: [UInt8] = bom ? (bigEndian ? [0xFE, 0xFF] : [0xFF, 0xFE]) : []
    for unit in text.utf16 {
        let high = UInt8(unit >> 8)
        let low = UInt8(unit & 0xFF)
        bytes += bigEndian ? [high, low] : [low, high]
    }
    return bytes
}

private func utf32(_ text: String, bigEndian: Bool, bom: Bool) -> [UInt8] {
    var bytes: [UInt8] = bom ? (bigEndian ? [0, 0, 0xFE, 0xFF] : [0xFF, 0xFE, 0, 0]) : []
    for scalar in text.unicodeScalars {
        let v = scalar.value
        let be: [UInt8] = [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
        bytes += bigEndian ? be : be.reversed()
    }
    return bytes
}

/// `XMLDoc.parse` over bytes with a transport charset.
private func parse(_ bytes: [UInt8], charset: String?) throws(XMLError) -> XMLDoc {
    let result: Result<XMLDoc, XMLError> = bytes.withUnsafeBytes { raw in
        do throws(XMLError) { return .success(try XMLDoc.parse(raw, charset: charset)) } catch { return .failure(error) }
    }
    return try result.get()
}

private func parseFailure(_ bytes: [UInt8], charset: String? = nil) -> XMLError? {
    do {
        _ = try parse(bytes, charset: charset)
        return nil
    } catch {
        return error
    }
}

private func expectDecoded(_ doc: XMLDoc, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(doc.rootElement?.firstChildElement?.text == "Grüße €", sourceLocation: sourceLocation)
    #expect(doc.rootElement?.attribute("a") == "ü", sourceLocation: sourceLocation)
}

@Suite("Character encodings: UTF-8 and UTF-16 are decoded, UTF-32 and contradictions are refused by name")
struct XMLEncodingTests {
    @Test("UTF-16 with a byte order mark, in either byte order, with or without a declaration", arguments: [true, false])
    func utf16WithBOM(bigEndian: Bool) throws {
        expectDecoded(try XMLDoc.parse(utf16(document(declaring: "UTF-16"), bigEndian: bigEndian, bom: true)))
        expectDecoded(try XMLDoc.parse(utf16(document(declaring: nil), bigEndian: bigEndian, bom: true)))
    }

    @Test("UTF-16 without a byte order mark is recognised from its first characters", arguments: [true, false])
    func utf16WithoutBOM(bigEndian: Bool) throws {
        expectDecoded(try XMLDoc.parse(utf16(document(declaring: "UTF-16"), bigEndian: bigEndian, bom: false)))
        expectDecoded(try XMLDoc.parse(utf16(document(declaring: nil), bigEndian: bigEndian, bom: false)))
    }

    @Test("UTF-8 with a byte order mark")
    func utf8WithBOM() throws {
        expectDecoded(try XMLDoc.parse([0xEF, 0xBB, 0xBF] + Array(document(declaring: "UTF-8").utf8)))
    }

    @Test("UTF-32 is refused with a message naming it, whatever the byte order, mark or declaration", arguments: [
        (true, true, "UTF-32"), (false, true, "UTF-32"), (true, false, "UTF-32"), (false, false, "UTF-32"), (false, true, nil),
        (false, false, nil), (true, false, nil),
    ] as [(Bool, Bool, String?)])
    func utf32IsRefused(bigEndian: Bool, bom: Bool, declared: String?) throws {
        let error = try #require(parseFailure(utf32(document(declaring: declared), bigEndian: bigEndian, bom: bom)))
        #expect(error.summary.contains("UTF-32"), "\(error)")
        #expect(error.summary.contains("UTF-8") && error.summary.contains("UTF-16"), "names what is supported: \(error)")
        #expect(!error.summary.contains("empty"), "\(error)")
    }

    @Test("a declared encoding the parser does not decode is refused by name", arguments: ["x-foo", "UTF-32", "UCS-4", "UTF-7", "ISO-8859-15"])
    func unsupportedDeclaredEncoding(_ name: String) throws {
        let error = try #require(parseFailure(Array(document(declaring: name).utf8)))
        #expect(error.summary.contains("'\(name)'"), "\(error)")
        #expect(error.summary.contains("UTF-8"), "\(error)")
    }

    @Test("EBCDIC is refused by name")
    func ebcdicIsRefused() throws {
        // "<?xm" in EBCDIC.
        let error = try #require(parseFailure([0x4C, 0x6F, 0xA7, 0x94, 0x93, 0x40]))
        #expect(error.summary.contains("EBCDIC"), "\(error)")
    }

    @Test("ISO-8859-1 and US-ASCII declarations keep working")
    func latin1AndASCII() throws {
        var latin1 = Array("<?xml version='1.0' encoding='latin1'?><r>".utf8)
        latin1 += [0xE9]
        latin1 += Array("</r>".utf8)
        #expect(try XMLDoc.parse(latin1).rootElement?.text == "é")
        #expect(try XMLDoc.parse("<?xml version=\"1.0\" encoding=\"US-ASCII\"?><r>plain</r>").rootElement?.text == "plain")
        // ASCII means ASCII: a byte above 0x7F is an error, not silently UTF-8.
        var notASCII = Array("<?xml version=\"1.0\" encoding=\"US-ASCII\"?><r>".utf8)
        notASCII += [0xC3, 0xA9]
        notASCII += Array("</r>".utf8)
        #expect(parseFailure(notASCII) != nil)
    }

    @Test("a byte order mark and a declaration that contradict each other are refused")
    func bomContradictsDeclaration() throws {
        let utf16Declared8 = try #require(parseFailure(utf16(document(declaring: "UTF-8"), bigEndian: false, bom: true)))
        #expect(utf16Declared8.summary.contains("UTF-16") && utf16Declared8.summary.contains("UTF-8"), "\(utf16Declared8)")
        let utf8Declared16 = try #require(parseFailure([0xEF, 0xBB, 0xBF] + Array(document(declaring: "UTF-16").utf8)))
        #expect(utf8Declared16.summary.contains("UTF-16"), "\(utf8Declared16)")
        let utf8DeclaredLatin1 = try #require(parseFailure([0xEF, 0xBB, 0xBF] + Array(document(declaring: "ISO-8859-1").utf8)))
        #expect(utf8DeclaredLatin1.summary.contains("ISO-8859-1"), "\(utf8DeclaredLatin1)")
        let eightBitDeclared16 = try #require(parseFailure(Array(document(declaring: "UTF-16").utf8)))
        #expect(eightBitDeclared16.summary.contains("UTF-16"), "\(eightBitDeclared16)")
    }

    @Test("a NUL character anywhere is refused (XML 1.0 forbids U+0000), also after the root element")
    func nulIsRefused() throws {
        for bytes in [
            Array("<r>ok</r>".utf8) + [0] + Array("<junk/>".utf8),
            Array("<r>ok</r>\n".utf8) + [0],
            [0] + Array("<r>ok</r>".utf8),
            Array("<r>o".utf8) + [0] + Array("k</r>".utf8),
        ] {
            let error = try #require(parseFailure(bytes), "accepted \(bytes)")
            #expect(error.kind == .malformed)
            #expect(error.summary.contains("U+0000"), "\(error)")
        }
        let located = try #require(parseFailure(Array("<r>\nok</r>\n\n".utf8) + [0, 0x41]))
        #expect(located.issues.first?.line == 4, "\(located.issues)")
        #expect(located.issues.first?.column == 1, "\(located.issues)")
        // In UTF-16 a NUL is a zero code unit, not a zero byte.
        let wide = try #require(parseFailure(utf16("<r>ok</r>\u{0}<junk/>", bigEndian: false, bom: true)))
        #expect(wide.summary.contains("U+0000"), "\(wide)")
    }

    @Test("the transport's charset decodes a document that does not name its encoding")
    func charsetDecodesSilentDocument() throws {
        var latin1 = Array("<r>".utf8)
        latin1 += [0xE9]
        latin1 += Array("</r>".utf8)
        let doc = try parse(latin1, charset: "ISO-8859-1")
        #expect(doc.rootElement?.text == "é")
        // A UTF-8 charset changes nothing.
        let utf8 = Array(document(declaring: nil).utf8)
        expectDecoded(try parse(utf8, charset: "utf-8"))
        // UTF-16 without a mark and with the charset given.
        let wide = utf16(document(declaring: nil), bigEndian: true, bom: false)
        expectDecoded(try parse(wide, charset: "UTF-16"))
    }

    @Test("a charset that contradicts the document's own encoding is refused, naming both")
    func charsetContradiction() throws {
        let declared = try #require(parseFailure(Array(document(declaring: "UTF-8").utf8), charset: "iso-8859-1"))
        #expect(declared.kind == .conflictingEncoding)
        #expect(declared.summary.contains("iso-8859-1") && declared.summary.contains("UTF-8"), "\(declared)")
        let bom = try #require(parseFailure(utf16(document(declaring: nil), bigEndian: false, bom: true), charset: "utf-8"))
        #expect(bom.kind == .conflictingEncoding)
        let order = try #require(parseFailure(utf16(document(declaring: nil), bigEndian: false, bom: true), charset: "UTF-16BE"))
        #expect(order.kind == .conflictingEncoding)
        let narrow = try #require(parseFailure(Array(document(declaring: nil).utf8), charset: "utf-16"))
        #expect(narrow.kind == .conflictingEncoding)
        let unknown = try #require(parseFailure(Array(document(declaring: nil).utf8), charset: "x-foo"))
        #expect(unknown.kind == .unsupportedEncoding)
        #expect(unknown.summary.contains("'x-foo'"))
        // Same encoding under another name is no contradiction.
        _ = try parse(Array(document(declaring: "utf-8").utf8), charset: "UTF8")
        _ = try parse(utf16(document(declaring: "UTF-16"), bigEndian: false, bom: true), charset: "utf-16le")
    }

    @Test("XMLCharacterEncoding reads the usual names and refuses the rest")
    func encodingNames() {
        #expect(XMLCharacterEncoding(name: "utf-8") == .utf8)
        #expect(XMLCharacterEncoding(name: " UTF8 ") == .utf8)
        #expect(XMLCharacterEncoding(name: "UTF-16LE") == .utf16)
        #expect(XMLCharacterEncoding(name: "Latin1") == .latin1)
        #expect(XMLCharacterEncoding(name: "ISO_8859-1") == .latin1)
        #expect(XMLCharacterEncoding(name: "ascii") == .ascii)
        #expect(XMLCharacterEncoding(name: "UTF-32") == nil)
        #expect(XMLCharacterEncoding(name: "windows-1252") == nil)
        #expect(XMLCharacterEncoding(name: "") == nil)
    }
}
