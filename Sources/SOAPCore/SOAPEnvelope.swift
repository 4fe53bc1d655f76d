public import XMLCore

/// WS-Addressing header values of a request (2005/08 or 2004/08 namespace), trimmed.
public struct WSAddressing: Sendable, Hashable {
    public var action: String?
    public var messageID: String?
    public var to: String?
    /// `ReplyTo/Address`.
    public var replyTo: String?
    public var relatesTo: String?

    public init(action: String? = nil, messageID: String? = nil, to: String? = nil, replyTo: String? = nil, relatesTo: String? = nil) {
        self.action = action
        self.messageID = messageID
        self.to = to
        self.replyTo = replyTo
        self.relatesTo = relatesTo
    }
}

/// A parsed, structurally checked SOAP 1.1 or 1.2 request envelope.
public struct SOAPEnvelope: @unchecked Sendable {
    public let version: SOAPVersion
    public let document: XMLDoc
    /// The `Envelope` element.
    public let envelope: XMLElement
    /// The `Header` element, if present.
    public let header: XMLElement?
    /// The `Body` element.
    public let body: XMLElement
    /// Header blocks targeted at this node (SOAP 1.2 role none / foreign roles and SOAP 1.1 foreign actors are skipped).
    public let headerBlocks: [XMLElement]
    /// The only element child of Body.
    public let payload: XMLElement
    public let addressing: WSAddressing
    /// SAP header `{http://www.sap.com/webas/640/soap/features/messageId/}messageId`, trimmed.
    public let sapMessageID: String?

