import Foundation
import NIOConcurrencyHelpers

/// Progress on stderr: one rewritten status line on a terminal, else one plain line per item.
public final class MirrorProgress: Sendable {
    private let isTerminal: Bool
    private let state = NIOLockedValueBox((planned: 0, drawn: false))

    public init(isTerminal: Bool = isatty(FileHandle.standardError.fileDescriptor) != 0) { self.isTerminal = isTerminal }

    func planned(_ delta: Int) { state.withLockedValue { $0.planned += delta } }

    func finished(_ label: String, _ outcome: MirrorRunner.Outcome, summary: MirrorSummary) {
        let planned = state.withLockedValue { $0.drawn = true; return $0.planned }
        if isTerminal {
            // a failure stays on screen above the redrawn status line
            if case .failed(let reason) = outcome { write("\r\u{1B}[Kfailed: \(label): \(reason)\n") }
            let bar = Self.bar(done: summary.done, of: max(planned, summary.done), width: 24)
            write("\r\u{1B}[K\(bar) \(summary.done)/\(planned)  fetched \(summary.fetched) · cached \(summary.cached) · failed \(summary.failures.count)  \(label.prefix(50))")
        } else {
            switch outcome {
            case .fetched: write("fetched \(label)\n")
            case .cached: write("cached  \(label)\n")
            case .failed(let reason): write("FAILED  \(label): \(reason)\n")
            }
        }
    }

    func done() {
        if isTerminal, state.withLockedValue({ $0.drawn }) { write("\n") }
    }

    static func bar(done: Int, of total: Int, width: Int) -> String {
        let filled = total == 0 ? width : min(width, done * width / total)
        return "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
    }

    private func write(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }
}
