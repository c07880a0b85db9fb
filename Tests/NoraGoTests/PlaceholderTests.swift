import Testing
@testable import NoraGo

@Test func placeholderGo() { #expect(GoRegistry.migrations.isEmpty) }
