import Foundation
@testable import NoraCore
import Testing

/// config.toml files that are not valid TOML: one error naming file and line, never a crash
/// inside TOMLKit's parser (whose assertions stop the process).
@Suite struct MalformedTOMLTests {
    private func parse(_ toml: String) throws(ConfigError) -> (NoraConfig, warnings: [String]) {
        try ConfigLoader.parse(toml: toml, environment: [:])
    }

    @Test func invalidTOMLTextIsAnError() {
        let error = #expect(throws: ConfigError.self) {
            try parse("[server\nport = ")
        }
        #expect(error?.key == "config.toml")
        #expect(error?.description.contains("not valid TOML") == true)
        #expect(error?.description.contains("config.toml:1") == true)
    }

    /// Headers that crash TOMLKit's parser (an assertion, exit 134) are refused before it
    /// sees them, naming the line; headers inside values and strings are not headers.
    @Test(arguments: [("[[[garbage", 1), ("[server]\nport = 1\n[{x}]\n", 3), ("a = 1\n[ = ]", 2), ("[[ {", 1),
                      ("x = \"\"\"\n\"\"\"\n[[[y", 3), ("a = [}", 1), ("[\nserver]", 1), ("\u{FEFF}[[[x", 1), ("[server]\n\u{0}[[[", 2), ("a = [\n1,\n{ b = 1 }, }", 3)])
    func crashingHeadersAreRefused(_ text: String, _ line: Int) {
        let error = #expect(throws: ConfigError.self) { try parse(text) }
        #expect(error?.line == line)
    }

    @Test func headerLookalikesInsideValuesAreNotHeaders() throws {
        #expect(throws: Never.self) { try TOMLHeaderCheck.check("a = [\n[{ x = 1 }],\n]\nb = \"\"\"\n[[[ not a header\n\"\"\"\n[server]\n") }
        #expect(throws: Never.self) { try TOMLHeaderCheck.check("[ 'quoted key' ]\n[[arr]]\n[\"x\".y]\n# [[[ comment\n") }
    }

    /// Random mutations of a valid file never crash the parser (a crash would end this run).
    @Test func mutatedConfigFilesNeverCrash() {
        let valid = Array("[server]\nport = 4000\nhost = \"127.0.0.1\"\n[[x.y]]\nz = [1, {a = 'b'}]\n".utf8)
        let alphabet = Array("[]{}=\"'#.,\n ab1-_\\".utf8)
        // Seeded, so a failure reproduces; NORA_FUZZ_SEED and NORA_FUZZ_RUNS give longer runs, and
        // NORA_FUZZ_LAST_INPUT names a file that holds the input being parsed (a crash's input).
        let environment = ProcessInfo.processInfo.environment
        var generator = SplitMix64(seed: environment["NORA_FUZZ_SEED"].flatMap(UInt64.init) ?? 20261204)
        for _ in 0..<(environment["NORA_FUZZ_RUNS"].flatMap(Int.init) ?? 3000) {
            var bytes = valid
            for _ in 0..<Int.random(in: 1...6, using: &generator) {
                let at = Int.random(in: 0..<bytes.count, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: bytes[at] = alphabet.randomElement(using: &generator)!
                case 1: bytes.insert(alphabet.randomElement(using: &generator)!, at: at)
                default: if bytes.count > 1 { bytes.remove(at: at) }
                }
            }
            if let log = environment["NORA_FUZZ_LAST_INPUT"] {
                FileManager.default.createFile(atPath: log, contents: Data(bytes))  // names the input of a crash
            }
            _ = try? parse(String(decoding: bytes, as: UTF8.self))
        }
    }

    @Test func duplicateTOMLKeyIsAnError() {
        let error = #expect(throws: ConfigError.self) {
            try parse("[server]\nport = 1\nport = 2\n")
        }
        #expect(error?.key == "config.toml")
    }
}

/// A small seeded generator for reproducible random tests.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
