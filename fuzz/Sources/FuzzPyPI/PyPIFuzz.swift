import FuzzSupport

// PyPI uploads: the multipart form (fed in pieces, as it arrives) and distribution file names.
public enum PyPIFuzz {
    public static let targets: [(String, @Sendable ([UInt8]) -> Void)] = [
        ("pypi-multipart", multipart),
        ("pypi-filename", filename),
    ]

    /// Input: the Content-Type header, NUL, a piece size byte, then the body. The body is
    /// parsed twice, whole and in pieces: the parts (and the error, if any) must not depend
    /// on how the bytes arrived.
    static func multipart(_ bytes: [UInt8]) {
        let parts = bytes.split(separator: 0, maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, let pieceByte = parts[1].first,
              let boundary = try? MultipartParser.boundary(contentType: String(decoding: parts[0], as: UTF8.self)) else { return }
        let body = Array(parts[1].dropFirst())
        let whole = parse(body, boundary: boundary, piece: max(body.count, 1))
        let pieces = parse(body, boundary: boundary, piece: Int(pieceByte % 64) + 1)
        precondition(whole == pieces, "the parts depend on how the body was split")
    }

    /// The parts as (headers, data) with data joined, and whether the body was accepted.
    struct Outcome: Equatable {
        var parts: [(MultipartParser.PartHeaders, [UInt8])] = []
        var accepted = false
        static func == (a: Outcome, b: Outcome) -> Bool {
            // A refused body may have emitted different amounts before the refusal.
            a.accepted == b.accepted && (!a.accepted || a.parts.count == b.parts.count
                && zip(a.parts, b.parts).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 })
        }
    }

    static func parse(_ body: [UInt8], boundary: String, piece: Int) -> Outcome {
        var parser = MultipartParser(boundary: boundary)
        var outcome = Outcome(), open = false
        do {
            for offset in stride(from: 0, to: body.count, by: piece) {
                for event in try parser.feed(body[offset..<min(offset + piece, body.count)]) {
                    switch event {
                    case .partStart(let headers):
                        precondition(!open, "a part started inside a part")
                        open = true
                        outcome.parts.append((headers, []))
                    case .data(let d):
                        precondition(open, "data outside a part")
                        outcome.parts[outcome.parts.count - 1].1 += d
                    case .partEnd:
                        precondition(open, "a part ended that never started")
                        open = false
                    }
                }
            }
            try parser.finish()
            outcome.accepted = true
        } catch {}
        let dataBytes = outcome.parts.reduce(0) { $0 + $1.1.count }
        precondition(dataBytes <= body.count, "more data out than in")
        return outcome
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
