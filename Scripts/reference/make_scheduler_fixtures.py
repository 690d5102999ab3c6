#!/usr/bin/env python3
"""Writes the scheduler reference fixtures under Tests/LetheDiffusionTests/Fixtures/schedulers/.

Runs the installed diffusers schedulers (DDPM, DDIM, PNDM, Euler discrete, Euler ancestral) on a small random
latent with a fixed pool of random "model outputs" and records what they compute: the noise schedules, the
inference timesteps and sigmas for many step counts, every step's outputs, and the DDPM training helpers.
Noise drawn by a scheduler (DDPM variance, Euler ancestral) is recorded as drawn, so the Swift side can feed the
very same tensors. Re-running overwrites the fixtures; the output is deterministic for a given diffusers/torch.

Float32 values are written in their shortest round-trip decimal form, so parsing them back as float32 is exact.
"""

import json
import os
import sys

import numpy as np
import torch
import diffusers
import diffusers.schedulers.scheduling_ddpm as ddpm_module
import diffusers.schedulers.scheduling_euler_ancestral_discrete as euler_ancestral_module
from diffusers import (
    DDIMScheduler,
    DDPMScheduler,
    EulerAncestralDiscreteScheduler,
    EulerDiscreteScheduler,
    PNDMScheduler,
)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT_DIR = os.path.join(ROOT, "Tests", "LetheDiffusionTests", "Fixtures", "schedulers")

SCHEDULER_CLASSES = {
    cls.__name__: cls
    for cls in (DDPMScheduler, DDIMScheduler, PNDMScheduler, EulerDiscreteScheduler, EulerAncestralDiscreteScheduler)
}

# The scheduler_config.json Stable Diffusion 1.x ships (runwayml/stable-diffusion-v1-5).
SD15_CONFIG = {
    "_class_name": "PNDMScheduler",
    "_diffusers_version": "0.6.0",
    "beta_end": 0.012,
    "beta_schedule": "scaled_linear",
    "beta_start": 0.00085,
    "num_train_timesteps": 1000,
    "set_alpha_to_one": False,
    "skip_prk_steps": True,
    "steps_offset": 1,
    "trained_betas": None,
    "clip_sample": False,
}

# The scheduler_config.json of stabilityai/stable-diffusion-2-1 (768 px, v-prediction).
SD21_CONFIG = {
    "_class_name": "DDIMScheduler",
    "_diffusers_version": "0.8.0",
    "beta_end": 0.012,
    "beta_schedule": "scaled_linear",
    "beta_start": 0.00085,
    "clip_sample": False,
    "num_train_timesteps": 1000,
    "prediction_type": "v_prediction",
    "set_alpha_to_one": False,
    "skip_prk_steps": True,
    "steps_offset": 1,
    "trained_betas": None,
}

SAMPLE_SHAPE = [1, 4, 4, 4]
LEARNED_VARIANCE_SHAPE = [1, 8, 4, 4]
POOL_SIZE = 12  # model outputs are reused cyclically when a run is longer
# 61 and 103 are counts where numpy's float arange makes "trailing" yield one timestep too many (ending in -1).
STEP_COUNTS = [1, 2, 3, 4, 5, 6, 7, 9, 10, 13, 16, 20, 25, 30, 33, 50, 61, 64, 75, 103]
SIGMA_STEP_LIMIT = 50  # sigmas are recorded up to this many steps, to keep the fixture small


class F32List:
    """A float32 array to be written in shortest round-trip form."""

    def __init__(self, values):
        self.values = np.asarray(values, dtype=np.float32).reshape(-1)


class F32:
    def __init__(self, value):
        self.value = np.float32(value)


def f32_text(value):
    value = np.float32(value)
    if not np.isfinite(value):
        raise ValueError(f"non-finite value {value} in a fixture")
    text = str(value)  # numpy prints the shortest string that reads back as the same float32
    assert np.float32(float(text)) == value
    return text


