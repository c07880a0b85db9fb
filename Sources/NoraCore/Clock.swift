import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Wall-clock helpers; timestamps are stored as Unix seconds (or milliseconds) in the database.
public enum Clock {
    public static func nowSeconds() -> Int64 { Int64(Date().timeIntervalSince1970) }
    public static func nowMillis() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    /// RFC 7231 date for `Last-Modified` and `Date` headers, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.
    /// Built from `gmtime_r` with fixed English names: a `DateFormatter` (ICU) per call showed in
    /// profiles of file downloads, and the format has no locale anyway.
    public static func httpDate(seconds: Int64) -> String {
        let t = utc(seconds)
        return "\(weekdays[Int(t.tm_wday)]), \(two(t.tm_mday)) \(months[Int(t.tm_mon)]) \(Int(t.tm_year) + 1900) "
            + "\(two(t.tm_hour)):\(two(t.tm_min)):\(two(t.tm_sec)) GMT"
    }

    /// Parses an RFC 7231 date; nil when malformed.
    public static func parseHTTPDate(_ text: String) -> Int64? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.date(from: text).map { Int64($0.timeIntervalSince1970) }
    }

    /// ISO 8601 in UTC with milliseconds, for JSON documents: `2024-05-01T12:00:00.000Z`.
    public static func iso8601(millis: Int64) -> String {
        let seconds = millis >= 0 ? millis / 1000 : (millis - 999) / 1000
        let t = utc(seconds), fraction = Int(millis - seconds * 1000)
        let year = String(Int(t.tm_year) + 1900)
        return String(repeating: "0", count: max(0, 4 - year.count)) + year
            + "-\(two(t.tm_mon + 1))-\(two(t.tm_mday))T\(two(t.tm_hour)):\(two(t.tm_min)):\(two(t.tm_sec))."
            + (fraction < 10 ? "00" : fraction < 100 ? "0" : "") + String(fraction) + "Z"
    }

    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    private static func utc(_ seconds: Int64) -> tm {
        var time = time_t(seconds), result = tm()
        _ = gmtime_r(&time, &result)
        return result
    }

    private static func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : String(value) }
}
