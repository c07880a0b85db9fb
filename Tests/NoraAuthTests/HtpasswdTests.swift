import HummingbirdBcrypt
import NoraAuth
import Testing

@Suite struct HtpasswdTests {
    /// Produced once with `htpasswd -nbB -C 4 alice 'wonder land'` (Apache writes `$2y$`).
    static let aliceApache = "alice:$2y$04$KHIKjpy9PEmmK6EgOBNAfOmIuMHqtI/ICr3ku0A6z4oLYvwblhSiK"
    /// `htpasswd -nbB -C 4 bob 'p:ss'`: a password containing a colon.
    static let bobApache = "bob:$2y$04$s4aw/wHim.eTqbzj6TyJnejxtli762zY7BnrI4AQryS0wdsRpEHdK"

    @Test func apacheBcryptLinesVerify() async throws {
        let file = try Htpasswd(contents: Self.aliceApache + "\n" + Self.bobApache + "\n")
        #expect(file.userNames == ["alice", "bob"])
        #expect(file.contains("alice"))
        #expect(file.contains("bob"))
        #expect(!file.contains("carol"))
        #expect(await file.verify(user: "alice", password: "wonder land"))
        #expect(await file.verify(user: "bob", password: "p:ss"))
        #expect(!(await file.verify(user: "alice", password: "wonderland")))
        #expect(!(await file.verify(user: "alice", password: "p:ss")))
        #expect(!(await file.verify(user: "bob", password: "wonder land")))
    }

    @Test(arguments: ["$2y$", "$2a$", "$2b$"])
    func everyBcryptPrefixIsAccepted(_ prefix: String) async throws {
        let generated = Bcrypt.hash("s3cret", cost: 4)
        #expect(generated.utf8.count == 60)
        let hash = prefix + generated.dropFirst(4)
        let file = try Htpasswd(contents: "user:\(hash)")
        #expect(file.userNames == ["user"])
        #expect(await file.verify(user: "user", password: "s3cret"))
        #expect(!(await file.verify(user: "user", password: "s3cret ")))
        #expect(!(await file.verify(user: "user", password: "")))
    }

    @Test func apacheHashWithOtherPrefixesStillVerifies() async throws {
        let hash = Self.aliceApache.dropFirst("alice:$2y$".count)
        for prefix in ["$2a$", "$2b$"] {
            let file = try Htpasswd(contents: "alice:\(prefix)\(hash)")
            #expect(await file.verify(user: "alice", password: "wonder land"))
        }
    }

    @Test func unknownUserIsRefused() async throws {
        let file = try Htpasswd(contents: Self.aliceApache)
        #expect(!(await file.verify(user: "mallory", password: "wonder land")))
        #expect(!(await file.verify(user: "", password: "")))
        #expect(!(await Htpasswd.empty.verify(user: "alice", password: "wonder land")))
    }

    @Test func commentsBlankLinesAndCRLF() async throws {
        let contents = "# users of the registry\r\n\r\n   \r\n\t# indented comment\r\n"
            + Self.aliceApache + "\r\n\r\n" + Self.bobApache + "\r\n"
        let file = try Htpasswd(contents: contents)
        #expect(file.userNames == ["alice", "bob"])
        #expect(await file.verify(user: "alice", password: "wonder land"))
        #expect(await file.verify(user: "bob", password: "p:ss"))
    }

