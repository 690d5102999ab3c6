extension LearningRateSchedule {
    /// The base learning rate the diffusers (and Forget-Me-Not) training examples use with `--scale_lr`:
    /// `learning_rate × gradient_accumulation_steps × train_batch_size × num_processes`, multiplied in that order
    /// as Python does, so the rate per sample of the effective batch stays `learningRate`.
    public static func scaledLearningRate(_ learningRate: Double, batchSize: Int, gradientAccumulationSteps: Int,
                                          processes: Int) -> Double {
        learningRate * Double(gradientAccumulationSteps) * Double(batchSize) * Double(processes)
    }
}
