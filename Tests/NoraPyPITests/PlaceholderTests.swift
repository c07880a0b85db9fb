import Testing
@testable import NoraPyPI

@Test func placeholderPyPI() { #expect(PyPIRegistry.migrations.isEmpty) }
