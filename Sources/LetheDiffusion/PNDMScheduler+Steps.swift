import LetheTensor

extension PNDMScheduler {
    /// One of the four stages of a Runge-Kutta step: stages 1–3 move the stage's start sample by the newest
    /// model output to the half-way or end timestep; stage 4 moves it by the weighted mean ε (1, 2, 2, 1) / 6.
    mutating func rungeKuttaStep(modelOutput: Tensor, timestep: Int, sample: Tensor, numInferenceSteps: Int) throws
        -> Tensor
    {
        let train = noiseSchedule.numTrainTimesteps
        let previous = timestep - (counter % 2 == 1 ? 0 : train / numInferenceSteps / 2)
        let stageStart = prkTimesteps[counter / 4 * 4]
        var epsilon = modelOutput
        switch counter % 4 {
        case 0:
            runningModelOutput = accumulate(runningModelOutput, modelOutput, weight: 1.0 / 6.0)
            history.append(modelOutput)
            currentSample = sample
        case 1, 2:
            runningModelOutput = accumulate(runningModelOutput, modelOutput, weight: 1.0 / 3.0)
        default:
            epsilon = accumulate(runningModelOutput, modelOutput, weight: 1.0 / 6.0)
            runningModelOutput = nil
        }
        let result = try previousSample(currentSample ?? sample, timestep: stageStart, previous: previous,
                                        modelOutput: epsilon)
        counter += 1
        return result
    }

    /// A linear multistep step with the Adams-Bashforth weights for as many past outputs as there are (up to
    /// four). The first step is a two-stage Heun-like step that repeats the second timestep, as in diffusers.
    mutating func multistepStep(modelOutput: Tensor, timestep: Int, sample: Tensor, numInferenceSteps: Int) throws
        -> Tensor
    {
        assert(skipPrkSteps || history.count >= 3, "the Runge-Kutta warm-up leaves three past outputs")
        let ratio = noiseSchedule.numTrainTimesteps / numInferenceSteps
        var timestep = timestep
        var previous = timestep - ratio
        if counter != 1 {
            history = Array(history.suffix(3))
            history.append(modelOutput)
        } else {
            previous = timestep
            timestep += ratio
        }
        var sample = sample
        let epsilon: Tensor
        let count = history.count
        if count == 1 && counter == 0 {
            epsilon = modelOutput
            currentSample = sample
        } else if count == 1 && counter == 1 {
            epsilon = SchedulerTensorMath.map(modelOutput, history[0]) { e, e1 in (e + e1) / 2 }
            sample = currentSample ?? sample
            currentSample = nil
        } else if count == 2 {
            epsilon = SchedulerTensorMath.map(history[1], history[0]) { e1, e2 in (3 * e1 - e2) / 2 }
        } else if count == 3 {
            epsilon = SchedulerTensorMath.map(history[2], history[1], history[0]) { e1, e2, e3 in
                (23 * e1 - 16 * e2 + 5 * e3) / 12
            }
        } else {
            let weight = Float(1.0 / 24.0)
            epsilon = SchedulerTensorMath.map(history[3], history[2], history[1], history[0]) { e1, e2, e3, e4 in
                weight * (55 * e1 - 59 * e2 + 37 * e3 - 9 * e4)
            }
        }
        let result = try previousSample(sample, timestep: timestep, previous: previous, modelOutput: epsilon)
        counter += 1
        return result
    }

    /// `running + weight · output`, with an absent running sum counting as zero.
    private func accumulate(_ running: Tensor?, _ output: Tensor, weight: Double) -> Tensor {
        let factor = Float(weight)
        guard let running else { return SchedulerTensorMath.map(output) { factor * $0 } }
        return SchedulerTensorMath.map(running, output) { sum, e in sum + factor * e }
    }
}
