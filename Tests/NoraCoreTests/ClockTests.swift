import Foundation
import NoraCore
import Testing

@Suite struct ClockTests {
    @Test func httpDateMatchesRFC7231() {
        #expect(Clock.httpDate(seconds: 784_111_777) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(Clock.httpDate(seconds: 0) == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(Clock.httpDate(seconds: 1_709_251_199) == "Thu, 29 Feb 2024 23:59:59 GMT")
    }

    @Test func httpDateRoundTripsThroughTheParser() {
        for seconds: Int64 in [0, 951_782_400, 1_700_000_000, 4_102_444_800] {
            #expect(Clock.parseHTTPDate(Clock.httpDate(seconds: seconds)) == seconds)
        }
    }

    @Test func iso8601MatchesFoundation() {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        for millis: Int64 in [0, 5, 1_714_564_800_000, 1_714_564_800_007, 1_714_564_800_042, 1_714_564_800_999, 253_402_300_799_999] {
            let expected = formatter.string(from: Date(timeIntervalSince1970: TimeInterval(millis) / 1000))
            #expect(Clock.iso8601(millis: millis) == expected, "\(millis)")
        }
    }
}
