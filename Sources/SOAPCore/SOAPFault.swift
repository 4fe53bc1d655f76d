public import XMLCore

/// Anything that knows how it should be reported to a SOAP client (the counterpart of
/// Hummingbird's `HTTPResponseError`). The fault middleware renders `soapFault`.
public protocol SOAPFaultConvertible: Error {
    var soapFault: SOAPFault { get }
}

/// A SOAP fault, renderable as a SOAP 1.1 or 1.2 fault envelope.
public struct SOAPFault: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Hashable {
        /// 1.1 `Client`, 1.2 `Sender`: the request is at fault.
        case sender
        /// 1.1 `Server`, 1.2 `Receiver`: the gateway is at fault.
        case receiver
        /// A mandatory header block was not understood.
        case mustUnderstand
        /// The Envelope is not in a SOAP namespace we speak.
        case versionMismatch
    }

    /// At most this many issues are written into the fault detail; the rest are counted.
    public static let maxDetailIssues = 100

    public var code: Code
    /// Human-readable reason (faultstring / env:Text), in English.
    public var reason: String
    /// Located problems, written to the detail as `jg:RequestValidationFault`.
    public var issues: [XMLIssue]
    /// Clark names (`{ns}local`) of mandatory header blocks not understood.
    public var notUnderstood: [String]
    /// Version to answer in when known; nil means the request's version is unknown (answer in SOAP 1.1).
    public var version: SOAPVersion?
    /// Optional application detail: already-serialized, trusted XML appended inside the detail element.
    public var detailXML: String?

    public init(
        code: Code, reason: String, issues: [XMLIssue] = [], notUnderstood: [String] = [], version: SOAPVersion? = nil,
        detailXML: String? = nil
    ) {
        self.code = code
        self.reason = reason
        self.issues = issues
        self.notUnderstood = notUnderstood
        self.version = version
        self.detailXML = detailXML
    }

    /// A sender fault for located problems (schema violations, placeholders, ...). The reason names
    /// the first issue so clients that show only the faultstring still see where to look:
    /// `Request is not valid: line 12, column 20, element ID (/…/ID): message (and 3 more issues)`.
    public static func invalidRequest(
        _ issues: [XMLIssue], reason: String = "Request is not valid", version: SOAPVersion? = nil
    ) -> SOAPFault {
        SOAPFault(code: .sender, reason: reasonNamingFirstIssue(reason, issues), issues: issues, version: version)
    }

    /// `prefix: first issue (and N more issues)`.
    public static func reasonNamingFirstIssue(_ prefix: String, _ issues: [XMLIssue]) -> String {
        guard let first = issues.first else { return prefix }
        var s = "\(prefix): \(first)"
        if issues.count == 2 {
            s += " (and 1 more issue)"
        } else if issues.count > 2 {
            s += " (and \(issues.count - 1) more issues)"
        }
        return s
    }

    /// The version a response should use: the request's, or SOAP 1.1 when unknown.
    public var responseVersion: SOAPVersion { version ?? .soap11 }

    /// 1.1: always 500 (WS-I Basic Profile). 1.2: Sender 400, everything else 500.
    public func httpStatus(for version: SOAPVersion) -> Int {
        switch version {
        case .soap11: return 500
        case .soap12: return code == .sender ? 400 : 500
        }
    }

    public var description: String {
        "SOAP fault \(Self.codeName(code, .soap12)): \(reason)"
    }

    static func codeName(_ code: Code, _ version: SOAPVersion) -> String {
        switch (code, version) {
        case (.sender, .soap11): return "Client"
        case (.sender, .soap12): return "Sender"
        case (.receiver, .soap11): return "Server"
        case (.receiver, .soap12): return "Receiver"
        case (.mustUnderstand, _): return "MustUnderstand"
        case (.versionMismatch, _): return "VersionMismatch"
        }
    }

    /// The complete fault envelope in `version`.
    public func envelope(for version: SOAPVersion) -> String {
        let p = version.prefix
        var out = ""
        out.reserveCapacity(512 + reason.utf8.count + min(issues.count, Self.maxDetailIssues) * 256)
        out.append("<\(p):Envelope xmlns:\(p)=\"\(version.envelopeNamespace)\">")
        appendHeader(to: &out, version: version)
        out.append("<\(p):Body><\(p):Fault>")
        let code = "\(p):\(Self.codeName(self.code, version))"
        switch version {
        case .soap11:
            out.append("<faultcode>\(code)</faultcode><faultstring xml:lang=\"en\">")
            XMLEscaping.appendEscapedText(reason, to: &out)
            out.append("</faultstring>")
            if hasDetail {
                out.append("<detail>")
                appendDetailContent(to: &out)
                out.append("</detail>")
            }
        case .soap12:
            out.append("<\(p):Code><\(p):Value>\(code)</\(p):Value></\(p):Code>")
            out.append("<\(p):Reason><\(p):Text xml:lang=\"en\">")
            XMLEscaping.appendEscapedText(reason, to: &out)
            out.append("</\(p):Text></\(p):Reason>")
            if hasDetail {
                out.append("<\(p):Detail>")
                appendDetailContent(to: &out)
                out.append("</\(p):Detail>")
            }
        }
        out.append("</\(p):Fault></\(p):Body></\(p):Envelope>")
        return out
    }

    private var hasDetail: Bool {
        !issues.isEmpty || !(detailXML ?? "").isEmpty
    }

    private func appendHeader(to out: inout String, version: SOAPVersion) {
        let p = version.prefix
        var blocks = ""
        if code == .mustUnderstand && version == .soap12 {
            // SOAP 1.2 part 1, 5.4.8: one NotUnderstood block per header block not understood.
            for (index, name) in notUnderstood.enumerated() {
                let (ns, local) = Self.splitClark(name)
                blocks.append("<\(p):NotUnderstood qname=\"")
                if let ns {
                    blocks.append("nu\(index):")
                    XMLEscaping.appendEscapedAttribute(local, to: &blocks)
                    blocks.append("\" xmlns:nu\(index)=\"")
                    XMLEscaping.appendEscapedAttribute(ns, to: &blocks)
                } else {
                    XMLEscaping.appendEscapedAttribute(local, to: &blocks)
                }
                blocks.append("\"/>")
            }
        }
        if code == .versionMismatch {
            // SOAP 1.2 part 1, 5.4.7 / appendix A: tell the sender which envelopes we support.
            let ns12 = SOAPVersion.soap12Namespace
            blocks.append(
                "<upg:Upgrade xmlns:upg=\"\(ns12)\">"
                    + "<upg:SupportedEnvelope qname=\"se12:Envelope\" xmlns:se12=\"\(ns12)\"/>"
                    + "<upg:SupportedEnvelope qname=\"se11:Envelope\" xmlns:se11=\"\(SOAPVersion.soap11Namespace)\"/>"
                    + "</upg:Upgrade>"
            )
        }
        if blocks.isEmpty {
            out.append("<\(p):Header/>")
        } else {
            out.append("<\(p):Header>\(blocks)</\(p):Header>")
        }
    }

    private func appendDetailContent(to out: inout String) {
        if !issues.isEmpty {
            out.append("<jg:RequestValidationFault xmlns:jg=\"\(SOAPNamespaces.gatewayFault)\" issueCount=\"\(issues.count)\">")
            for issue in issues.prefix(Self.maxDetailIssues) {
                out.append("<jg:Issue line=\"\(issue.line)\" column=\"\(issue.column)\"")
                if let element = issue.element {
                    out.append(" element=\"")
                    XMLEscaping.appendEscapedAttribute(element, to: &out)
                    out.append("\"")
                }
                out.append(">")
                if let path = issue.path {
                    out.append("<jg:Path>")
                    XMLEscaping.appendEscapedText(path, to: &out)
                    out.append("</jg:Path>")
                }
                out.append("<jg:Message>")
                XMLEscaping.appendEscapedText(issue.message, to: &out)
                out.append("</jg:Message></jg:Issue>")
            }
            let omitted = issues.count - Self.maxDetailIssues
            if omitted > 0 {
                out.append("<jg:OmittedIssues>\(omitted)</jg:OmittedIssues>")
            }
            out.append("</jg:RequestValidationFault>")
        }
        if let detailXML {
            out.append(detailXML)
        }
    }

    /// `{ns}local` → (ns, local); `local` → (nil, local).
    static func splitClark(_ name: String) -> (String?, String) {
        guard name.hasPrefix("{"), let close = name.firstIndex(of: "}") else { return (nil, name) }
        let ns = String(name[name.index(after: name.startIndex)..<close])
        let local = String(name[name.index(after: close)...])
        return (ns.isEmpty ? nil : ns, local)
    }
}

