import Hummingbird
import NIOConcurrencyHelpers
import NIOCore

/// The per-request context every route sees: who is calling, under which policy,
/// from where, and the request id echoed in `X-Request-ID` and every log line.
public struct NoraRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by the auth middleware; nil for anonymous callers.
    public var identity: Identity?
    /// Set by the auth middleware; fails closed until then.
    public var access: AccessPolicy = .denyAll
    /// Set by the request-id middleware.
    public var requestID: String = ""
    /// The peer's IP address (rate limits, logs).
    public let clientAddress: String
    /// The connection the request came on (zero-copy sends and write back-pressure:
    /// `ResponseConnection`).
    public let channel: any Channel
    /// Facts learnt deeper in the chain that outer middleware (the access log) reports.
    public let annotations = RequestAnnotations()

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.clientAddress = source.channel.remoteAddress?.ipAddress ?? "local"
        self.channel = source.channel
    }

    /// Throws 401/403 unless the caller may act with `role`.
    public func require(_ role: Role) throws(AppError) {
        try access.authorize(identity, needs: role)
    }
}

/// Shared by every copy of one request's context, so the access log can see who the
/// caller turned out to be after authentication ran further in.
public final class RequestAnnotations: Sendable {
    private let user = NIOLockedValueBox<String?>(nil)
    private let notes = NIOLockedValueBox<[ActivityNote]>([])
    public init() {}
    public var userName: String? {
        get { user.withLockedValue { $0 } }
        set { user.withLockedValue { $0 = newValue } }
    }

    /// What the handler did, for the activity log (recorded only when the response is a success,
    /// except login failures, which are recorded whatever the response).
    public var activity: [ActivityNote] { notes.withLockedValue { $0 } }
    public func note(_ note: ActivityNote) { notes.withLockedValue { $0.append(note) } }
}
