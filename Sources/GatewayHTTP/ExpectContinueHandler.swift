import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Answers `Expect: 100-continue` with `100 Continue` as soon as a request's head arrives
/// (RFC 9110 §10.1.1), so that a client holding its body back until then sends it at once.
///
/// curl sends this expectation for every body over 1 MB, as do .NET's `HttpClient`, Java's
/// `HttpURLConnection` (when asked) and many middleware HTTP adapters. Without an interim answer
/// such a client waits for its own timeout (curl: one second) before it sends the body anyway,
/// which made every large asynchronous bulk a second slower than it needs to be.
///
/// A request whose declared `Content-Length` is over the gateway's limit gets no `100 Continue`:
/// its final answer (413) follows from the request handler without the body being sent first.
/// Other expectations are passed on unanswered (a server may ignore what it does not know).
final class ExpectContinueHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    let maximumBodyBytes: Int

    init(maximumBodyBytes: Int) {
        self.maximumBodyBytes = maximumBodyBytes
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let request) = unwrapInboundIn(data), Self.wantsContinue(request, maximumBodyBytes: maximumBodyBytes) {
            context.writeAndFlush(wrapOutboundOut(.head(HTTPResponse(status: .continue))), promise: nil)
        }
        context.fireChannelRead(data)
    }

    /// Whether `request` expects `100-continue` and may send its body (not over `maximumBodyBytes`).
    static func wantsContinue(_ request: HTTPRequest, maximumBodyBytes: Int) -> Bool {
        guard let expect = request.headerFields[.expect],
            expect.utf8.count == 12, expect.lowercased() == "100-continue"
        else { return false }
        if let length = request.headerFields[.contentLength], let declared = Int(length), declared > maximumBodyBytes {
            return false
        }
        return true
    }
}
