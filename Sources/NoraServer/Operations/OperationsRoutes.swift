import Hummingbird
import NIOCore
import NoraCore
import NoraMetadata
import NoraStorage
import Prometheus

/// `/health` (liveness, always public), `/ready` (database and storage answer; public),
/// `/metrics` (Prometheus text; public only with `NORA_AUTH_PUBLIC_METRICS` when auth is on).
struct OperationsRoutes: Sendable {
    let db: MetadataDatabase
    let store: any BlobStore
    let registry: PrometheusCollectorRegistry
    let publicMetrics: Bool
    /// The database and the store must still be this registry's pair.
    let identity: RegistryIdentity
    let startedAt = ContinuousClock.now

    struct Health: Encodable {
        let status: String
        let version: String
        let uptimeSeconds: Int64
        enum CodingKeys: String, CodingKey { case status, version, uptimeSeconds = "uptime_seconds" }
    }

    struct Readiness: Encodable {
        let status: String
        let database: String
        let storage: String
        /// `ok`, or `mismatch` when the database or the store no longer names this registry.
        let registry: String
    }

    func register(on router: Router<NoraRequestContext>) {
        router.get("health") { _, _ -> Response in
            Response.json(Health(status: "ok", version: NoraVersion.current, uptimeSeconds: (ContinuousClock.now - startedAt).components.seconds))
        }
        router.head("health") { _, _ in Response(status: .ok) }
        router.get("ready") { _, _ in try await readiness() }
        router.head("ready") { _, _ in try await readiness() }
        router.get("metrics") { _, context in
            if !publicMetrics { try context.require(.read) }
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
    }

    func readiness() async throws -> Response {
        var database = "ok", storage = "ok", registry = "ok"
        do { try await db.ping() } catch { database = "unavailable" }
        do { try await store.checkHealth() } catch { storage = "unavailable" }
        if database == "ok", storage == "ok", (try? await identity.check(db: db, store: store)) != true { registry = "mismatch" }
        let ready = database == "ok" && storage == "ok" && registry == "ok"
        return .json(Readiness(status: ready ? "ready" : "not ready", database: database, storage: storage, registry: registry),
                     status: ready ? .ok : .serviceUnavailable)
    }
}

public enum NoraVersion {
    public static let current = "0.1.0"
}
