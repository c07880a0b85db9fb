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

    /// How many keys are being fetched now (tests).
    var count: Int { inFlight.count }
}
