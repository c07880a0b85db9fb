import AsyncHTTPClient
import NIOCore
import NoraCore
import NoraStorage

/// The upstream half of a miss: ask each upstream in order, store the first good answer.
extension PullThroughCache {
    /// `previous` is a cached copy that may be revalidated with a conditional request.
    /// A 404 falls through to the next upstream; so does a failure (connection error,
    /// timeout, server error, open circuit, content failing its digest), which is thrown
    /// at the end unless another upstream answered.
    func fetch(key: String, previous: CachedEntry?, expected: ExpectedDigest?, limit: Int64?,
               request: @Sendable (Upstream) -> UpstreamRequest?) async throws -> CachedEntry {
        var failure: (ProxyError, Upstream)?
        for upstream in upstreams {
            guard var outgoing = request(upstream) else { continue }
            guard services.breaker.allows(upstream.name) else {
                failure = failure ?? (.unavailable("\(upstream.name) is skipped for a while after repeated failures (circuit open)"), upstream)
                continue
            }
            let conditional = policy.revalidate && previous?.upstream == upstream.name ? previous : nil
            if let etag = conditional?.etag { outgoing.headers.append(("If-None-Match", etag)) }
            if let lastModified = conditional?.lastModified { outgoing.headers.append(("If-Modified-Since", lastModified)) }
            do {
                let response = try await send(outgoing, to: upstream)
                switch response.status.code {
                case 200:
                    let entry = try await store(response, key: key, expected: expected, limit: limit, from: upstream)
                    services.breaker.recordSuccess(upstream.name)
                    return recorded(entry)
                case 304 where conditional != nil:
                    services.breaker.recordSuccess(upstream.name)
                    let now = services.now()
                    try await services.index.touch(format: format, key: key, at: now)
                    let old = conditional!
                    return recorded(CachedEntry(key: key, blob: old.blob, etag: old.etag, lastModified: old.lastModified,
                                                contentType: old.contentType, upstream: old.upstream, fetchedAt: now, outcome: .revalidated))
                case 404, 410:
                    services.breaker.recordSuccess(upstream.name)  // a healthy answer
                    continue
                case 401:  // not a sign of an unhealthy upstream: the credentials (an expired token?)
                    failure = (.unauthorized("\(upstream.name) answered 401 for \(key)"), upstream)
                default:
                    services.breaker.recordFailure(upstream.name)
                    failure = (.unavailable("\(upstream.name) answered \(response.status.code) for \(key)"), upstream)
                }
            } catch let error as StorageError {
                // Our own store failed (full disk, I/O): not the upstream's fault, and the next
                // upstream would meet the same store. The client hears it as it is (507, 500).
                throw error
            } catch let error as ProxyError {
                // The upstream answered, but with content that failed verification or was too large.
                services.breaker.recordFailure(upstream.name)
                failure = (error, upstream)
            } catch {
                services.breaker.recordFailure(upstream.name)
                failure = (classify(error, upstream), upstream)
            }
            services.logger.warning("upstream request failed", metadata: [
                "format": .string(format), "upstream": .string(upstream.name), "key": .string(key),
                "error": .string(failure.map { $0.0.description } ?? "")])
        }
        if let failure {
            services.metrics.request(format: format, upstream: failure.1.name, result: "error")
            throw failure.0
        }
        throw ProxyError.notFound(key)
    }

    private func store(_ response: HTTPClientResponse, key: String, expected: ExpectedDigest?, limit: Int64?,
                       from upstream: Upstream) async throws -> CachedEntry {
        try await storeVerified(response.body, response: response, key: key, expected: expected, limit: limit, from: upstream)
    }

    /// Streams `body` (the response's, possibly observed) into the store, verified, and records the row.
    func storeVerified<Body: AsyncSequence & Sendable>(
        _ body: Body, response: HTTPClientResponse, key: String, expected: ExpectedDigest?, limit: Int64?, from upstream: Upstream
    ) async throws -> CachedEntry where Body.Element == ByteBuffer {
        if let limit, let declared = response.headers.first(name: "Content-Length").flatMap(Int64.init), declared > limit {
            throw ProxyError.tooLarge(limit: limit)
        }
        let counter = services.metrics.bytes(format: format, upstream: upstream.name)
        let blob = try await VerifiedWrite.store(body, expected: expected, limit: limit, into: services.store) {
            counter.increment(by: Int64($0))
        }
        return try await saveRow(blob, response: response, key: key, from: upstream)
    }

    /// Records what was stored for `key`, with the validators revalidation will send.
    func saveRow(_ blob: BlobInfo, response: HTTPClientResponse, key: String, from upstream: Upstream) async throws -> CachedEntry {
        let row = ProxyCacheIndex.Row(
            format: format, key: key, digest: blob.digest.description, size: blob.size,
            etag: response.headers.first(name: "ETag"), last_modified: response.headers.first(name: "Last-Modified"),
            content_type: response.headers.first(name: "Content-Type"), upstream: upstream.name, fetched_at: services.now())
        try await services.index.save(row)
        return entry(row, .miss)!
    }

    /// Transport failures in the proxy's terms: timeouts are 504, the rest 502.
    func classify(_ error: any Error, _ upstream: Upstream) -> ProxyError {
        if let error = error as? ProxyError { return error }
        if let error = error as? HTTPClientError,
           [.deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout].contains(error) {
            return .timedOut("\(upstream.name) did not answer in time")
        }
        return .unavailable("\(upstream.name): \(error)")
    }
}
