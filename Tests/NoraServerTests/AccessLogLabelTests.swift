import HTTPTypes
@testable import NoraServer
import Testing

/// Metric labels come from fixed sets, so no request can add a series.
@Suite struct AccessLogLabelTests {
    @Test func pathsMapToTheirFormat() {
        let cases = ["/v2/a/manifests/x": "docker", "/simple/pkg/": "pypi", "/pypi/upload": "pypi",
                     "/npm/left-pad": "npm", "/cargo/index/config.json": "cargo", "/go/x/@v/list": "go",
                     "/maven2/a/b": "maven", "/raw/f": "raw", "/health": "ops", "/api/tokens": "api",
                     "/": "other", "/v22/x": "other", "/elsewhere": "other"]
        for (path, format) in cases { #expect(AccessLogMiddleware.format(of: path) == format, "\(path)") }
    }

    @Test func everyFormatLabelHasItsMetricHandles() {
        for format in AccessLogMiddleware.formatOfPrefix.values {
            #expect(AccessLogMiddleware.formats.contains(format))
        }
        #expect(AccessLogMiddleware.formats.contains("other"))
    }

    @Test func unknownMethodsShareOneLabel() {
        #expect(AccessLogMiddleware.methodLabel(.get) == "GET")
        #expect(AccessLogMiddleware.methodLabel(HTTPRequest.Method("BREW")!) == "other")
    }
}
