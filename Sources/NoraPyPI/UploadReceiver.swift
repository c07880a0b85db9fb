import Crypto
import Hummingbird
import NIOCore
import NoraCore
import NoraStorage

/// What arrived in an upload form: the text fields, and the `content` file already
/// streamed into an upload area of the blob store (not yet a blob: it is committed only
/// after validation, so a refused upload leaves nothing behind).
struct ReceivedUpload: Sendable {
    var fields: [String: [String]] = [:]
    var file: ReceivedFile?

    func field(_ name: String) -> String? { fields[name]?.first }
}

struct ReceivedFile: Sendable {
    let filename: String
    let upload: UploadID
    let size: Int64
    let sha256: NoraCore.Digest
    let md5: String
    let blake2b256: String
}

/// Reads a multipart upload body once, front to back: fields into memory (bounded), the
/// file part through the hashers into the store in batches. Memory stays bounded by the
/// batch size and the field limit, whatever the file's size.
struct UploadReceiver {
    let store: any BlobStore
    let maxFileSize: Int64
    /// All non-file fields together (descriptions are the big ones).
    static let maxFieldBytes = 16 * 1024 * 1024
    /// Bytes gathered before each append to the upload area.
    static let batchBytes = 1024 * 1024

    func receive(_ request: Request) async throws -> ReceivedUpload {
        var parser = MultipartParser(boundary: try MultipartParser.boundary(contentType: request.headers[.contentType]))
        var result = ReceivedUpload()
        var sink: FileSink?
        var part: MultipartParser.PartHeaders?
        var fieldBytes: [UInt8] = []
        var totalFieldBytes = 0
        do {
            for try await chunk in request.body {
                for event in try parser.feed(chunk.readableBytesView) {
                    switch event {
                    case .partStart(let headers):
                        part = headers
                        fieldBytes.removeAll()
                        if headers.name == "content" {
                            guard let filename = headers.filename, sink == nil, result.file == nil else {
                                throw PyPIError(.invalidForm, "the form must carry exactly one 'content' file part")
                            }
                            sink = FileSink(filename: filename, upload: try await store.startUpload())
                        }
                    case .data(let bytes):
                        if sink != nil {
                            try await sink!.write(bytes, store: store, limit: maxFileSize)
                        } else {
                            totalFieldBytes += bytes.count
                            guard totalFieldBytes <= Self.maxFieldBytes else {
                                throw PyPIError(.invalidForm, "the form fields exceed \(Self.maxFieldBytes) bytes")
                            }
                            fieldBytes += bytes
                        }
                    case .partEnd:
                        if var open = sink {
                            result.file = try await open.finish(store: store, limit: maxFileSize)
                            sink = nil
                        } else if let part {
                            result.fields[part.name, default: []].append(String(decoding: fieldBytes, as: UTF8.self))
                        }
                        part = nil
                    }
                }
            }
            try parser.finish()
            guard result.file != nil else { throw PyPIError(.invalidForm, "the form has no 'content' file part") }
            return result
        } catch {
            if let upload = sink?.upload ?? result.file?.upload { try? await store.cancel(upload) }
            throw error
        }
    }

    /// The file part on its way into the upload area, hashed three ways as it passes.
    struct FileSink {
        let filename: String
        let upload: UploadID
        var pending = ByteBuffer()
        var size: Int64 = 0
        var sha256 = DigestHasher(.sha256)
        var md5 = Insecure.MD5()
        var blake2b = Blake2b()

        init(filename: String, upload: UploadID) {
            self.filename = filename
            self.upload = upload
        }

        mutating func write(_ bytes: [UInt8], store: any BlobStore, limit: Int64) async throws {
            size += Int64(bytes.count)
            guard size <= limit else { throw PyPIError(.fileTooLarge, "the limit is \(limit) bytes (NORA_PYPI_MAX_FILE_SIZE)") }
            sha256.update(bytes)
            md5.update(data: bytes)
            blake2b.update(bytes)
            pending.writeBytes(bytes)
            if pending.readableBytes >= UploadReceiver.batchBytes { try await flush(store: store, limit: limit) }
        }

        mutating func flush(store: any BlobStore, limit: Int64) async throws {
            guard pending.readableBytes > 0 else { return }
            _ = try await store.append(InMemoryBody(pending), to: upload, limit: limit)
            pending.clear()
        }

        mutating func finish(store: any BlobStore, limit: Int64) async throws -> ReceivedFile {
            try await flush(store: store, limit: limit)
            return ReceivedFile(filename: filename, upload: upload, size: size, sha256: sha256.finalize(),
                                md5: Array(md5.finalize()).hexString, blake2b256: blake2b.finalize())
        }
    }
}
