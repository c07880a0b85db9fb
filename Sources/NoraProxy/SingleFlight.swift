/// Runs one piece of work per key at a time: callers asking for a key that is already
/// being fetched wait for that fetch's result instead of starting their own.
///
/// The work runs in its own task, so a caller that goes away (a client disconnecting)
/// does not cancel a fetch others are waiting for, and a fetch that completes still fills
/// the cache for the next request.
public actor SingleFlight<Value: Sendable> {
    private var inFlight: [String: Task<Value, any Error>] = [:]

    public init() {}

    public func run(_ key: String, _ work: @escaping @Sendable () async throws -> Value) async throws -> Value {
        if let running = inFlight[key] { return try await running.value }
        let task = Task { try await work() }
        inFlight[key] = task
        let result = await task.result
        inFlight[key] = nil
        return try result.get()
    }

    enum Joined: Sendable {
        case leader(Task<Value, any Error>)
        case follower(Task<Value, any Error>)
    }

    /// Registers `work` as the fetch of `key` unless one is running; the caller then leads
    /// (and must make `work` finish), else it gets the running fetch to wait for.
    func join(_ key: String, _ work: @escaping @Sendable () async throws -> Value) -> Joined {
        if let running = inFlight[key] { return .follower(running) }
        let task = Task { try await work() }
        inFlight[key] = task
        Task { _ = await task.result; self.finished(key, task) }
        return .leader(task)
    }

    /// Unregisters a led fetch before its result is delivered, so a request arriving after a
    /// failure starts a new fetch instead of joining the failed one.
    func finished(_ key: String, _ task: Task<Value, any Error>) {
        if inFlight[key] == task { inFlight[key] = nil }
    }

    /// How many keys are being fetched now (tests).
    var count: Int { inFlight.count }
}
