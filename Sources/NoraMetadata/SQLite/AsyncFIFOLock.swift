/// A first-come-first-served async lock.
///
/// SQLite allows one writer; with `BEGIN IMMEDIATE` on a shared connection, two
/// overlapping transactions fail ("cannot start a transaction within a transaction").
/// A plain actor does not serialise them (it is re-entered at every `await`), so
/// transactions queue here instead.
public actor AsyncFIFOLock {
    private var held = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    public init() {}

    public func acquire() async {
        guard held else { held = true; return }
        await withCheckedContinuation { waiters.append($0) }
    }

    public func release() {
        if waiters.isEmpty { held = false } else { waiters.removeFirst().resume() }
    }

    public nonisolated func withLock<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        await acquire()
        do {
            let result = try await body()
            await release()
            return result
        } catch {
            await release()
            throw error
        }
    }
}
