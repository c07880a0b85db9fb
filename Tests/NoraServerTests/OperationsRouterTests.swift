import HTTPTypes
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import NoraCore
import NoraServer
import Testing

@Suite struct OperationsRouterTests {
    @Test func healthReadyMetrics() async throws {
        try await TestRegistry.run { client, _ in
            let health = try await client.execute(uri: "/health", method: .get)
            struct Health: Decodable { let status: String; let version: String; let uptime_seconds: Int }
            let decoded = try JSONDecoder().decode(Health.self, from: Data(health.text.utf8))
            #expect(decoded.status == "ok" && !decoded.version.isEmpty)
            #expect(try await client.execute(uri: "/ready", method: .get).status == .ok)
            _ = try await client.execute(uri: "/raw/m.txt", method: .put, body: ByteBuffer(string: "m"))
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            #expect(metrics.text.contains("nora_http_requests_total{format=\"raw\",method=\"PUT\",status=\"201\"} 1"))
            #expect(metrics.text.contains("nora_http_request_duration_seconds_bucket"))
        }
    }

    /// Every family has a `# HELP` line right before its `# TYPE` line, with a description
    /// written for it (not the fallback derived from its name).
    @Test func everyMetricFamilyIsDescribed() async throws {
        try await TestRegistry.run { client, _ in
            _ = try await client.execute(uri: "/raw/h.txt", method: .put, body: ByteBuffer(string: "h"))
            _ = try await client.execute(uri: "/raw/h.txt", method: .get)
            let lines = try await client.execute(uri: "/metrics", method: .get).text.split(separator: "\n").map(String.init)
            let types = lines.enumerated().filter { $0.element.hasPrefix("# TYPE ") }
            #expect(types.count >= 5)
            for (index, line) in types {
                let name = line.split(separator: " ")[2]
                #expect(index > 0 && lines[index - 1].hasPrefix("# HELP \(name) "), "no HELP line for \(name)")
                #expect(MetricHelp.known[String(name)] != nil, "\(name) has no description in MetricHelp")
            }
        }
    }

    @Test func requestIDIsEchoedOrGenerated() async throws {
        try await TestRegistry.run { client, _ in
            let echoed = try await client.execute(uri: "/health", method: .get, headers: [HTTPField.Name("X-Request-ID")!: "abc-123"])
            #expect(echoed.headers[HTTPField.Name("X-Request-ID")!] == "abc-123")
            let generated = try await client.execute(uri: "/health", method: .get)
            #expect((generated.headers[HTTPField.Name("X-Request-ID")!]?.count ?? 0) >= 16)
        }
    }

    @Test func unknownRoutesAnswerInJSON() async throws {
        try await TestRegistry.run { client, _ in
            let missing = try await client.execute(uri: "/nothing/here", method: .get)
            #expect(missing.status == .notFound)
            #expect(missing.text.contains("\"error\""))
        }
    }

    @Test func generalRateLimitAnswers429() async throws {
        try await TestRegistry.run(configure: {
            $0.rateLimit.enabled = true
            $0.rateLimit.general = .init(rps: 0.01, burst: 3)
        }) { client, _ in
            for _ in 0..<3 { #expect(try await client.execute(uri: "/raw/", method: .get).status == .ok) }
            let limited = try await client.execute(uri: "/raw/", method: .get)
            #expect(limited.status == .tooManyRequests)
            #expect(Int(limited.headers[.retryAfter] ?? "") ?? 0 >= 1)
            #expect(try await client.execute(uri: "/health", method: .get).status == .ok)
        }
    }

    @Test func disabledFormatIsNotRouted() async throws {
        try await TestRegistry.run(configure: { $0.registries = [] }) { client, _ in
            let put = try await client.execute(uri: "/raw/x", method: .put, body: ByteBuffer(string: "x"))
            #expect(put.status == .notFound)
        }
    }

    @Test func liveServerStreamsLargeBodies() async throws {
        try await TestRegistry.run(testing: .live) { client, _ in
            let size = 3 * 1024 * 1024 + 17
            var body = ByteBuffer()
            for i in 0..<size { body.writeInteger(UInt8(truncatingIfNeeded: i &* 31)) }
            let put = try await client.execute(uri: "/raw/live.bin", method: .put, body: body)
            #expect(put.status == .created)
            let get = try await client.execute(uri: "/raw/live.bin", method: .get)
            #expect(get.body == body)
            // over a real socket the body goes out with sendfile(2): ranges and HEAD too
            let range = try await client.execute(uri: "/raw/live.bin", method: .get, headers: [.range: "bytes=100000-2100000"])
            #expect(range.status == .partialContent)
            #expect(range.body == body.getSlice(at: 100_000, length: 2_000_001))
            let head = try await client.execute(uri: "/raw/live.bin", method: .head)
            #expect(head.headers[.contentLength] == String(size))
            #expect(head.body.readableBytes == 0)
        }
    }

    @Test(arguments: [TestingSetup.router, .live])
    func buffered(setup: TestingSetup) async throws {
        try await TestRegistry.run(testing: setup, configure: { $0.server.sendfile = false }) { client, _ in
            var body = ByteBuffer()
            for i in 0..<(1024 * 1024 + 3) { body.writeInteger(UInt8(truncatingIfNeeded: i &* 7)) }
            _ = try await client.execute(uri: "/raw/buffered.bin", method: .put, body: body)
            let range = try await client.execute(uri: "/raw/buffered.bin", method: .get, headers: [.range: "bytes=70000-"])
            #expect(range.body == body.getSlice(at: 70000, length: body.readableBytes - 70000))
        }
    }
}
