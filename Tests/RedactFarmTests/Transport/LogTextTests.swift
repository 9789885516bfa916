@testable import RedactCore
@testable import RedactIntegrity
@testable import RedactMedia
@testable import RedactSupport
@testable import RedactTransport
@testable import RedactVision
@testable import Redaction
import Testing

/// A peer-controlled string cannot start a log line of its own.
@Suite struct LogTextTests {
    @Test func controlCharactersAreEscaped() {
        let forged = "w1\n2026-12-01T10:00:00Z coordinator: worker admin joined\r\u{1B}[2J\u{2028}"
        let escaped = LogText.escaped(forged)
        #expect(!escaped.contains("\n") && !escaped.contains("\r") && !escaped.contains("\u{1B}") && !escaped.contains("\u{2028}"))
        #expect(escaped == "w1\\n2026-12-01T10:00:00Z coordinator: worker admin joined\\r\\u{1b}[2J\\u{2028}")
        #expect(LogText.escaped("café /archive/cam 1.mp4") == "café /archive/cam 1.mp4")
        #expect(LogText.escaped("a\\nb") == "a\\\\nb", "a literal backslash-n stays distinguishable from an escaped newline")
    }
}
