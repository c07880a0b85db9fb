import Testing
@testable import NoraCargo

@Test func placeholderCargo() { #expect(CargoRegistry.migrations.isEmpty) }
