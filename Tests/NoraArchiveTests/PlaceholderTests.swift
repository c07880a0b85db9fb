import Testing
import NoraArchive

@Test func archiveModuleLinks() { #expect(String(describing: NoraArchive.self) == "NoraArchive") }