    @Test func crlfFileStartingWithAUser() async throws {
        // Windows editors write CRLF; "\r\n" is a single Swift Character, a classic line-splitting trap.
        let file = try Htpasswd(contents: Self.aliceApache + "\r\n" + Self.bobApache)
        #expect(file.userNames == ["alice", "bob"])
        #expect(await file.verify(user: "bob", password: "p:ss"))
        let error = #expect(throws: Htpasswd.Error.self) {
            try Htpasswd(contents: Self.aliceApache + "\r\n# c\r\ncarol:{SHA}EfatjsUqKYSrqv18O1FlA3hcIHI=\r\n")
        }
        #expect(error?.description.contains("htpasswd:3") == true)
    }

    @Test func noTrailingNewlineAndLaterLineWins() async throws {
        let first = Bcrypt.hash("one", cost: 4), second = Bcrypt.hash("two", cost: 4)
        let file = try Htpasswd(contents: "dup:\(first)\ndup:\(second)")
        #expect(file.userNames == ["dup"])
        #expect(await file.verify(user: "dup", password: "two"))
        #expect(!(await file.verify(user: "dup", password: "one")))
    }

    @Test func emptyContentsHaveNoUsers() throws {
        #expect(try Htpasswd(contents: "").userNames.isEmpty)
        #expect(try Htpasswd(contents: "\n\n# only comments\n").userNames.isEmpty)
        #expect(Htpasswd.empty.userNames.isEmpty)
    }

    @Test(arguments: [
        ("carol:$apr1$h9anwC44$/SDuu6jZ9xUCcUGjOXRKL0", "carol"),          // htpasswd -m (MD5)
        ("dave:{SHA}EfatjsUqKYSrqv18O1FlA3hcIHI=", "dave"),                 // htpasswd -s (SHA-1)
        ("erin:/S00KXu9z310s", "erin"),                                     // htpasswd -d (crypt)
        ("frank:plaintext", "frank"),                                       // htpasswd -p
        ("gina:", "gina"),                                                  // no hash
        ("hank:$2y$04$tooshort", "hank"),                                   // truncated bcrypt
        ("ivan:$2x$04$KHIKjpy9PEmmK6EgOBNAfOmIuMHqtI/ICr3ku0A6z4oLYvwblhSiK", "ivan"),  // unknown variant
        ("jane:$2y$04$KHIKjpy9PEmmK6EgOBNAfOmIuMHqtI/ICr3ku0A6z4oLYvwblhSiK ", "jane"), // trailing space
        ("kim:$2y$99$KHIKjpy9PEmmK6EgOBNAfOmIuMHqtI/ICr3ku0A6z4oLYvwblhSiK", "kim"),    // cost 99
        ("lee:$2y$03$KHIKjpy9PEmmK6EgOBNAfOmIuMHqtI/ICr3ku0A6z4oLYvwblhSiK", "lee"),    // cost below 04
        ("max:$2y$04$KHIKjpy9PEmmK6EgOBNAfOmIuMHqtI/ICr3ku0A6z4oLYvwblhSi!", "max"),    // not bcrypt base64
        ("ned:$2y$x4$KHIKjpy9PEmmK6EgOBNAfOmIuMHqtI/ICr3ku0A6z4oLYvwblhSiK", "ned"),    // cost not digits
        ("ola:$2y$04xKHIKjpy9PEmmK6EgOBNAfOmIuMHqtI/ICr3ku0A6z4oLYvwblhSiK", "ola"),    // no '$' after the cost
    ])
    func weakOrUnknownHashesAreRefusedNamingTheUser(_ line: String, _ user: String) {
        let contents = Self.aliceApache + "\n" + line + "\n"
        let error = #expect(throws: Htpasswd.Error.self) {
            try Htpasswd(contents: contents, source: "/etc/nora/users")
        }
        #expect(error?.description.contains("'\(user)'") == true)
        #expect(error?.description.contains("/etc/nora/users:2") == true)
        #expect(error?.description.contains("bcrypt") == true)
    }

    @Test func lineWithoutColonIsRefused() {
        let error = #expect(throws: Htpasswd.Error.self) {
            try Htpasswd(contents: "# header\nalice-without-hash\n")
        }
        #expect(error?.description.contains("htpasswd:2") == true)
        #expect(error?.description.contains("user:hash") == true)
    }

    @Test func emptyUserNameIsRefused() {
        let error = #expect(throws: Htpasswd.Error.self) {
            try Htpasswd(contents: ":$2y$04$KHIKjpy9PEmmK6EgOBNAfOmIuMHqtI/ICr3ku0A6z4oLYvwblhSiK")
        }
        #expect(error?.description.contains("empty user name") == true)
    }
}
