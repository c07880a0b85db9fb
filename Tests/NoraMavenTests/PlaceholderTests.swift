import Testing
@testable import NoraMaven

@Test func placeholderMaven() { #expect(MavenRegistry.migrations.isEmpty) }
