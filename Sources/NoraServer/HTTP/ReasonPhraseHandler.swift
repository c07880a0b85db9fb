import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// Keeps a response's own reason phrase on the HTTP/1 status line.
///
/// mvn shows only the status line of a failed deploy (`status code: 409, reason phrase: …`),
/// so Maven errors put their message there. The HTTP types → HTTP/1 conversion drops it:
/// `HTTPResponseStatus(statusCode:reasonPhrase:)` maps every standard code to its standard
/// phrase. This handler sits with Hummingbird's handlers (after the conversion codec), notes
/// a non-standard phrase, and its companion below the codec writes it back onto the head.
final class ReasonPhraseHandler: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let restorer = Restorer()

    func handlerAdded(context: ChannelHandlerContext) {
        let pipeline = context.pipeline.syncOperations
        guard let codec = try? pipeline.handler(type: HTTP1ToHTTPServerCodec.self) else { return }
        try? pipeline.addHandler(restorer, position: .before(codec))
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .head(let head) = unwrapOutboundIn(data), head.status.code >= 200 {
            let phrase = head.status.reasonPhrase
            restorer.pending = phrase == HTTPResponse.Status(code: head.status.code).reasonPhrase ? nil : phrase
        }
        context.write(data, promise: promise)
    }

    /// Below the codec: puts the noted phrase back on the next final response head.
    final class Restorer: ChannelOutboundHandler, RemovableChannelHandler {
        typealias OutboundIn = HTTPServerResponsePart
        typealias OutboundOut = HTTPServerResponsePart

        var pending: String?

        func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
            if case .head(var head) = unwrapOutboundIn(data), head.status.code >= 200, let phrase = pending {
                pending = nil
                head.status = .custom(code: head.status.code, reasonPhrase: phrase)
                context.write(wrapOutboundOut(.head(head)), promise: promise)
                return
            }
            context.write(data, promise: promise)
        }
    }
}
