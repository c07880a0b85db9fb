// nora-fuzz TARGET [libFuzzer options and corpus folders]
//
// One libFuzzer executable for every parser that reads client bytes (one link instead of
// fifteen); the first argument names the target, the rest goes to libFuzzer unchanged.
import CLibFuzzer
import FuzzArchive
import FuzzAuth
import FuzzCargo
import FuzzCore
import FuzzGo
import FuzzMaven
import FuzzNpm
import FuzzOCI
import FuzzPyPI
import FuzzStorage

import Foundation

let targets: [(String, @Sendable ([UInt8]) -> Void)] =
    CoreFuzz.targets + StorageFuzz.targets + AuthFuzz.targets + ArchiveFuzz.targets + OCIFuzz.targets
    + NpmFuzz.targets + PyPIFuzz.targets + CargoFuzz.targets + MavenFuzz.targets + GoFuzz.targets

let arguments = CommandLine.arguments
if arguments.count == 2 && arguments[1] == "--list" {
    for (name, _) in targets { print(name) }
    exit(0)
}
guard arguments.count >= 2, let chosen = targets.first(where: { $0.0 == arguments[1] }) else {
    print("usage: nora-fuzz TARGET [libFuzzer options] [corpus folders]; nora-fuzz --list names the targets")
    exit(2)
}

/// The target libFuzzer calls back; a C callback cannot capture, hence the global.
nonisolated(unsafe) var selected: @Sendable ([UInt8]) -> Void = chosen.1

// libFuzzer sees argv without the target name.
var argc = CommandLine.argc - 1
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
argv![1] = argv![0]
argv = argv! + 1
exit(LLVMFuzzerRunDriver(&argc, &argv, testOneInput))

/// libFuzzer's runtime links its own `main`, which needs this symbol; with nora's `main`
/// (above) it is just the callback.
@_cdecl("LLVMFuzzerTestOneInput")
func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    selected(size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
