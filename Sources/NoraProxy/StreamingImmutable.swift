import AsyncHTTPClient
import NIOConcurrencyHelpers
import NIOCore
import NoraCore
import NoraStorage

/// Immutable content served while it downloads: the request that starts a download gets the
/// bytes as they arrive from upstream (first byte long before the last), while the same bytes
/// are verified and written into the blob store; concurrent requests for the key wait for the
/// download and are served from the store.
///
/// The download runs in its own task, so a client that goes away does not stop it (the
/// others still get the blob). The last chunk is held back until the digest is verified:
/// content that fails verification is never completely delivered — the streaming response
/// is cut off (the client sees a truncated body, not a 200 with wrong bytes) — and nothing
/// is stored. Requests waiting for that download get the error (502) and the next request
/// starts afresh.
extension PullThroughCache {
    public enum ImmutableBody: Sendable {
        /// In the store (a hit, or another request's download that completed): serve it from there.
        case stored(CachedEntry)
        /// This request started the download: send `body` (with `size` as Content-Length when known).
        case streaming(size: Int64?, upstream: String, body: StreamedBody)
    }

    public typealias StreamedBody = NIOThrowingAsyncSequenceProducer<
        ByteBuffer, any Error, NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark, DownloadPump>

    /// Like `immutable(key:expected:request:)`, with the first requester streaming. Objects
    /// whose upstream `Content-Length` is at most `streamAbove` bytes are verified and stored
    /// before anyone is answered (as `immutable` does: a mismatch is then a clean 502); larger
    /// ones, or ones of unknown length, stream. A failure before the first byte (every upstream
    /// 404 or failing) throws `ProxyError` as `immutable` does.
    public func immutableStreaming(key: String, expected: Digest, streamAbove: Int64,
                                   request: @escaping @Sendable (Upstream) -> UpstreamRequest?) async throws -> ImmutableBody {
        if let row = try await services.index.find(format: format, key: key), row.digest != nil, let entry = entry(row, .hit),
           try await services.store.stat(entry.blob.digest) != nil {
            return .stored(recorded(entry))
        }
        if services.offline { throw ProxyError.notCached(key) }
        if let finished = try await downloads.join(key) { return .stored(finished) }
        do {
            let (response, upstream) = try await openFirstAnswer(key: key, request: request)
            let size = response.headers.first(name: "Content-Length").flatMap(Int64.init)
            if let size, size <= streamAbove {
                let entry = try await storeVerified(response.body, response: response, key: key, expected: expected, from: upstream)
                await downloads.finish(key, .success(entry))
                return .stored(entry)
            }
            let pump = DownloadPump()
            let made = StreamedBody.makeSequence(backPressureStrategy: .init(lowWatermark: 2, highWatermark: 16),
                                                 finishOnDeinit: false, delegate: pump)
            let source = made.source
            Task {
                let lastChunk = NIOLockedValueBox<ByteBuffer?>(nil)
                let tee = HoldBackTee(base: response.body, held: lastChunk) { chunk in await pump.offer(chunk, to: source) }
                do {
                    let entry = try await storeVerified(tee, response: response, key: key, expected: expected, from: upstream)
                    // The flight ends before the streaming client's body does: a request it
                    // makes next must not join a download that is over.
                    await downloads.finish(key, .success(entry))
                    if let last = lastChunk.withLockedValue({ $0 }) { await pump.offer(last, to: source) }
                    source.finish()
                } catch {
                    let failure = classify(error, upstream)
                    await downloads.finish(key, .failure(failure))
                    source.finish(failure)
                }
            }
            return .streaming(size: size, upstream: upstream.name, body: made.sequence)
        } catch {
            await downloads.finish(key, .failure(error))
            throw error
        }
    }

    /// Writes `body` into the store verified against `expected` and records the cache row;
    /// failures count against the upstream (breaker, metrics, log).
    private func storeVerified<Body: AsyncSequence & Sendable>(
        _ body: Body, response: HTTPClientResponse, key: String, expected: Digest, from upstream: Upstream
    ) async throws -> CachedEntry where Body.Element == ByteBuffer {
        do {
            let counter = services.metrics.bytes(format: format, upstream: upstream.name)
            let blob = try await VerifiedWrite.store(body, expected: .native(expected), limit: nil, into: services.store) {
                counter.increment(by: Int64($0))
            }
            let row = ProxyCacheIndex.Row(
                format: format, key: key, digest: blob.digest.description, size: blob.size, etag: nil, last_modified: nil,
                content_type: response.headers.first(name: "Content-Type"), upstream: upstream.name, fetched_at: services.now())
            try await services.index.save(row)
            services.breaker.recordSuccess(upstream.name)
            return recorded(entry(row, .miss)!)
        } catch {
            let failure = classify(error, upstream)
            services.breaker.recordFailure(upstream.name)
            services.metrics.request(format: format, upstream: upstream.name, result: "error")
            services.logger.warning("upstream download failed", metadata: [
                "format": .string(format), "upstream": .string(upstream.name), "key": .string(key),
                "error": .string(failure.description)])
            throw failure
        }
    }

