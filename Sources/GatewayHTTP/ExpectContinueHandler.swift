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
    /// Requests whose heads arrived and whose responses have not ended (pipelined requests queue).
    private var unanswered = 0
    /// Of those, the ones (by position) that expect `100 Continue` and have not had it yet.
    private var waitingForContinue: [Int] = []
    private var answered = 0

    init(maximumBodyBytes: Int) {
        self.maximumBodyBytes = maximumBodyBytes
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let request) = unwrapInboundIn(data) {
            let position = answered + unanswered
            unanswered += 1
            if Self.wantsContinue(request, maximumBodyBytes: maximumBodyBytes) {
                if position == answered {
                    context.writeAndFlush(wrapOutboundOut(.head(HTTPResponse(status: .continue))), promise: nil)
                } else {
                    // A pipelined request: its 100 must not come before the answers to the ones ahead of it.
                    waitingForContinue.append(position)
                }
            }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let isEnd: Bool
        if case .end = unwrapOutboundIn(data) { isEnd = true } else { isEnd = false }
        context.write(data, promise: promise)
        guard isEnd, unanswered > 0 else { return }
        unanswered -= 1
        answered += 1
        if waitingForContinue.first == answered {
            waitingForContinue.removeFirst()
            context.write(wrapOutboundOut(.head(HTTPResponse(status: .continue))), promise: nil)
        }
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
