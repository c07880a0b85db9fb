/// Content types by file extension, for formats that serve files by name (raw, Maven).
public enum MediaType {
    public static let octetStream = "application/octet-stream"

    public static func forFile(_ name: String) -> String {
        let lower = name.lowercased()
        for (suffix, type) in compound where lower.hasSuffix(suffix) { return type }
        guard let dot = lower.lastIndex(of: ".") else { return octetStream }
        return byExtension[String(lower[lower.index(after: dot)...])] ?? octetStream
    }

    private static let compound: [(String, String)] = [(".tar.gz", "application/gzip"), (".tar.bz2", "application/x-bzip2")]

    private static let byExtension: [String: String] = [
        "txt": "text/plain; charset=utf-8", "md": "text/markdown; charset=utf-8", "csv": "text/csv; charset=utf-8",
        "html": "text/html; charset=utf-8", "htm": "text/html; charset=utf-8", "css": "text/css; charset=utf-8",
        "js": "text/javascript; charset=utf-8", "json": "application/json", "xml": "application/xml",
        "yaml": "application/yaml", "yml": "application/yaml", "toml": "application/toml",
        "pom": "application/xml", "jar": "application/java-archive", "war": "application/java-archive",
        "zip": "application/zip", "gz": "application/gzip", "tgz": "application/gzip", "bz2": "application/x-bzip2",
        "xz": "application/x-xz", "zst": "application/zstd", "tar": "application/x-tar", "whl": "application/zip",
        "crate": "application/gzip", "deb": "application/vnd.debian.binary-package", "rpm": "application/x-rpm",
        "iso": "application/x-iso9660-image", "pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg",
        "jpeg": "image/jpeg", "gif": "image/gif", "svg": "image/svg+xml", "webp": "image/webp",
        "sha1": "text/plain; charset=utf-8", "sha256": "text/plain; charset=utf-8", "sha512": "text/plain; charset=utf-8",
        "md5": "text/plain; charset=utf-8", "asc": "text/plain; charset=utf-8", "sh": "text/x-shellscript",
        "wasm": "application/wasm", "exe": "application/vnd.microsoft.portable-executable",
    ]
}