    /// The first upstream that answers 200 for the object (404s and failures fall through).
    private func openFirstAnswer(key: String, request: @Sendable (Upstream) -> UpstreamRequest?) async throws -> (HTTPClientResponse, Upstream) {
        var failure: (ProxyError, Upstream)?
        for upstream in upstreams {
            guard let outgoing = request(upstream) else { continue }
            guard services.breaker.allows(upstream.name) else {
                failure = failure ?? (.unavailable("\(upstream.name) is skipped for a while after repeated failures (circuit open)"), upstream)
                continue
            }
            do {
                let response = try await send(outgoing, to: upstream)
                switch response.status.code {
                case 200: return (response, upstream)
                case 404, 410:
                    services.breaker.recordSuccess(upstream.name)
                    continue
                default:
                    services.breaker.recordFailure(upstream.name)
                    failure = (.unavailable("\(upstream.name) answered \(response.status.code) for \(key)"), upstream)
                }
            } catch {
                services.breaker.recordFailure(upstream.name)
                failure = (classify(error, upstream), upstream)
            }
        }
        if let (error, upstream) = failure {
            services.metrics.request(format: format, upstream: upstream.name, result: "error")
            throw error
        }
        throw ProxyError.notFound(key)
    }
}

/// Downloads in progress, by key: later requests for a key wait for the first one's outcome.
actor DownloadFlights {
    private var waiting: [String: [CheckedContinuation<CachedEntry, any Error>]] = [:]

    /// nil: the caller leads the download and must call `finish`; otherwise the leader's result.
    func join(_ key: String) async throws -> CachedEntry? {
        guard waiting[key] != nil else {
            waiting[key] = []
            return nil
        }
        return try await withCheckedThrowingContinuation { waiting[key, default: []].append($0) }
    }

    func finish(_ key: String, _ result: Result<CachedEntry, any Error>) {
        for waiter in waiting.removeValue(forKey: key) ?? [] { waiter.resume(with: result) }
    }
}

/// Hands chunks to the streaming client at the pace it reads (back-pressure), and stops
/// handing them over — without stopping the download — once that client has gone.
public final class DownloadPump: NIOAsyncSequenceProducerDelegate {
    private struct State {
        var demand: CheckedContinuation<Void, Never>?
        var signalled = false
        var detached = false
    }
    private let state = NIOLockedValueBox(State())

    func offer(_ chunk: ByteBuffer, to source: PullThroughCache.StreamedBody.Source) async {
        guard !state.withLockedValue({ $0.detached }) else { return }
        state.withLockedValue { $0.signalled = false }
        switch source.yield(chunk) {
        case .produceMore: return
        case .dropped: state.withLockedValue { $0.detached = true }
        case .stopProducing:
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLockedValue { state in
                    if state.signalled || state.detached { return true }
                    state.demand = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }
    }

    public func produceMore() { wake { $0.signalled = true } }
    public func didTerminate() { wake { $0.detached = true } }

    private func wake(_ change: (inout State) -> Void) {
        let waiting = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            change(&state)
            defer { state.demand = nil }
            return state.demand
        }
        waiting?.resume()
    }
}

/// Passes the upstream body on unchanged (to the blob store) and hands each chunk but the
/// latest to `forward`; the latest waits in `held` until the caller knows it may be sent.
struct HoldBackTee<Base: AsyncSequence & Sendable>: AsyncSequence, Sendable where Base.Element == ByteBuffer {
    typealias Element = ByteBuffer
    let base: Base
    let held: NIOLockedValueBox<ByteBuffer?>
    let forward: @Sendable (ByteBuffer) async -> Void

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: Base.AsyncIterator
        let held: NIOLockedValueBox<ByteBuffer?>
        let forward: @Sendable (ByteBuffer) async -> Void
        mutating func next() async throws -> ByteBuffer? {
            guard let chunk = try await base.next() else { return nil }
            if let previous = held.withLockedValue({ $0 }) { await forward(previous) }
            held.withLockedValue { $0 = chunk }
            return chunk
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: base.makeAsyncIterator(), held: held, forward: forward) }
}
