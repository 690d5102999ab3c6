// LetheTraining: optimizers, learning-rate schedules and the diffusion training step. The models' backward passes,
// the parameter selection and the attention hooks live beside the models, in LetheModels/Training.
