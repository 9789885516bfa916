import CFFmpeg
import RedactSupport

/// An FFmpeg return code turned into words.
enum AVError {
    static let eof = rf_error_eof()
    static let again = rf_error_eagain()
    static let invalidData = rf_error_invaliddata()

    static func message(_ code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        if av_strerror(code, &buffer, buffer.count) < 0 {
            return "FFmpeg error \(code)"
        }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Throws `MediaError` for a negative FFmpeg return code.
    @discardableResult
    static func check(_ code: Int32, _ path: String, _ what: @autoclosure () -> String) throws(MediaError) -> Int32 {
        if code < 0 {
            throw MediaError(path: path, reason: "\(what()): \(message(code))")
        }
        return code
    }
}

/// The silence FFmpeg's loggers would otherwise print over our one-line errors; the CLI's
/// --verbose turns them back on.
public enum FFmpegLog {
    public static func setQuiet(_ quiet: Bool) {
        av_log_set_level(quiet ? AV_LOG_QUIET : AV_LOG_WARNING)
    }
}