extension SOAPFault: SOAPFaultConvertible {
    public var soapFault: SOAPFault { self }
}

extension XMLError: SOAPFaultConvertible {
    /// Parse failures are the sender's fault; schema loading failures are ours.
    public var soapFault: SOAPFault {
        soapFault(limits: nil)
    }

    func soapFault(limits: XMLParseLimits?) -> SOAPFault {
        let firstLocation = issues.first.map { $0.location } ?? ""
        let at = firstLocation.isEmpty ? "" : " (\(firstLocation))"
        switch kind {
        case .malformed:
            if issues.first?.message == "Document is empty" {
                return SOAPFault(code: .sender, reason: "Request body is empty", issues: issues)
            }
            return SOAPFault(code: .sender, reason: SOAPFault.reasonNamingFirstIssue("XML is not well-formed", issues), issues: issues)
        case .doctypeForbidden:
            return SOAPFault(code: .sender, reason: "DOCTYPE is not allowed in SOAP messages\(at)", issues: issues)
        case .processingInstructionForbidden:
            let target = issues.first.map { " (\($0.description))" } ?? ""
            return SOAPFault(code: .sender, reason: "Processing instructions are not allowed in SOAP messages\(target)", issues: issues)
        case .unsupportedEncoding, .conflictingEncoding:
            return SOAPFault(code: .sender, reason: summary, issues: issues)
        case .tooLarge:
            if let limits {
                return SOAPFault(code: .sender, reason: "Request body exceeds the limit of \(limits.maxBytes) bytes", issues: issues)
            }
            return SOAPFault(code: .sender, reason: summary, issues: issues)
        case .tooDeep:
            let limit = limits.map { " of \($0.maxDepth) levels" } ?? ""
            return SOAPFault(code: .sender, reason: "XML element nesting exceeds the limit\(limit)\(at)", issues: issues)
        case .schemaCompilation, .fileNotFound:
            return SOAPFault(code: .receiver, reason: summary, issues: [])
        }
    }
}
