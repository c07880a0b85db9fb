import Foundation

/// Wall-clock helpers; timestamps are stored as Unix seconds (or milliseconds) in the database.
public enum Clock {
    public static func nowSeconds() -> Int64 { Int64(Date().timeIntervalSince1970) }
    public static func nowMillis() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    /// RFC 7231 date for `Last-Modified` and `Date` headers.
    public static func httpDate(seconds: Int64) -> String {
        rfc1123(Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    /// Parses an RFC 7231 date; nil when malformed.
    public static func parseHTTPDate(_ text: String) -> Int64? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.date(from: text).map { Int64($0.timeIntervalSince1970) }
    }

    /// ISO 8601 with a `Z` suffix, for JSON documents.
    public static func iso8601(millis: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(millis) / 1000))
    }

    private static func rfc1123(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: date)
    }
}
