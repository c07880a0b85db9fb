import HTTPTypes
import Hummingbird
import NIOCore
import NoraCore

/// Turns what handlers noted on the request (`RequestAnnotations.note`) into activity events
/// once the response is known: successes only, except login failures, which are what they are.
public struct ActivityMiddleware: RouterMiddleware {
    public typealias Context = NoraRequestContext
    let recorder: any ActivityRecorder

    public init(recorder: any ActivityRecorder) { self.recorder = recorder }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            let response = try await next(request, context)
            report(context, succeeded: response.status.code < 400)
            return response
        } catch {
            report(context, succeeded: false)
            throw error
        }
    }

    func report(_ context: Context, succeeded: Bool) {
        let notes = context.annotations.activity
        guard !notes.isEmpty else { return }
        let now = Clock.nowMillis()
        for note in notes where succeeded || note.kind == .loginFailure {
            recorder.record(ActivityEvent(at: now, kind: note.kind, format: note.format?.rawValue ?? "", name: note.name,
                                          version: note.version, identity: context.annotations.userName ?? context.identity?.name,
                                          client: context.clientAddress, source: note.source))
        }
    }
}
