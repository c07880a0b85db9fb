/// `Range: bytes=…` handling (RFC 9110 §14) for single ranges.
public enum ByteRange {
    /// The inclusive byte range to serve, or nil to serve the whole representation.
    ///
    /// Malformed headers and multi-range requests are ignored (the whole body is sent, as
    /// the RFC allows). A syntactically valid range that selects nothing throws 416.
    public static func resolve(_ header: String?, size: Int64) throws(AppError) -> ClosedRange<Int64>? {
        guard let header, header.hasPrefix("bytes=") else { return nil }
        let spec = header.dropFirst("bytes=".count).trimmingCharacters(in: " ")
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return nil }
        let first = spec[..<dash], last = spec[spec.index(after: dash)...]
        let unsatisfiable = AppError(.rangeNotSatisfiable, "range \(spec) not satisfiable for \(size) bytes",
                                     headers: [.contentRange: "bytes */\(size)"])
        if first.isEmpty {
            guard let suffix = position(last) else { return nil }
            guard suffix > 0, size > 0 else { throw unsatisfiable }
            return max(0, size - suffix)...(size - 1)
        }
        guard let start = position(first) else { return nil }
        let end: Int64
        if last.isEmpty { end = size - 1 } else {
            guard let e = position(last), e >= start else { return nil }
            end = min(e, size - 1)
        }
        guard start < size else { throw unsatisfiable }
        return start...end
    }

    /// A byte position: one or more ASCII digits (RFC 9110 `1*DIGIT`; no sign), nil otherwise.
    private static func position(_ text: Substring) -> Int64? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int64(text)
    }
}
