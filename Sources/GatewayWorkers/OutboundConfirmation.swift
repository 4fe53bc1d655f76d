/// A rendered confirmation, ready to be sent: what ``ConfirmationDispatcher``'s `render` closure
/// returns for a delivery.
///
/// Rendering must be deterministic for a delivery: every attempt renders again (nothing is cached
/// between attempts), and every attempt must carry the same `MessageHeader/UUID` and body. The
/// renderer therefore builds it from what the store holds (the message's ``ConfirmationHeader``
/// and its entries' outcomes), never from the clock.
public struct OutboundConfirmation: Sendable {
    /// The SOAP envelope.
    public var body: [UInt8]
    /// The `Content-Type` header, e.g. `text/xml; charset=utf-8` (SOAP 1.1) or
    /// `application/soap+xml; charset=utf-8; action="…"` (SOAP 1.2).
    public var contentType: String
    /// The SOAP 1.1 `SOAPAction` header; `nil` = none (SOAP 1.2 carries the action in the
    /// content type). Sent in double quotes; quotes are added when the value has none.
    public var soapAction: String?
    /// Further request headers, in order (names and values without CR, LF or NUL).
    public var headers: [(name: String, value: String)]

    public init(body: [UInt8], contentType: String, soapAction: String? = nil, headers: [(name: String, value: String)] = []) {
        self.body = body
        self.contentType = contentType
        self.soapAction = soapAction
        self.headers = headers
    }
}