def to_json(node, indent=0):
    pad = "  " * indent
    if isinstance(node, F32List):
        return "[" + ", ".join(f32_text(v) for v in node.values) + "]"
    if isinstance(node, F32):
        return f32_text(node.value)
    if isinstance(node, dict):
        if not node:
            return "{}"
        items = [f'{pad}  {json.dumps(str(k))}: {to_json(v, indent + 1)}' for k, v in node.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(node, (list, tuple)):
        if all(isinstance(v, (int, float, str, bool)) or v is None for v in node):
            return json.dumps(list(node))
        items = [f"{pad}  {to_json(v, indent + 1)}" for v in node]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    if isinstance(node, (bool, int, str)) or node is None:
        return json.dumps(node)
    if isinstance(node, float):
        return repr(node)
    raise TypeError(f"cannot write {type(node)}")


def write(name, payload):
    os.makedirs(OUT_DIR, exist_ok=True)
    path = os.path.join(OUT_DIR, name)
    with open(path, "w") as handle:
        handle.write(to_json(payload) + "\n")
    print(f"wrote {os.path.relpath(path, ROOT)} ({os.path.getsize(path)} bytes)", file=sys.stderr)


def make_scheduler(class_name, config):
    """Builds `class_name` from `config` the way a pipeline does: load the config, then from_config."""
    source_class = SCHEDULER_CLASSES.get(config.get("_class_name", class_name), SCHEDULER_CLASSES[class_name])
    loaded = source_class.from_config(config)
    return SCHEDULER_CLASSES[class_name].from_config(loaded.config)


def timestep_values(timesteps):
    array = timesteps.cpu().numpy()
    if array.dtype.kind in "iu":
        return [int(v) for v in array]
    return F32List(array)


class NoiseRecorder:
    """Wraps diffusers' randn_tensor in a scheduler module to record every draw."""

    def __init__(self, module):
        self.module = module
        self.original = module.randn_tensor
        self.draws = []

    def __enter__(self):
        def recording(*args, **kwargs):
            value = self.original(*args, **kwargs)
            self.draws.append(value.clone())
            return value

        self.module.randn_tensor = recording
        return self

    def __exit__(self, *exc):
        self.module.randn_tensor = self.original

    def take(self):
        draws, self.draws = self.draws, []
        return draws


# ---------------------------------------------------------------------------------------------------------
# Noise schedules


def noise_schedules():
    cases = [
        ("linear", "DDPMScheduler", {}),
        ("scaled_linear_sd", "DDPMScheduler", {"beta_schedule": "scaled_linear", "beta_start": 0.00085, "beta_end": 0.012}),
        ("squaredcos_cap_v2", "DDPMScheduler", {"beta_schedule": "squaredcos_cap_v2"}),
        ("scaled_linear_zero_snr", "DDIMScheduler",
         {"beta_schedule": "scaled_linear", "beta_start": 0.00085, "beta_end": 0.012, "rescale_betas_zero_snr": True}),
        ("linear_500", "DDPMScheduler", {"num_train_timesteps": 500, "beta_start": 0.0002, "beta_end": 0.03}),
        ("trained_betas", "DDPMScheduler", {"num_train_timesteps": 6, "trained_betas": [0.001, 0.01, 0.05, 0.1, 0.2, 0.3]}),
    ]
    records = []
    for name, class_name, config in cases:
        scheduler = make_scheduler(class_name, config)
        records.append({
            "name": name,
            "scheduler": class_name,
            "config": config,
            "betas": F32List(scheduler.betas.numpy()),
            "alphas_cumprod": F32List(scheduler.alphas_cumprod.numpy()),
        })
    return {"diffusers_version": diffusers.__version__, "torch_version": torch.__version__, "cases": records}


# ---------------------------------------------------------------------------------------------------------
# Timesteps for many step counts


TIMESTEP_CONFIGS = [
    ("ddpm_leading_sd", "DDPMScheduler", dict(SD15_CONFIG, _class_name="DDPMScheduler")),
    ("ddpm_trailing", "DDPMScheduler", {"timestep_spacing": "trailing"}),
    ("ddpm_linspace", "DDPMScheduler", {"timestep_spacing": "linspace"}),
    ("ddim_sd21", "DDIMScheduler", SD21_CONFIG),
    ("ddim_trailing", "DDIMScheduler", dict(SD21_CONFIG, timestep_spacing="trailing", steps_offset=0)),
    ("ddim_linspace", "DDIMScheduler", dict(SD21_CONFIG, timestep_spacing="linspace")),
    ("pndm_sd15", "PNDMScheduler", SD15_CONFIG),
    ("pndm_prk", "PNDMScheduler", {"skip_prk_steps": False, "steps_offset": 1}),
    ("pndm_trailing", "PNDMScheduler", dict(SD15_CONFIG, timestep_spacing="trailing")),
    ("pndm_linspace_prk", "PNDMScheduler", {"timestep_spacing": "linspace"}),
    ("euler_from_sd15", "EulerDiscreteScheduler", SD15_CONFIG),
    ("euler_leading", "EulerDiscreteScheduler", dict(SD15_CONFIG, timestep_spacing="leading")),
    ("euler_trailing", "EulerDiscreteScheduler", dict(SD15_CONFIG, timestep_spacing="trailing")),
    ("euler_karras", "EulerDiscreteScheduler", dict(SD15_CONFIG, use_karras_sigmas=True)),
    ("euler_ancestral_from_sd15", "EulerAncestralDiscreteScheduler", SD15_CONFIG),
    ("euler_ancestral_leading", "EulerAncestralDiscreteScheduler", dict(SD15_CONFIG, timestep_spacing="leading")),
    ("euler_ancestral_trailing", "EulerAncestralDiscreteScheduler", dict(SD21_CONFIG, timestep_spacing="trailing")),
]


def timestep_runs():
    records = []
    for name, class_name, config in TIMESTEP_CONFIGS:
        runs = []
        for count in STEP_COUNTS:
            scheduler = make_scheduler(class_name, config)
            try:
                scheduler.set_timesteps(count)
            except ValueError:
                # PNDM's Runge-Kutta warm-up needs at least four steps; record that diffusers refuses.
                runs.append({"num_inference_steps": count, "fails": True})
                continue
            run = {"num_inference_steps": count, "timesteps": timestep_values(scheduler.timesteps)}
            if hasattr(scheduler, "sigmas") and count <= SIGMA_STEP_LIMIT:
                run["sigmas"] = F32List(scheduler.sigmas.numpy())
            run["init_noise_sigma"] = F32(float(scheduler.init_noise_sigma))
            runs.append(run)
        records.append({"name": name, "scheduler": class_name, "config": config, "runs": runs})
    return {"diffusers_version": diffusers.__version__, "cases": records}


# ---------------------------------------------------------------------------------------------------------
# Trajectories: every step of a short sampling loop


def trajectory_cases():
    sd15 = SD15_CONFIG
    sd21 = SD21_CONFIG
    cases = []

    def add(name, class_name, config, steps, **options):
        cases.append(dict(name=name, scheduler=class_name, config=config, num_inference_steps=steps, **options))

    # PNDM: Stable Diffusion 1.x as shipped, plus the Runge-Kutta warm-up path and the other spacings.
    add("pndm_sd15_5", "PNDMScheduler", sd15, 5)
    add("pndm_sd15_10", "PNDMScheduler", sd15, 10)
    add("pndm_prk_linear_10", "PNDMScheduler", {"skip_prk_steps": False}, 10)
    add("pndm_prk_sd_offset_5", "PNDMScheduler", dict(sd15, skip_prk_steps=False), 5)
    add("pndm_vpred_trailing_5", "PNDMScheduler", dict(sd15, prediction_type="v_prediction", timestep_spacing="trailing"), 5)
    add("pndm_linspace_alpha_one_5", "PNDMScheduler", dict(sd15, timestep_spacing="linspace", set_alpha_to_one=True), 5)

    # DDIM: Stable Diffusion 2.x as shipped, the other spacings, eta noise, clipping and thresholding.
    add("ddim_sd21_5", "DDIMScheduler", sd21, 5)
    add("ddim_sd21_10", "DDIMScheduler", sd21, 10)
    add("ddim_trailing_clip_5", "DDIMScheduler", {"beta_schedule": "scaled_linear", "beta_start": 0.00085,
                                                   "beta_end": 0.012, "timestep_spacing": "trailing"}, 5)
    add("ddim_linspace_eta_5", "DDIMScheduler", dict(sd15, timestep_spacing="linspace", set_alpha_to_one=True), 5,
        eta=0.5)
    add("ddim_sample_threshold_5", "DDIMScheduler", {"prediction_type": "sample", "thresholding": True,
                                                      "dynamic_thresholding_ratio": 0.9, "sample_max_value": 3.0}, 5)
    add("ddim_zero_snr_trailing_5", "DDIMScheduler", dict(sd21, timestep_spacing="trailing", steps_offset=0,
                                                           rescale_betas_zero_snr=True), 5)
    add("ddim_cosine_clipped_eta_5", "DDIMScheduler", {"beta_schedule": "squaredcos_cap_v2", "clip_sample_range": 0.8},
        5, eta=0.3, use_clipped_model_output=True)

    # DDPM: the variance types, prediction types and spacings.
    add("ddpm_default_10", "DDPMScheduler", {}, 10)
    add("ddpm_sd_vpred_small_log_5", "DDPMScheduler", dict(sd15, prediction_type="v_prediction",
                                                           variance_type="fixed_small_log"), 5)
    add("ddpm_cosine_large_sample_trailing_5", "DDPMScheduler", {"beta_schedule": "squaredcos_cap_v2",
                                                                  "variance_type": "fixed_large",
                                                                  "prediction_type": "sample",
                                                                  "timestep_spacing": "trailing"}, 5)
    add("ddpm_learned_range_linspace_5", "DDPMScheduler", {"variance_type": "learned_range",
                                                            "timestep_spacing": "linspace", "clip_sample": False}, 5)
    add("ddpm_learned_5", "DDPMScheduler", dict(sd15, variance_type="learned"), 5)
    add("ddpm_threshold_5", "DDPMScheduler", {"thresholding": True, "dynamic_thresholding_ratio": 0.9,
                                              "sample_max_value": 3.0}, 5)
    add("ddpm_zero_snr_trailing_vpred_5", "DDPMScheduler", dict(sd21, timestep_spacing="trailing", steps_offset=0,
                                                                rescale_betas_zero_snr=True), 5)

    # Euler discrete: from the SD 1.5 config as pipelines do, each spacing and every sigma option.
    add("euler_from_sd15_5", "EulerDiscreteScheduler", sd15, 5)
    add("euler_from_sd15_10", "EulerDiscreteScheduler", sd15, 10)
    add("euler_leading_5", "EulerDiscreteScheduler", dict(sd15, timestep_spacing="leading"), 5)
    add("euler_trailing_vpred_5", "EulerDiscreteScheduler", dict(sd21, timestep_spacing="trailing"), 5)
    add("euler_karras_5", "EulerDiscreteScheduler", dict(sd15, use_karras_sigmas=True), 5)
    add("euler_karras_bounds_5", "EulerDiscreteScheduler", dict(sd15, use_karras_sigmas=True, sigma_min=0.1,
                                                                sigma_max=10.0), 5)
    add("euler_exponential_5", "EulerDiscreteScheduler", dict(sd15, use_exponential_sigmas=True), 5)
    add("euler_log_linear_5", "EulerDiscreteScheduler", dict(sd15, interpolation_type="log_linear"), 5)
    add("euler_continuous_vpred_5", "EulerDiscreteScheduler", dict(sd21, timestep_type="continuous"), 5)
    add("euler_final_sigma_min_5", "EulerDiscreteScheduler", dict(sd15, final_sigmas_type="sigma_min"), 5)
    add("euler_zero_snr_trailing_5", "EulerDiscreteScheduler", dict(sd21, timestep_spacing="trailing",
                                                                    rescale_betas_zero_snr=True), 5)
    add("euler_sample_linear_5", "EulerDiscreteScheduler", {"prediction_type": "sample"}, 5)

    # Euler ancestral: noise recorded as drawn.
    add("euler_ancestral_from_sd15_10", "EulerAncestralDiscreteScheduler", sd15, 10)
    add("euler_ancestral_leading_vpred_5", "EulerAncestralDiscreteScheduler", dict(sd21, timestep_spacing="leading"), 5)
    add("euler_ancestral_trailing_5", "EulerAncestralDiscreteScheduler", dict(sd15, timestep_spacing="trailing"), 5)
    add("euler_ancestral_zero_snr_5", "EulerAncestralDiscreteScheduler", dict(sd21, rescale_betas_zero_snr=True), 5)
    return cases


def run_trajectory(case, sample, outputs, learned_outputs, variance_noises):
    scheduler = make_scheduler(case["scheduler"], case["config"])
    scheduler.set_timesteps(case["num_inference_steps"])
    learned = case["config"].get("variance_type") in ("learned", "learned_range")
    pool = learned_outputs if learned else outputs
    record = {
        "name": case["name"],
        "scheduler": case["scheduler"],
        "config": case["config"],
        "num_inference_steps": case["num_inference_steps"],
        "timesteps": timestep_values(scheduler.timesteps),
        "init_noise_sigma": F32(float(scheduler.init_noise_sigma)),
        "model_output_pool": "learned_variance" if learned else "plain",
    }
    if hasattr(scheduler, "sigmas"):
        record["sigmas"] = F32List(scheduler.sigmas.numpy())
    for key in ("eta", "use_clipped_model_output"):
        if key in case:
            record[key] = case[key]

    generator = torch.Generator().manual_seed(1234)
    module = {"DDPMScheduler": ddpm_module, "EulerAncestralDiscreteScheduler": euler_ancestral_module}.get(
        case["scheduler"])
    steps = []
    current = sample.clone()
    if case["scheduler"].startswith("Euler"):
        current = current * scheduler.init_noise_sigma
        record["scaled_initial_sample"] = F32List(current.numpy())
    for index, timestep in enumerate(scheduler.timesteps):
        model_output = pool[index % len(pool)]
        entry = {"model_output_index": index % len(pool)}
        model_input = scheduler.scale_model_input(current, timestep)
        if case["scheduler"].startswith("Euler"):
            if index in (0, len(scheduler.timesteps) - 1):
                # First and last only: the scaling in between follows from the recorded sigmas.
                entry["scaled_input"] = F32List(model_input.numpy())
        else:
            assert torch.equal(model_input, current)
        kwargs = {}
        if case["scheduler"] == "DDIMScheduler" and case.get("eta", 0) > 0:
            noise = variance_noises[index % len(variance_noises)]
            kwargs = {"eta": case["eta"], "variance_noise": noise,
                      "use_clipped_model_output": case.get("use_clipped_model_output", False)}
            entry["noise_index"] = index % len(variance_noises)
        elif module is not None:
            kwargs = {"generator": generator}
        if module is not None:
            with NoiseRecorder(module) as recorder:
                result = scheduler.step(model_output, timestep, current, **kwargs)
                draws = recorder.take()
            assert len(draws) <= 1
            if draws:
                entry["noise"] = F32List(draws[0].numpy())
        else:
            result = scheduler.step(model_output, timestep, current, **kwargs)
        entry["prev_sample"] = F32List(result.prev_sample.numpy())
        if getattr(result, "pred_original_sample", None) is not None:
            entry["pred_original_sample"] = F32List(result.pred_original_sample.numpy())
        steps.append(entry)
        current = result.prev_sample
    record["steps"] = steps
    return record


def trajectories():
    generator = torch.Generator().manual_seed(20240601)
    sample = torch.randn(SAMPLE_SHAPE, generator=generator)
    outputs = [torch.randn(SAMPLE_SHAPE, generator=generator) for _ in range(POOL_SIZE)]
    variance_noises = [torch.randn(SAMPLE_SHAPE, generator=generator) for _ in range(POOL_SIZE)]
    # Learned-variance models predict twice the channels: the noise, then a variance term in [0, 1).
    learned_outputs = [
        torch.cat([torch.randn(SAMPLE_SHAPE, generator=generator),
                   torch.rand(SAMPLE_SHAPE, generator=generator)], dim=1)
        for _ in range(POOL_SIZE)
    ]
    records = [run_trajectory(case, sample, outputs, learned_outputs, variance_noises) for case in trajectory_cases()]
    return {
        "diffusers_version": diffusers.__version__,
        "sample_shape": SAMPLE_SHAPE,
        "learned_variance_shape": LEARNED_VARIANCE_SHAPE,
        "sample": F32List(sample.numpy()),
        "model_outputs": [F32List(o.numpy()) for o in outputs],
        "learned_variance_model_outputs": [F32List(o.numpy()) for o in learned_outputs],
        "variance_noises": [F32List(n.numpy()) for n in variance_noises],
        "cases": records,
    }


# ---------------------------------------------------------------------------------------------------------
# Training helpers: add_noise and get_velocity per batch item


def training():
    generator = torch.Generator().manual_seed(777)
    shape = [3, 4, 4, 4]
    original = torch.randn(shape, generator=generator)
    noise = torch.randn(shape, generator=generator)
    cases = []
    for name, class_name, config, timesteps in [
        ("ddpm_linear", "DDPMScheduler", {}, [0, 499, 999]),
        ("ddpm_sd15", "DDPMScheduler", SD15_CONFIG, [1, 250, 981]),
        ("ddim_zero_snr", "DDIMScheduler", dict(SD21_CONFIG, rescale_betas_zero_snr=True), [999, 10, 640]),
        ("pndm_cosine", "PNDMScheduler", {"beta_schedule": "squaredcos_cap_v2"}, [17, 17, 900]),
        ("ddpm_one_timestep", "DDPMScheduler", SD15_CONFIG, [333]),
    ]:
        scheduler = make_scheduler(class_name, config)
        t = torch.tensor(timesteps, dtype=torch.int64)
        record = {
            "name": name,
            "scheduler": class_name,
            "config": config,
            "timesteps": timesteps,
            "noisy": F32List(scheduler.add_noise(original, noise, t).numpy()),
        }
        if hasattr(scheduler, "get_velocity"):
            record["velocity"] = F32List(scheduler.get_velocity(original, noise, t).numpy())
        cases.append(record)
    return {
        "diffusers_version": diffusers.__version__,
        "shape": shape,
        "original": F32List(original.numpy()),
        "noise": F32List(noise.numpy()),
        "cases": cases,
    }


def main():
    torch.set_num_threads(1)
    write("noise_schedules.json", noise_schedules())
    write("timesteps.json", timestep_runs())
    write("trajectories.json", trajectories())
    write("training.json", training())


if __name__ == "__main__":
    main()
