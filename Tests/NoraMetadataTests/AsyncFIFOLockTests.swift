import NoraMetadata
import Synchronization
import Testing

@Suite struct AsyncFIFOLockTests {
    final class Probe: Sendable {
        private let state = Mutex<(inside: Int, maxInside: Int, runs: Int)>((0, 0, 0))
        func enter() { state.withLock { $0.inside += 1; $0.maxInside = max($0.maxInside, $0.inside); $0.runs += 1 } }
        func leave() { state.withLock { $0.inside -= 1 } }
        var maxInside: Int { state.withLock { $0.maxInside } }
        var runs: Int { state.withLock { $0.runs } }
    }

    @Test func bodiesNeverOverlapAcrossSuspensionPoints() async throws {
        let lock = AsyncFIFOLock()
        let probe = Probe()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<200 {
                group.addTask {
                    try await lock.withLock {
                        probe.enter()
                        await Task.yield()
                        try await Task.sleep(for: .microseconds(50))
                        probe.leave()
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(probe.runs == 200)
        #expect(probe.maxInside == 1)
    }

    @Test func returnsTheBodysValue() async throws {
        let lock = AsyncFIFOLock()
        #expect(try await lock.withLock { 42 } == 42)
        #expect(try await lock.withLock { "text" } == "text")
    }

    @Test func throwingBodyReleasesTheLock() async throws {
        struct Failure: Error {}
        let lock = AsyncFIFOLock()
        await #expect(throws: Failure.self) { try await lock.withLock { throw Failure() } }
        // Not left held: these would wait forever otherwise.
        #expect(try await lock.withLock { 1 } == 1)
        await lock.acquire()
        await lock.release()
        #expect(try await lock.withLock { 2 } == 2)
    }

    @Test func waiterProceedsOnlyAfterRelease() async throws {
        let lock = AsyncFIFOLock()
        let events = Mutex<[String]>([])
        await lock.acquire()
        let waiter = Task {
            try await lock.withLock { events.withLock { $0.append("waiter") } }
        }
        try await Task.sleep(for: .milliseconds(50))
        #expect(events.withLock { $0 }.isEmpty)   // still held by the test
        events.withLock { $0.append("release") }
        await lock.release()
        try await waiter.value
        #expect(events.withLock { $0 } == ["release", "waiter"])
    }
}
