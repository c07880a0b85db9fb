import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import NoraCore

/// The registry's own router, called in-process (no socket, no port): the importer publishes
/// through exactly the handlers the real clients use, so every check, row and blob is as if
/// `npm publish`, `cargo publish`, `skopeo copy` … had sent it.
///
/// Built from the operator's configuration with authentication, rate limits and every
/// pull-through proxy turned off: the importer acts as the operator, and a lookup of a name
/// that is not hosted must answer 404 at once rather than ask an upstream.
struct InProcessRegistry: Sendable {
    struct Answer: Sendable {
        let status: HTTPResponse.Status
        let headers: HTTPFields
        let body: ByteBuffer
        var ok: Bool { (200..<300).contains(status.code) }
        var text: String { String(buffer: body) }

        /// The error the handler rendered (its protocol's shape), shortened for a summary line.
        var reason: String {
            let detail = text.trimmingCharacters(in: .whitespacesAndNewlines)
            return "\(status.code) \(detail.prefix(300))"
        }
    }

    let responder: RouterResponder<NoraRequestContext>
    let logger: Logger
    /// Largest response body kept (the importer only reads small documents back).
    static let answerLimit = 8 * 1024 * 1024

    init(parts: NoraApp.Parts, logger: Logger) {
        var config = parts.config
        config.auth.enabled = false
        config.rateLimit.enabled = false
        config.registries = Set(RegistryFormat.allCases)
        config.proxy.npm.upstreams = []; config.proxy.pypi.upstreams = []; config.proxy.maven.upstreams = []
        config.proxy.cargo.upstreams = []; config.proxy.go.upstreams = []; config.proxy.docker.upstreams = []
        let local = NoraApp.Parts(config: config, db: parts.db, store: parts.store, tokens: parts.tokens, signer: parts.signer,
                                  metrics: parts.metrics, databaseURL: parts.databaseURL, identity: parts.identity,
                                  activity: parts.activity, proxy: parts.proxy)
        self.responder = NoraApp.router(parts: local, users: .empty).buildResponder()
        self.logger = logger
    }

    /// Sends one request; `body` streams (a file's chunks), `length` becomes Content-Length.
    func send<Body: AsyncSequence & Sendable>(
        _ method: HTTPRequest.Method, _ path: String, headers: HTTPFields = [:], body: Body, length: Int64?
    ) async throws -> Answer where Body.Element == ByteBuffer, Body.AsyncIterator: SendableMetatype {
        var headers = headers
        if let length { headers[.contentLength] = String(length) }
        let request = Request(head: HTTPRequest(method: method, scheme: "http", authority: "localhost", path: path, headerFields: headers),
                              body: RequestBody(asyncSequence: body))
        let context = NoraRequestContext(source: ApplicationRequestContextSource(channel: NIOAsyncTestingChannel(), logger: logger))
        let response = try await responder.respond(to: request, context: context)
        let collector = CollectingWriter()
        try await response.body.write(collector)
        return Answer(status: response.status, headers: response.headers, body: collector.body)
    }

    func send(_ method: HTTPRequest.Method, _ path: String, headers: HTTPFields = [:], bytes: [UInt8] = []) async throws -> Answer {
        let length = bytes.isEmpty && method != .put ? nil : Int64(bytes.count)
        return try await send(method, path, headers: headers, body: OneChunk(bytes: bytes), length: length)
    }

    /// A file's bytes as a request body (1 MiB chunks).
    func send(_ method: HTTPRequest.Method, _ path: String, headers: HTTPFields = [:], file: String) async throws -> Answer {
        let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.int64Value
        return try await send(method, path, headers: headers, body: FileChunks(path: file), length: size)
    }
}

/// Keeps the first `InProcessRegistry.answerLimit` bytes of a response.
struct CollectingWriter: ResponseBodyWriter {
    let collected = NIOLockedValueBox(ByteBuffer())
    var body: ByteBuffer { collected.withLockedValue { $0 } }
    func write(_ buffer: ByteBuffer) async throws {
        collected.withLockedValue { body in
            guard body.readableBytes < InProcessRegistry.answerLimit else { return }
            body.writeImmutableBuffer(buffer)
        }
    }
    func finish(_ trailingHeaders: HTTPFields?) async throws {}
}

/// A small body sent in one piece.
struct OneChunk: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let bytes: [UInt8]
    struct AsyncIterator: AsyncIteratorProtocol {
        var pending: ByteBuffer?
        mutating func next() async throws -> ByteBuffer? { defer { pending = nil }; return pending }
    }
    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(pending: bytes.isEmpty ? nil : ByteBuffer(bytes: bytes)) }
}
