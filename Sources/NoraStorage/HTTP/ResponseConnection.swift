import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1

/// The connection a response is written to, for what Hummingbird's body writer cannot do:
/// send a file with `sendfile(2)`, and tell when written chunks have reached the channel.
///
/// Set for each request by the server's outermost middleware (a task local, so the many
/// handlers that answer with `BlobResponse` need no extra parameter); captured when a
/// response is made, since its body is written after the middleware chain has returned.
public struct ResponseConnection: Sendable {
    public let channel: any Channel
    /// Whether local files may go out as `FileRegion`s (`server.sendfile`).
    public let sendfile: Bool

    public init(channel: any Channel, sendfile: Bool) {
        self.channel = channel
        self.sendfile = sendfile
    }

    @TaskLocal public static var current: ResponseConnection?

    /// Writes `file`'s bytes as the body that follows the head already written, and waits
    /// until the socket has taken all of them (the kernel copies them from the page cache;
    /// no buffer of ours holds them). False, with nothing written, when the channel has no
    /// HTTP/1 codec to write below — an in-process test channel: the caller streams instead.
    ///
    /// Ordering: Hummingbird's writer hands each part to the event loop with `execute`
    /// before its `write` returns, and tasks run in order, so the region lands after the
    /// head; the caller writes the end only after this returns. The region is written
    /// below the HTTP-types codec, whose body part can only carry a `ByteBuffer`.
    /// Plain HTTP/1 only: with TLS below the codec a region cannot be sent (nora has no TLS).
    public func send(_ file: LocalBlobFile) async throws -> Bool {
        let channel = self.channel
        return try await channel.eventLoop.flatSubmit { () -> EventLoopFuture<Bool> in
            guard let codec = try? channel.pipeline.syncOperations.context(handlerType: HTTP1ToHTTPServerCodec.self) else {
                return channel.eventLoop.makeSucceededFuture(false)
            }
            let region = FileRegion(fileHandle: file.handle, readerIndex: Int(file.offset), endIndex: Int(file.offset + file.length))
            let written = channel.eventLoop.makePromise(of: Void.self)
            codec.writeAndFlush(NIOAny(HTTPServerResponsePart.body(.fileRegion(region))), promise: written)
            return written.futureResult.map { true }
        }.get()
    }
}

/// Bounds the bytes a streamed body has in flight.
///
/// Hummingbird's body writer returns as soon as its channel is writable, handing each chunk
/// to the event loop; the channel only turns unwritable once the loop has run those writes.
/// When the loop falls behind (a busy machine), a fast producer therefore queues chunk after
/// chunk on it — measured: 837 MiB RSS for 64 wrk readers with the CPU contended (issue 17),
/// 502 MiB against 85 MiB with this bound in `tests/e2e/test_downloads.py`. Waiting,
/// after each chunk, until the loop has run the chunk before it keeps at most two chunks
/// queued per response while still overlapping the next read with the current write.
public struct WriteFlow {
    private let channel: (any Channel)?
    private var previous: EventLoopFuture<Void>?

    /// No channel (in-process tests): nothing to wait for.
    public init(_ connection: ResponseConnection?) {
        self.channel = connection?.channel
    }

    /// Call after each chunk written.
    public mutating func wrote() async throws {
        guard let channel else { return }
        let marker = channel.eventLoop.submit {}
        if let previous { try await previous.get() }
        previous = marker
    }
}
