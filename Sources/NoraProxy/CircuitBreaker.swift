import NIOConcurrencyHelpers
import NoraCore

/// Per-upstream circuit breaker (`NORA_CB_*`): after `threshold` consecutive failures an
/// upstream is skipped for `resetTimeout` seconds; then one probe request may go through,
/// and its outcome closes or reopens the circuit. Shared by every format.
public final class CircuitBreaker: Sendable {
    enum State: Equatable {
        case closed(failures: Int)
        case open(since: Double)
        case probing
    }

    let enabled: Bool
    let threshold: Int
    let resetTimeout: Double
    let now: @Sendable () -> Double
    private let states = NIOLockedValueBox([String: State]())

    public init(enabled: Bool, threshold: Int, resetTimeoutSeconds: Int,
                now: @escaping @Sendable () -> Double = { Double(Clock.nowMillis()) / 1000 }) {
        self.enabled = enabled; self.threshold = max(1, threshold); self.resetTimeout = Double(resetTimeoutSeconds); self.now = now
    }

    public convenience init(_ config: ProxyConfig.CircuitBreaker) {
        self.init(enabled: config.enabled, threshold: config.threshold, resetTimeoutSeconds: config.resetTimeoutSeconds)
    }

    /// Whether a request to `upstream` may be sent now (an open circuit past its timeout lets one probe through).
    public func allows(_ upstream: String) -> Bool {
        guard enabled else { return true }
        let time = now()
        return states.withLockedValue { (states: inout [String: State]) -> Bool in
            switch states[upstream] ?? .closed(failures: 0) {
            case .closed: return true
            case .probing: return false
            case .open(let since):
                guard time - since >= resetTimeout else { return false }
                states[upstream] = .probing
                return true
            }
        }
    }

    /// Seconds until an open circuit lets a probe through (for `Retry-After`).
    public func retryAfter(_ upstream: String) -> Int {
        states.withLockedValue { (states: inout [String: State]) -> Int in
            guard case .open(let since) = states[upstream] else { return 1 }
            return max(1, Int((resetTimeout - (now() - since)).rounded(.up)))
        }
    }

    public func recordSuccess(_ upstream: String) {
        guard enabled else { return }
        states.withLockedValue { $0[upstream] = .closed(failures: 0) }
    }

    public func recordFailure(_ upstream: String) {
        guard enabled else { return }
        let time = now()
        states.withLockedValue { states in
            switch states[upstream] ?? .closed(failures: 0) {
            case .closed(let failures) where failures + 1 < threshold: states[upstream] = .closed(failures: failures + 1)
            case .closed, .probing: states[upstream] = .open(since: time)
            case .open: break
            }
        }
    }
}
