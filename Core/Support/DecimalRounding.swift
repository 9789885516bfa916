extension Double {
    /// To `places` decimal places, divided back so the result is the double nearest the
    /// decimal and prints as it: for records a person reads, never for the arithmetic that
    /// decides what is hidden.
    public func rounded(toPlaces places: Int) -> Double {
        let factor = (0..<places).reduce(1.0) { (f, _) in f * 10 }
        return (self * factor).rounded() / factor
    }
}