    /// Parses and checks a request envelope. Every failure is a ``SOAPFault`` ready to be sent:
    /// XML errors → Sender (with issues), foreign Envelope namespace or an Envelope of the other
    /// version than `mediaType` binds → VersionMismatch, unknown mandatory header blocks → MustUnderstand.
    ///
    /// Besides well-formedness the parser refuses what SOAP does not allow: processing
    /// instructions anywhere, NUL characters, encodings other than ``XMLCharacterEncoding``, and a
    /// `mediaType` charset that contradicts the document (see ``XMLDoc/parse(_:limits:charset:)``).
    public static func parse(
        _ bytes: UnsafeRawBufferPointer, limits: XMLParseLimits, mediaType: SOAPMediaType? = nil,
        understoodHeaderNamespaces: Set<String> = SOAPNamespaces.understoodHeaders
    ) throws(SOAPFault) -> SOAPEnvelope {
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) && bytes.count <= limits.maxBytes {
            throw SOAPFault(code: .sender, reason: "Request body is empty", version: mediaType?.version)
        }
        var xmlLimits = limits
        xmlLimits.allowsProcessingInstructions = false
        let document: XMLDoc
        do {
            document = try XMLDoc.parse(bytes, limits: xmlLimits, charset: mediaType?.charset)
        } catch {
            var fault = error.soapFault(limits: limits)
            fault.version = fault.version ?? mediaType?.version
            throw fault
        }
        return try parse(document: document, mediaType: mediaType, understoodHeaderNamespaces: understoodHeaderNamespaces)
    }

    /// Convenience over a byte array.
    public static func parse(_ bytes: [UInt8], limits: XMLParseLimits = .init()) throws(SOAPFault) -> SOAPEnvelope {
        let result: Result<SOAPEnvelope, SOAPFault> = bytes.withUnsafeBytes { raw in
            do throws(SOAPFault) { return .success(try parse(raw, limits: limits)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// Convenience over a string's UTF-8 bytes.
    public static func parse(_ string: String, limits: XMLParseLimits = .init()) throws(SOAPFault) -> SOAPEnvelope {
        try parse(Array(string.utf8), limits: limits)
    }

    /// Checks the SOAP structure of an already parsed document: `Envelope` holds an optional
    /// `Header` followed by exactly one `Body` and nothing else but comments and whitespace (no
    /// trailing elements after the Body even in SOAP 1.1: WS-I Basic Profile R1011); `Header`
    /// holds header blocks, `Body` exactly one payload element, neither any other text.
    public static func parse(
        document: XMLDoc, mediaType: SOAPMediaType? = nil, understoodHeaderNamespaces: Set<String> = SOAPNamespaces.understoodHeaders
    ) throws(SOAPFault) -> SOAPEnvelope {
        guard let root = document.rootElement else {
            throw SOAPFault(code: .sender, reason: "The request has no root element", version: mediaType?.version)
        }
        let rootNamespace = root.namespaceURI
        guard root.isNamed("Envelope") else {
            let version = rootNamespace.flatMap(SOAPVersion.init(envelopeNamespace:)) ?? mediaType?.version
            throw SOAPFault(
                code: .sender,
                reason: "The root element is '\(root.clarkName)', expected a SOAP Envelope",
                issues: [issue(root, "Expected a SOAP 1.1 or 1.2 Envelope")], version: version
            )
        }
        guard let ns = rootNamespace, let version = SOAPVersion(envelopeNamespace: ns) else {
            let shown = rootNamespace.map { "'\($0)'" } ?? "no namespace"
            throw SOAPFault(
                code: .versionMismatch,
                reason: "The Envelope is in \(shown); only SOAP 1.1 (\(SOAPVersion.soap11Namespace)) and SOAP 1.2 (\(SOAPVersion.soap12Namespace)) are supported"
            )
        }
        if let mediaType, let expected = mediaType.version, expected != version {
            throw versionMismatch(envelope: version, mediaType: mediaType)
        }

        // Envelope := Header? Body, nothing else (comments and whitespace aside).
        var header: XMLElement?
        var body: XMLElement?
        var child = root.firstChildElement
        while let c = child {
            if c.isNamed("Header", namespaceURI: ns) {
                if body != nil {
                    throw SOAPFault(
                        code: .sender,
                        reason: "The SOAP Header must come before the Body; a Header after the Body is not allowed (its header blocks would go unprocessed)",
                        issues: [issue(c, "Header after the SOAP Body")], version: version
                    )
                }
                if header != nil {
                    throw SOAPFault(
                        code: .sender, reason: "The SOAP Envelope holds a second SOAP Header; at most one is allowed",
                        issues: [issue(c, "Second SOAP Header")], version: version
                    )
                }
                header = c
            } else if c.isNamed("Body", namespaceURI: ns) {
                if body != nil {
                    throw SOAPFault(
                        code: .sender, reason: "The SOAP Envelope holds a second SOAP Body; exactly one is allowed",
                        issues: [issue(c, "Second SOAP Body")], version: version
                    )
                }
                body = c
            } else if body != nil {
                throw SOAPFault(
                    code: .sender,
                    reason: "Element '\(c.clarkName)' after the SOAP Body is not allowed: the Body must be the last element of the Envelope (SOAP 1.2; WS-I Basic Profile R1011 for SOAP 1.1)",
                    issues: [issue(c, "Element after the SOAP Body")], version: version
                )
            } else {
                throw SOAPFault(
                    code: .sender,
                    reason: "Unexpected element '\(c.clarkName)' in the SOAP Envelope; expected \(header == nil ? "Header or " : "")Body",
                    issues: [issue(c, "Unexpected element in the SOAP Envelope")], version: version
                )
            }
            child = c.nextSiblingElement
        }
        try refuseText(in: root, "Envelope", version)
        guard let body else {
            throw SOAPFault(code: .sender, reason: "The SOAP Body is missing", version: version)
        }
        if let header { try refuseText(in: header, "Header", version) }
        try refuseText(in: body, "Body", version)
        guard let payload = body.firstChildElement else {
            throw SOAPFault(
                code: .sender, reason: "The SOAP Body is empty; expected one request element",
                issues: [issue(body, "Empty SOAP Body")], version: version
            )
        }
        if let extra = payload.nextSiblingElement {
            throw SOAPFault(
                code: .sender,
                reason: "The SOAP Body holds \(body.childElementCount) elements; expected exactly one request element",
                issues: [issue(extra, "Unexpected second element in the SOAP Body")], version: version
            )
        }

        // Header blocks: roles, mustUnderstand, WS-Addressing, SAP message ID.
        var blocks: [XMLElement] = []
        var notUnderstood: [String] = []
        var addressing = WSAddressing()
        var sapMessageID: String?
        if let header {
            var block = header.firstChildElement
            while let b = block {
                block = b.nextSiblingElement
                guard isTargetedAtUs(b, version: version) else { continue }
                blocks.append(b)
                let blockNamespace = b.namespaceURI ?? ""
                if let mu = b.attribute("mustUnderstand", namespaceURI: ns), isTrue(mu),
                    !understoodHeaderNamespaces.contains(blockNamespace)
                {
                    notUnderstood.append(b.clarkName)
                }
                if blockNamespace == SOAPNamespaces.wsAddressing || blockNamespace == SOAPNamespaces.wsAddressing2004 {
                    if b.isNamed("Action") {
                        addressing.action = trimmed(b.text)
                    } else if b.isNamed("MessageID") {
                        addressing.messageID = trimmed(b.text)
                    } else if b.isNamed("To") {
                        addressing.to = trimmed(b.text)
                    } else if b.isNamed("RelatesTo") {
                        addressing.relatesTo = trimmed(b.text)
                    } else if b.isNamed("ReplyTo") {
                        addressing.replyTo = b.firstChild(named: "Address").map { trimmed($0.text) }
                    }
                } else if blockNamespace == SOAPNamespaces.sapMessageID && b.isNamed("messageId") {
                    sapMessageID = trimmed(b.text)
                }
            }
        }
        if !notUnderstood.isEmpty {
            throw SOAPFault(
                code: .mustUnderstand,
                reason: "Mandatory header block\(notUnderstood.count == 1 ? "" : "s") not understood: \(notUnderstood.joined(separator: ", "))",
                notUnderstood: notUnderstood, version: version
            )
        }
        return SOAPEnvelope(
            version: version, document: document, envelope: root, header: header, body: body, headerBlocks: blocks,
            payload: payload, addressing: addressing, sapMessageID: sapMessageID
        )
    }

    private init(
        version: SOAPVersion, document: XMLDoc, envelope: XMLElement, header: XMLElement?, body: XMLElement,
        headerBlocks: [XMLElement], payload: XMLElement, addressing: WSAddressing, sapMessageID: String?
    ) {
        self.version = version
        self.document = document
        self.envelope = envelope
        self.header = header
        self.body = body
        self.headerBlocks = headerBlocks
        self.payload = payload
        self.addressing = addressing
        self.sapMessageID = sapMessageID
    }

    static let role12None = "http://www.w3.org/2003/05/soap-envelope/role/none"
    static let role12Next = "http://www.w3.org/2003/05/soap-envelope/role/next"
    static let role12UltimateReceiver = "http://www.w3.org/2003/05/soap-envelope/role/ultimateReceiver"
    static let actor11Next = "http://schemas.xmlsoap.org/soap/actor/next"

    /// We are the ultimate receiver: SOAP 1.2 roles next/ultimateReceiver (or none given),
    /// SOAP 1.1 actor next (or none given). Role `none` and foreign roles are not for us.
    static func isTargetedAtUs(_ block: XMLElement, version: SOAPVersion) -> Bool {
        switch version {
        case .soap12:
            guard let role = block.attribute("role", namespaceURI: version.envelopeNamespace).map(trimmed), !role.isEmpty else { return true }
            return role == role12Next || role == role12UltimateReceiver
        case .soap11:
            guard let actor = block.attribute("actor", namespaceURI: version.envelopeNamespace).map(trimmed), !actor.isEmpty else { return true }
            return actor == actor11Next
        }
    }

    /// Character data (text, CDATA, character references) directly inside Envelope, Header or Body.
    static func refuseText(in element: XMLElement, _ name: String, _ version: SOAPVersion) throws(SOAPFault) {
        guard let text = element.firstNonWhitespaceText else { return }
        let message = "Text is not allowed directly inside the SOAP \(name): '\(text.excerpt)'"
        throw SOAPFault(
            code: .sender, reason: "\(message); only \(name == "Body" ? "the request element" : name == "Header" ? "header block elements" : "Header and Body"), comments and whitespace may appear there",
            issues: [XMLIssue(line: text.line, column: 0, path: element.path, element: element.localName, message: message)],
            version: version
        )
    }

    /// An Envelope of the other version than the request's media type binds. SOAP 1.2 (part 1,
    /// appendix A) answers a SOAP 1.1 message with a SOAP 1.1 VersionMismatch fault, and a SOAP 1.1
    /// node (the text/xml binding) answers a foreign Envelope the same way; so both are SOAP 1.1.
    static func versionMismatch(envelope version: SOAPVersion, mediaType: SOAPMediaType) -> SOAPFault {
        let reason: String
        switch version {
        case .soap12:
            reason = "The Envelope is SOAP 1.2 but the Content-Type is \(mediaType.essence), the media type of SOAP 1.1; send SOAP 1.2 as application/soap+xml (or a SOAP 1.1 Envelope as text/xml)"
        case .soap11:
            reason = "The Envelope is SOAP 1.1 but the Content-Type is \(mediaType.essence), the media type of SOAP 1.2; send SOAP 1.1 as text/xml (or a SOAP 1.2 Envelope as application/soap+xml)"
        }
        return SOAPFault(code: .versionMismatch, reason: reason, version: .soap11)
    }

    static func isTrue(_ value: String) -> Bool {
        let v = trimmed(value)
        return v == "1" || v == "true"
    }

    static func issue(_ element: XMLElement, _ message: String) -> XMLIssue {
        XMLIssue(line: element.line, column: element.column, path: element.path, element: element.localName, message: message)
    }
}

/// Strips XML whitespace (space, tab, CR, LF) at both ends.
func trimmed(_ s: String) -> String {
    let utf8 = s.utf8
    func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
    guard let first = utf8.firstIndex(where: { !isSpace($0) }) else { return "" }
    let last = utf8.lastIndex(where: { !isSpace($0) })!
    if first == utf8.startIndex && utf8.index(after: last) == utf8.endIndex { return s }
    return String(s[first...last])
}
