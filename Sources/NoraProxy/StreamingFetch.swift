import AsyncHTTPClient
import NIOConcurrencyHelpers
import NIOCore
import NoraCore
import NoraStorage

/// Immutable objects too large to wait for (OCI layers): on a miss the leading request gets
/// the upstream's bytes while they are verified and stored, so its first byte leaves before
/// the upstream transfer ends. Concurrent requests for the same key wait for the stored copy.
///
///     switch try await cache.immutableStream(key: k, expected: .native(digest)) { UpstreamRequest(url: …) } {
///     case .stored(let entry):  serve entry.blob from the store (Range, HEAD …)
///     case .streaming(let body): a 200 whose body is `try await body.stream { try await writer.write($0) }`
///     }
///
/// `stream(to:)` must run (once) for the fetch to complete; dropping an unstarted body
/// abandons the fetch (waiting requests then get a 502 and the next one fetches again).
/// When verification fails, `stream(to:)` throws after the last chunk and nothing is stored:
/// the response must then end as a broken transfer, never as a complete one.
extension PullThroughCache {
    public enum ImmutableSource: Sendable {
        case stored(CachedEntry)
        case streaming(UpstreamBody)
    }

    public func immutableStream(key: String, expected: ExpectedDigest?, maxSize: Int64? = nil,
                                request: @escaping @Sendable (Upstream) -> UpstreamRequest?) async throws -> ImmutableSource {
        if let entry = try await cached(key: key), try await services.store.stat(entry.blob.digest) != nil {
            return .stored(try await immutable(key: key, expected: nil) { _ in nil })
        }
        if try await recentlyMissing(key) { throw ProxyError.notFound(key) }
        if services.offline { throw ProxyError.notCached(key) }
        let (results, promise) = AsyncStream<Result<CachedEntry, any Error>>.makeStream()
        let joined = await flights.join(key) {
            for await result in results { return try result.get() }
            throw ProxyError.unavailable("the fetch of \(key) was abandoned")
        }
        let flight: Task<CachedEntry, any Error>
        switch joined {
        case .follower(let running): return .stored(noted(try await running.value, immutable: true))
        case .leader(let task): flight = task
        }
        do {
            let (response, upstream) = try await head(key: key, request: request)
            // noted now: the answer's headers leave before the transfer (and its metrics) ends
            ProxyOutcomeLog.current?.note(format: format, outcome: CachedEntry.Outcome.miss.rawValue, immutable: true)
            return .streaming(UpstreamBody(cache: self, key: key, expected: expected, limit: maxSize, response: response,
                                           upstream: upstream, flight: flight, promise: promise))
        } catch {
            if case ProxyError.notFound = error, policy.negativeTTL > 0 { try? await rememberMissing(key) }
            await flights.finished(key, flight)
            promise.yield(.failure(error))
            promise.finish()
            throw error
        }
    }

    /// The first upstream (in order) that answers 200; 404s and failures fall through as in `fetch`.
    private func head(key: String, request: @Sendable (Upstream) -> UpstreamRequest?) async throws -> (HTTPClientResponse, Upstream) {
        var failure: ProxyError?
        for upstream in upstreams {
            guard let outgoing = request(upstream) else { continue }
            guard services.breaker.allows(upstream.name) else {
                failure = failure ?? .unavailable("\(upstream.name) is skipped for a while after repeated failures (circuit open)")
                continue
            }
            do {
                let response = try await send(outgoing, to: upstream)
                switch response.status.code {
                case 200: return (response, upstream)
                case 404, 410: services.breaker.recordSuccess(upstream.name)
                case 401: failure = .unauthorized("\(upstream.name) answered 401 for \(key)")
                default:
                    services.breaker.recordFailure(upstream.name)
                    failure = .unavailable("\(upstream.name) answered \(response.status.code) for \(key)")
                }
            } catch {
                services.breaker.recordFailure(upstream.name)
                failure = classify(error, upstream)
            }
        }
        throw failure ?? ProxyError.notFound(key)
    }
}

/// The body of a miss being fetched: see `PullThroughCache.immutableStream`. A class, so that
/// a body dropped without being streamed releases the requests waiting for it (deinit).
public final class UpstreamBody: Sendable {
    let cache: PullThroughCache
    let key: String
    let expected: ExpectedDigest?
    let limit: Int64?
    let response: HTTPClientResponse
    let upstream: Upstream
    let flight: Task<CachedEntry, any Error>
    let promise: AsyncStream<Result<CachedEntry, any Error>>.Continuation
    private let started = NIOLockedValueBox(false)

