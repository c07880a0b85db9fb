import FuzzSupport

// PyPI uploads: the multipart form (fed in pieces, as it arrives) and distribution file names.
public enum PyPIFuzz {
    public static let targets: [(String, @Sendable ([UInt8]) -> Void)] = [
        ("pypi-multipart", multipart),
        ("pypi-filename", filename),
    ]

    /// Input: the Content-Type header, NUL, a piece size byte, then the body.
    static func multipart(_ bytes: [UInt8]) {
        let parts = bytes.split(separator: 0, maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, let pieceByte = parts[1].first,
              let boundary = try? MultipartParser.boundary(contentType: String(decoding: parts[0], as: UTF8.self)) else { return }
        let body = Array(parts[1].dropFirst()), piece = Int(pieceByte % 64) + 1
        var parser = MultipartParser(boundary: boundary)
        var open = false, dataBytes = 0
        var offset = 0
        do {
            while offset < body.count {
                for event in try parser.feed(body[offset..<min(offset + piece, body.count)]) {
                    switch event {
                    case .partStart: precondition(!open, "a part started inside a part"); open = true
                    case .data(let d): precondition(open, "data outside a part"); dataBytes += d.count
                    case .partEnd: precondition(open, "a part ended that never started"); open = false
                    }
                }
                offset += piece
            }
            try parser.finish()
        } catch {}
        precondition(dataBytes <= body.count, "more data out than in")
    }

    static func filename(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        _ = ProjectName.normalize(text)
        _ = ProjectName.isValid(text)
        _ = PackageVersion.isPlausible(text)
        _ = PackageVersion.canonical(text)
        guard (try? DistributionFilename.checkSafe(text)) != nil, let file = try? DistributionFilename(text) else { return }
        precondition(!file.filename.contains("/") && !file.filename.hasPrefix("."), "unsafe file name \(file.filename)")
        _ = file.metadataPath
    }
}
