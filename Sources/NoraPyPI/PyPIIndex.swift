import NoraCore
import NoraMetadata
import NoraStorage
import SQLKit

/// One stored distribution file, as the simple pages list it.
struct PyPIFile: Sendable, Equatable {
    let filename: String
    /// Normalized project name.
    let project: String
    let version: String
    let filetype: String
    let digest: Digest
    let size: Int64
    /// Hex digests of the same bytes, served in `hashes` beside sha256.
    let md5: String
    let blake2b256: String
    let requiresPython: String?
    var yanked: Bool
    var yankedReason: String?
    let uploadedAtMillis: Int64
    let uploader: String?
    /// The core-metadata file (PEP 658), wheels only.
    var metadata: BlobInfo?
}

/// The PyPI tables: projects by normalized name, one row per file (the file name is the
/// primary key, so a duplicate upload cannot win even between replicas), and the
/// extracted core-metadata blob of each wheel.
///
///     pypi_projects(name PK, display_name, created_at)
///     pypi_files(filename PK, project, version, filetype, digest, size, md5, blake2_256,
///                requires_python, yanked, yanked_reason, uploaded_at, uploader)
///     pypi_core_metadata(filename PK, project, digest, size)
struct PyPIIndex: Sendable {
    let db: MetadataDatabase

    static let migrations: [Migration] = [
        Migration("pypi-001-index") { db in
            try await db.create(table: "pypi_projects")
                .column("name", type: .text, .primaryKey(autoIncrement: false))
                .column("display_name", type: .text, .notNull)
                .column("created_at", type: .bigint, .notNull)
                .run()
            try await db.create(table: "pypi_files")
                .column("filename", type: .text, .primaryKey(autoIncrement: false))
                .column("project", type: .text, .notNull)
                .column("version", type: .text, .notNull)
                .column("filetype", type: .text, .notNull)
                .column("digest", type: .text, .notNull)
                .column("size", type: .bigint, .notNull)
                .column("md5", type: .text, .notNull)
                .column("blake2_256", type: .text, .notNull)
                .column("requires_python", type: .text)
                .column("yanked", type: .int, .notNull)
                .column("yanked_reason", type: .text)
                .column("uploaded_at", type: .bigint, .notNull)
                .column("uploader", type: .text)
                .run()
            try await db.create(index: "pypi_files_project").on("pypi_files").column("project").column("uploaded_at").run()
            try await db.create(index: "pypi_files_digest").on("pypi_files").column("digest").run()
            try await db.create(table: "pypi_core_metadata")
                .column("filename", type: .text, .primaryKey(autoIncrement: false))
                .column("project", type: .text, .notNull)
                .column("digest", type: .text, .notNull)
                .column("size", type: .bigint, .notNull)
                .run()
            try await db.create(index: "pypi_core_metadata_project").on("pypi_core_metadata").column("project").run()
        },
        Migration("pypi-002-project-revision") { db in
            // Bumped by every upload and yank: rendered pages are cached per revision.
            try await db.alter(table: "pypi_projects")
                .column("rev", type: .bigint, .notNull, .default(SQLLiteral.numeric("0")))
                .run()
        }
    ]

    /// Every project, by normalized name: (normalized, display).
    func projects() async throws -> [(name: String, display: String)] {
        try await db.reader.select().columns("name", "display_name").from("pypi_projects").orderBy("name").all().map { row in
            (try row.decode(column: "name", as: String.self), try row.decode(column: "display_name", as: String.self))
        }
    }

    /// The display name of a project, nil when it has never been uploaded.
    func displayName(_ normalized: String, in db: (any SQLDatabase)? = nil) async throws -> String? {
        try await (db ?? self.db.reader).select().column("display_name").from("pypi_projects")
            .where("name", .equal, normalized).first()?.decode(column: "display_name", as: String.self)
    }

    /// The files of a project in upload order.
    func files(_ normalized: String, in db: (any SQLDatabase)? = nil) async throws -> [PyPIFile] {
        let db = db ?? self.db.reader
        var metadata: [String: BlobInfo] = [:]
        for row in try await db.select().columns("filename", "digest", "size").from("pypi_core_metadata")
            .where("project", .equal, normalized).all() {
            metadata[try row.decode(column: "filename")] = BlobInfo(digest: try Digest(parsing: try row.decode(column: "digest", as: String.self)),
                                                                    size: try row.decode(column: "size"))
        }
        return try await db.select().columns(Self.fileColumns).from("pypi_files").where("project", .equal, normalized)
            .orderBy("uploaded_at").orderBy("filename").all().map { row in
                var file = try Self.file(row)
                file.metadata = metadata[file.filename]
                return file
            }
    }

