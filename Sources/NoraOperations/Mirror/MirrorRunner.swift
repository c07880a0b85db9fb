import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NoraCore

/// Sends every `MirrorRequest` to a nora server with at most `jobs` in flight, follows what
/// documents name, checks bodies against the lockfile's hashes and counts the outcomes.
///
/// Whether an object was fetched from upstream now or was already cached is read from the
/// server's `X-Nora-Cache` answer header (`miss`/`revalidated` → fetched; `hit`, `stale`,
/// or no header — hosted content — → already there).
public struct MirrorRunner: Sendable {
    public let baseURL: String
    public let token: String?
    public let jobs: Int
    /// Documents (pages, manifests, checksums) are read whole up to this size.
    public let documentLimit = 64 * 1024 * 1024
    public let requestTimeout: TimeAmount
    public let userAgent: String

    public init(baseURL: String, token: String?, jobs: Int, userAgent: String, requestTimeout: TimeAmount = .minutes(30)) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.token = token; self.jobs = max(1, jobs); self.userAgent = userAgent; self.requestTimeout = requestTimeout
    }

    public enum Outcome: Sendable, Equatable { case fetched, cached, failed(String) }

    /// The URL of a path on the server. Paths taken from documents already carry the base
    /// URL's own path when the server sits under one (`https://host/nora/simple/…`).
    func url(for path: String) -> String {
        guard let components = URLComponents(string: baseURL), !components.percentEncodedPath.isEmpty,
              path.hasPrefix(components.percentEncodedPath + "/") else { return baseURL + path }
        return String(baseURL.dropLast(components.percentEncodedPath.count)) + path
    }

    /// Sends the requests; throws only when the server does not answer `/health` at all
    /// (a wrong `--url` is one clear error, not one failure per item).
    public func run(_ requests: [MirrorRequest], progress: MirrorProgress) async throws -> MirrorSummary {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow,
                                                     timeout: .init(connect: .seconds(30), read: .seconds(300)))
        configuration.httpVersion = .http1Only
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            let health = try await client.execute(HTTPClientRequest(url: url(for: "/health")), timeout: .seconds(60))
            _ = try? await health.body.collect(upTo: 64 * 1024)
            guard health.status == .ok else { throw MirrorInputError(baseURL, "/health answered \(health.status.code): is this a nora server?") }
        } catch let error as MirrorInputError {
            try? await client.shutdown()
            throw error
        } catch {
            try? await client.shutdown()
            throw MirrorInputError(baseURL, "cannot reach the server (\(error))")
        }
        var summary = MirrorSummary()
        await withTaskGroup(of: (MirrorRequest, Outcome, Int64, [MirrorRequest]).self) { group in
            var pending = requests[...], seen = Set<String>(), running = 0
            progress.planned(requests.count)
            func startMore() {
                while running < jobs, let request = pending.popFirst() {
                    guard seen.insert(request.path).inserted else { progress.planned(-1); continue }
                    running += 1
                    group.addTask { await perform(request, client: client) }
                }
            }
            startMore()
            while let (request, outcome, bytes, more) = await group.next() {
                running -= 1
                summary.add(request.label, outcome, bytes: bytes)
                progress.finished(request.label, outcome, summary: summary)
                progress.planned(more.count)
                pending.append(contentsOf: more)
                startMore()
            }
        }
        try? await client.shutdown()
        progress.done()
        return summary
    }

    func perform(_ request: MirrorRequest, client: HTTPClient) async -> (MirrorRequest, Outcome, Int64, [MirrorRequest]) {
        var outgoing = HTTPClientRequest(url: url(for: request.path))
        outgoing.headers.add(name: "User-Agent", value: userAgent)
        if let accept = request.accept { outgoing.headers.add(name: "Accept", value: accept) }
        if let token { outgoing.headers.add(name: "Authorization", value: "Bearer \(token)") }
        do {
            let response = try await client.execute(outgoing, timeout: requestTimeout)
            guard response.status == .ok else {
                let detail = (try? await response.body.collect(upTo: 4096)).map { String(buffer: $0) } ?? ""
                let short = detail.trimmingCharacters(in: .whitespacesAndNewlines).prefix(200)
                return (request, .failed("HTTP \(response.status.code)\(short.isEmpty ? "" : ": \(short)")"), 0, [])
            }
            let cache = response.headers.first(name: "X-Nora-Cache") ?? ""
            let fetched = cache.contains("miss") || cache.contains("revalidated")
            var check = try BodyCheck(request.check)
            defer { check.removeTemporaryFile() }
            var size: Int64 = 0
            var document: [UInt8]? = request.next == nil ? nil : []
            for try await chunk in response.body {
                size += Int64(chunk.readableBytes)
                try chunk.withUnsafeReadableBytes { try check.update($0) }
                if document != nil {
                    guard size <= documentLimit else { return (request, .failed("document larger than \(documentLimit) bytes"), size, []) }
                    document!.append(contentsOf: chunk.readableBytesView)
                }
            }
            if let mismatch = check.finish() { return (request, .failed("checksum mismatch: \(mismatch)"), size, []) }
            var more: [MirrorRequest] = []
            if let next = request.next, let document { more = try next(document) }
            return (request, fetched ? .fetched : .cached, size, more)
        } catch let error as MirrorInputError {
            return (request, .failed(error.description), 0, [])
        } catch {
            return (request, .failed("\(error)"), 0, [])
        }
    }
}

/// The counts `nora mirror` prints at the end; any failure makes the exit status non-zero.
public struct MirrorSummary: Sendable, Equatable {
    public var fetched = 0
    public var cached = 0
    public var failures: [String] = []
    public var bytes: Int64 = 0

    mutating func add(_ label: String, _ outcome: MirrorRunner.Outcome, bytes: Int64) {
        self.bytes += bytes
        switch outcome {
        case .fetched: fetched += 1
        case .cached: cached += 1
        case .failed(let reason): failures.append("\(label): \(reason)")
        }
    }

    public var done: Int { fetched + cached + failures.count }

    public var lines: [String] {
        ["mirror: \(fetched) fetched, \(cached) already cached, \(failures.count) failed (\(Self.size(bytes)) transferred)"]
            + failures.sorted().map { "failed: \($0)" }
    }

    static func size(_ bytes: Int64) -> String {
        bytes < 1024 * 1024 ? "\(bytes / 1024) KiB" : String(format: "%.1f MiB", Double(bytes) / 1_048_576)
    }
}
