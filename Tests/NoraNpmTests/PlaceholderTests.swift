import Testing
@testable import NoraNpm

@Test func placeholderNpm() { #expect(NpmRegistry.migrations.isEmpty) }
