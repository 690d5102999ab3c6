/// The handful of NumPy and PyTorch array routines diffusers builds its schedules with, reproduced to the last
/// bit (same operation order, same rounding), so timesteps and sigmas come out identical.
enum SchedulerNumerics {
    /// `torch.linspace(start, end, count, dtype=float32)` on the CPU: float32 step, fused multiply-add from
    /// the nearer end (the kernel fills the first half forwards from `start` and the second half back from `end`).
    static func torchLinspace(_ start: Float, _ end: Float, count: Int) -> [Float] {
        guard count > 1 else { return count == 1 ? [start] : [] }
        let step = (end - start) / Float(count - 1)
        let halfway = count / 2
        return (0..<count).map { index in
            index < halfway
                ? start.addingProduct(step, Float(index))
                : end.addingProduct(-step, Float(count - index - 1))
        }
    }

    /// `numpy.linspace(start, stop, count)` in float64: i·step + start, with the last value exactly `stop`.
    static func numpyLinspace(_ start: Double, _ stop: Double, count: Int) -> [Double] {
        guard count > 1 else { return count == 1 ? [start] : [] }
        let divisions = Double(count - 1)
        let delta = stop - start
        let step = delta / divisions
        var values = (0..<count).map { index in
            step == 0 ? Double(index) / divisions * delta + start : Double(index) * step + start
        }
        values[count - 1] = stop
        return values
    }

    /// `numpy.arange(start, stop, step)` in float64: length ceil((stop − start) / step), values start + i·δ where
    /// δ = (start + step) − start as NumPy's fill computes it.
    static func numpyArange(_ start: Double, _ stop: Double, step: Double) -> [Double] {
        let length = Int(max(0, ((stop - start) / step).rounded(.up)))
        guard length > 0 else { return [] }
        let delta = (start + step) - start
        return (0..<length).map { index in
            switch index {
            case 0: start
            case 1: start + step
            default: start + Double(index) * delta
            }
        }
    }

    /// `numpy.round`: halves go to the even neighbour.
    static func roundHalfEven(_ value: Double) -> Double {
        value.rounded(.toNearestOrEven)
    }

    /// `numpy.interp(x, arange(table.count), table)` in float64, clamping outside the table.
    static func interpolate(_ x: Double, table: [Float]) -> Double {
        let last = table.count - 1
        if x.isNaN { return x }
        if x <= 0 { return Double(table[0]) }
        if x >= Double(last) { return Double(table[last]) }
        let low = Int(x.rounded(.down))
        if Double(low) == x { return Double(table[low]) }
        let lower = Double(table[low]), upper = Double(table[low + 1])
        let slope = upper - lower
        let result = slope * (x - Double(low)) + lower
        return result.isNaN ? slope * (x - Double(low + 1)) + upper : result
    }
}