    init(cache: PullThroughCache, key: String, expected: ExpectedDigest?, limit: Int64?, response: HTTPClientResponse,
         upstream: Upstream, flight: Task<CachedEntry, any Error>, promise: AsyncStream<Result<CachedEntry, any Error>>.Continuation) {
        self.cache = cache; self.key = key; self.expected = expected; self.limit = limit; self.response = response
        self.upstream = upstream; self.flight = flight; self.promise = promise
    }

    deinit {
        if !started.withLockedValue({ $0 }) {
            promise.yield(.failure(ProxyError.unavailable("the fetch of \(key) was abandoned")))
            promise.finish()
        }
    }

    /// The upstream's declared length, when it sent one (for `Content-Length`).
    public var size: Int64? { response.headers.first(name: "Content-Length").flatMap(Int64.init) }
    public var contentType: String? { response.headers.first(name: "Content-Type") }

    /// Stores the body (verified) and hands each chunk to `sink` once it is written to the
    /// upload area. The sink may capture the response writer (it runs in this task). A sink
    /// that fails (the client went away) is dropped and the object is still stored.
    @discardableResult
    public func stream(to sink: (ByteBuffer) async throws -> Void) async throws -> CachedEntry {
        let first = started.withLockedValue { started in defer { started = true }; return !started }
        guard first else { throw ProxyError.unavailable("the body of \(key) was already streamed") }
        do {
            let entry = try await storeWhileForwarding(sink)
            cache.services.breaker.recordSuccess(upstream.name)
            await cache.flights.finished(key, flight)
            promise.yield(.success(entry))
            promise.finish()
            return cache.recorded(entry)
        } catch {
            if !(error is StorageError) { cache.services.breaker.recordFailure(upstream.name) }  // our disk, not theirs
            cache.services.metrics.request(format: cache.format, upstream: upstream.name, result: "error")
            await cache.flights.finished(key, flight)
            promise.yield(.failure(error))
            promise.finish()
            throw error
        }
    }

    /// Appends chunk by chunk to an upload area (memory stays bounded), hashing on the way;
    /// commits only when the promised digest matches, else discards the upload.
    private func storeWhileForwarding(_ sink: (ByteBuffer) async throws -> Void) async throws -> CachedEntry {
        if let limit, let size, size > limit { throw ProxyError.tooLarge(limit: limit) }
        let store = cache.services.store
        let counter = cache.services.metrics.bytes(format: cache.format, upstream: upstream.name)
        let upload = try await store.startUpload()
        do {
            var sha256 = DigestHasher(.sha256)
            var sha1 = SHA1Stream()
            var total: Int64 = 0
            var clientGone = false
            var held = HeldChunk()
            for try await chunk in response.body {
                total += Int64(chunk.readableBytes)
                if let limit, total > limit { throw ProxyError.tooLarge(limit: limit) }
                chunk.withUnsafeReadableBytes { bytes in
                    sha256.update(bytes)
                    if case .sha1 = expected { sha1.update(bytes) }
                }
                counter.increment(by: Int64(chunk.readableBytes))
                _ = try await store.append(InMemoryBody(chunk), to: upload, limit: nil)
                // One chunk is held back until the digest is checked, so a client that was told
                // the length never receives a complete body that failed verification.
                if let previous = held.replace(chunk), !clientGone {
                    do { try await sink(previous) } catch { clientGone = true }
                }
            }
            let blob: BlobInfo
            switch expected {
            case .native(let digest):
                blob = try await store.commit(upload, expected: digest)
            case .sha1(let hex):
                let actual = sha1.finalize()
                guard actual == hex else { throw ProxyError.digestMismatch(expected: "sha1:\(hex)", actual: "sha1:\(actual)") }
                blob = try await store.commit(upload, expected: sha256.finalize())
            case nil:
                blob = try await store.commit(upload, expected: sha256.finalize())
            }
            if let last = held.chunk, !clientGone { try? await sink(last) }
            return try await cache.saveRow(blob, response: response, key: key, from: upstream)
        } catch StorageError.digestMismatch(let expected, let actual) {
            throw ProxyError.digestMismatch(expected: expected.description, actual: actual.description)
        } catch {
            try? await store.cancel(upload)
            throw error
        }
    }
}


/// The last chunk read, kept until the next one arrives (or the digest is checked).
struct HeldChunk {
    private(set) var chunk: ByteBuffer?
    /// Keeps `next` and returns the chunk it replaces.
    mutating func replace(_ next: ByteBuffer) -> ByteBuffer? {
        defer { chunk = next }
        return chunk
    }
}