    func file(_ normalized: String, _ filename: String) async throws -> PyPIFile? {
        guard let row = try await db.reader.select().columns(Self.fileColumns).from("pypi_files")
            .where("filename", .equal, filename).where("project", .equal, normalized).first() else { return nil }
        var file = try Self.file(row)
        if let meta = try await db.reader.select().columns("digest", "size").from("pypi_core_metadata")
            .where("filename", .equal, filename).first() {
            file.metadata = BlobInfo(digest: try Digest(parsing: try meta.decode(column: "digest", as: String.self)), size: try meta.decode(column: "size"))
        }
        return file
    }

    /// Whether a file name is taken, in any project (names are unique across the index, as on PyPI).
    func fileExists(_ filename: String) async throws -> Bool {
        try await db.reader.select().column("filename").from("pypi_files").where("filename", .equal, filename).first() != nil
    }

    /// Records an uploaded file; the caller holds the transaction. A file name already
    /// taken (in any project) is refused: files are immutable once published.
    func insert(_ file: PyPIFile, display: String, in db: any SQLDatabase) async throws {
        if try await db.select().column("filename").from("pypi_files").where("filename", .equal, file.filename).first() != nil {
            throw PyPIError(.fileExists, "'\(file.filename)'")
        }
        try await db.insert(into: "pypi_projects").columns("name", "display_name", "created_at")
            .values(SQLBind(file.project), SQLBind(display), SQLBind(Clock.nowSeconds()))
            .ignoringConflicts(with: "name").run()
        try await db.insert(into: "pypi_files")
            .columns("filename", "project", "version", "filetype", "digest", "size", "md5", "blake2_256",
                     "requires_python", "yanked", "yanked_reason", "uploaded_at", "uploader")
            .values(SQLBind(file.filename), SQLBind(file.project), SQLBind(file.version), SQLBind(file.filetype),
                    SQLBind(file.digest.description), SQLBind(file.size), SQLBind(file.md5), SQLBind(file.blake2b256),
                    SQLBind(file.requiresPython), SQLBind(file.yanked ? 1 : 0), SQLBind(file.yankedReason),
                    SQLBind(file.uploadedAtMillis), SQLBind(file.uploader))
            .run()
        if let metadata = file.metadata {
            try await db.insert(into: "pypi_core_metadata").columns("filename", "project", "digest", "size")
                .values(SQLBind(file.filename), SQLBind(file.project), SQLBind(metadata.digest.description), SQLBind(metadata.size))
                .run()
        }
        try await bumpRevision(file.project, in: db)
    }

    /// Sets or clears the yank mark on every file of one version; returns the file names changed.
    func setYanked(_ normalized: String, version: String, yanked: Bool, reason: String?, in db: any SQLDatabase) async throws -> [String] {
        let names = try await files(normalized, in: db).filter { PackageVersion.same($0.version, version) }.map(\.filename)
        for name in names {
            try await db.update("pypi_files").set("yanked", to: yanked ? 1 : 0).set("yanked_reason", to: yanked ? reason : nil)
                .where("filename", .equal, name).run()
        }
        if !names.isEmpty { try await bumpRevision(normalized, in: db) }
        return names
    }

    func bumpRevision(_ normalized: String, in db: any SQLDatabase) async throws {
        try await db.update("pypi_projects")
            .set("rev", to: SQLBinaryExpression(SQLColumn("rev"), .add, SQLLiteral.numeric("1")))
            .where("name", .equal, normalized).run()
    }

    /// Display name and revision of a project (one row), or nil when there is no such project.
    func head(_ normalized: String) async throws -> (display: String, revision: String)? {
        guard let row = try await db.reader.select().columns("display_name", "rev", "created_at").from("pypi_projects")
            .where("name", .equal, normalized).first() else { return nil }
        let rev = try row.decode(column: "rev", as: Int64.self), created = try row.decode(column: "created_at", as: Int64.self)
        return (try row.decode(column: "display_name", as: String.self), "\(rev)@\(created)")
    }

    static let fileColumns = ["filename", "project", "version", "filetype", "digest", "size", "md5", "blake2_256",
                              "requires_python", "yanked", "yanked_reason", "uploaded_at", "uploader"]

    static func file(_ row: any SQLRow) throws -> PyPIFile {
        PyPIFile(filename: try row.decode(column: "filename"), project: try row.decode(column: "project"),
                 version: try row.decode(column: "version"), filetype: try row.decode(column: "filetype"),
                 digest: try Digest(parsing: try row.decode(column: "digest", as: String.self)), size: try row.decode(column: "size"),
                 md5: try row.decode(column: "md5"), blake2b256: try row.decode(column: "blake2_256"),
                 requiresPython: try row.decode(column: "requires_python"), yanked: try row.decode(column: "yanked", as: Int.self) != 0,
                 yankedReason: try row.decode(column: "yanked_reason"), uploadedAtMillis: try row.decode(column: "uploaded_at"),
                 uploader: try row.decode(column: "uploader"), metadata: nil)
    }
}
