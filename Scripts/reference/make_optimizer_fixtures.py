#!/usr/bin/env python3
"""Reference values for the optimizers, gradient clipping and learning-rate schedules of LetheTraining.

Runs torch.optim.AdamW and torch.optim.SGD (on CPU, float32, the single-tensor implementation torch picks there)
over a fixed sequence of gradients for a handful of parameters of odd sizes, records every step's parameters,
records the optimizer state after every step too (so one step can be checked from torch's own state), runs
torch.nn.utils.clip_grad_norm_ on a clipped and an unclipped case, and records the learning rate of every
diffusers `get_scheduler` schedule (a torch LambdaLR) for steps 0…N.

The parameters mirror the small weight store the Swift tests build (names, shapes, request order). The token
embedding trains only rows 5 and 2 (in that order); torch sees those rows as one [2, 5] parameter, and the
recorded embedding is the full matrix with those rows written back, so the other rows must stay as they were.

Each case's settings are in the file's metadata, under one key "settings" (a JSON object: case name → settings; one
key, because safetensors writes several metadata keys in no fixed order), so the tests read them from here.
Requires torch, diffusers, safetensors, numpy (PyPI). Run from anywhere:
    python3 Scripts/reference/make_optimizer_fixtures.py
Writes Tests/Fixtures/references/optimizers.safetensors; the output is deterministic for a given torch/diffusers.
"""
import json
import os

import numpy as np
import torch
from diffusers.optimization import get_polynomial_decay_schedule_with_warmup, get_scheduler
from safetensors.torch import save_file

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUTPUT = os.path.join(ROOT, "Tests", "Fixtures", "references", "optimizers.safetensors")

# The weight store of the Swift tests, in request order. Frozen parameters never change.
LAYOUT = [
    ("embeddings.token_embedding.weight", (7, 5)),
    ("block.attn2.to_k.weight", (13, 11)),
    ("block.attn2.to_k.bias", (13,)),
    ("block.frozen.weight", (4, 3)),
    ("block.norm.weight", (37,)),
]
EMBEDDING = "embeddings.token_embedding.weight"
EMBEDDING_ROWS = [5, 2]
TRAINED = [EMBEDDING, "block.attn2.to_k.weight", "block.attn2.to_k.bias", "block.norm.weight"]
STEPS = 6
# Gradient scale per step: ordinary, small (eps matters), ordinary with exact zeros, large, ordinary, tiny.
GRADIENT_SCALES = [1.0, 1e-3, 1.0, 10.0, 0.5, 1e-5]

ADAMW_CASES = {
    "adamw.default": dict(lr=[1e-3] * STEPS, betas=[0.9, 0.999], eps=1e-8, weight_decay=1e-2),
    "adamw.custom": dict(lr=[3e-3, 1e-2, 5e-3, 2e-2, 7e-4, 1e-3], betas=[0.8, 0.95], eps=1e-6, weight_decay=0.1),
    # beta1 < 0.5: torch's lerp takes its other branch; no weight decay.
    "adamw.low_beta": dict(lr=[0.05, 0.02, 0.01, 0.03, 0.01, 0.005], betas=[0.3, 0.6], eps=1e-4, weight_decay=0.0),
}
SGD_CASES = {
    "sgd.plain": dict(lr=[0.1] * STEPS, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0),
    "sgd.momentum": dict(lr=[0.05, 0.02, 0.03, 0.01, 0.04, 0.05], momentum=0.9, dampening=0.0, nesterov=False,
                         weight_decay=0.0),
    "sgd.nesterov": dict(lr=[0.05] * STEPS, momentum=0.9, dampening=0.0, nesterov=True, weight_decay=1e-2),
    "sgd.dampened": dict(lr=[0.02, 0.03, 0.01, 0.02, 0.05, 0.01], momentum=0.8, dampening=0.3, nesterov=False,
                         weight_decay=0.05),
}
SCHEDULE_STEPS = 25
SCHEDULE_CASES = {
    "schedule.constant": dict(name="constant", base_lr=1e-4, warmup=3, total=20),
    "schedule.constant_with_warmup": dict(name="constant_with_warmup", base_lr=1e-4, warmup=3, total=20),
    "schedule.linear": dict(name="linear", base_lr=1e-4, warmup=3, total=20),
    "schedule.linear_no_warmup": dict(name="linear", base_lr=5e-6, warmup=0, total=20),
    "schedule.cosine": dict(name="cosine", base_lr=1e-4, warmup=3, total=20),
    "schedule.cosine_long_warmup": dict(name="cosine", base_lr=3e-5, warmup=7, total=17),
    "schedule.cosine_with_restarts": dict(name="cosine_with_restarts", base_lr=1e-4, warmup=3, total=20, cycles=3),
    "schedule.polynomial": dict(name="polynomial", base_lr=1e-4, warmup=3, total=20, power=2.0),
    "schedule.polynomial_end": dict(name="polynomial", base_lr=1e-3, warmup=2, total=20, power=0.5, lr_end=1e-5),
}
SCALE_LR = dict(lr=1e-4, batch_size=4, accumulation=3, processes=8)


def initial_parameters():
    generator = torch.Generator().manual_seed(20260501)
    return {name: torch.randn(shape, generator=generator) for name, shape in LAYOUT}


def gradient_sequence():
    """Gradients in the gradient buffer's layout: the embedding's are the trained rows only."""
    generator = torch.Generator().manual_seed(20260502)
    steps = []
    for step, scale in enumerate(GRADIENT_SCALES):
        gradients = {}
        for name in TRAINED:
            shape = (len(EMBEDDING_ROWS), 5) if name == EMBEDDING else dict(LAYOUT)[name]
            gradient = torch.randn(shape, generator=generator) * scale
            if step == 2:
                gradient.view(-1)[::3] = 0.0
            gradients[name] = gradient
        steps.append(gradients)
    return steps


def trained_tensors(initial):
    """torch parameters for what trains: the embedding's selected rows as one parameter."""
    tensors = {}
    for name in TRAINED:
        value = initial[name][EMBEDDING_ROWS] if name == EMBEDDING else initial[name]
        tensors[name] = torch.nn.Parameter(value.clone())
    return tensors


def full_parameters(initial, tensors):
    """Every parameter as the Swift store holds it after a step."""
    out = {}
    for name, _ in LAYOUT:
        value = initial[name].clone()
        if name == EMBEDDING:
            value[EMBEDDING_ROWS] = tensors[name].detach()
        elif name in tensors:
            value = tensors[name].detach().clone()
        out[name] = value
    return out


def run_optimizer(case, settings, make, initial, gradients, out, state_keys):
    tensors = trained_tensors(initial)
    optimizer = make(list(tensors.values()))
    for step in range(STEPS):
        for name, parameter in tensors.items():
            parameter.grad = gradients[step][name].clone()
        for group in optimizer.param_groups:
            group["lr"] = settings["lr"][step]
        optimizer.step()
        for name, value in full_parameters(initial, tensors).items():
            out[f"{case}.step{step}.{name}"] = value
        for key in state_keys:
            for name, parameter in tensors.items():
                out[f"{case}.step{step}.{key}.{name}"] = optimizer.state[parameter][key].clone()


def run_clipping(out, gradients, metadata):
    for case, factor, max_norm in (("clip.clipped", 3.0, 1.0), ("clip.unclipped", 1.0, 100.0)):
        tensors = trained_tensors(initial_parameters())
        for name, parameter in tensors.items():
            parameter.grad = gradients[0][name] * factor
            out[f"{case}.input.{name}"] = parameter.grad.clone()
        flat = np.concatenate([p.grad.double().numpy().ravel() for p in tensors.values()])
        total = torch.nn.utils.clip_grad_norm_(list(tensors.values()), max_norm)
        out[f"{case}.total_norm"] = total.reshape(1).clone()
        out[f"{case}.total_norm64"] = torch.tensor([np.sqrt(np.sum(flat * flat))], dtype=torch.float64)
        for name, parameter in tensors.items():
            out[f"{case}.output.{name}"] = parameter.grad.clone()
        metadata[case] = dict(max_norm=max_norm)


def run_schedules(out, metadata):
    for case, settings in SCHEDULE_CASES.items():
        parameter = torch.nn.Parameter(torch.zeros(1))
        optimizer = torch.optim.AdamW([parameter], lr=settings["base_lr"])
        if "lr_end" in settings:  # get_scheduler always uses the default lr_end
            scheduler = get_polynomial_decay_schedule_with_warmup(
                optimizer, settings["warmup"], settings["total"], lr_end=settings["lr_end"], power=settings["power"])
        else:
            scheduler = get_scheduler(settings["name"], optimizer, num_warmup_steps=settings["warmup"],
                                      num_training_steps=settings["total"], num_cycles=settings.get("cycles", 1),
                                      power=settings.get("power", 1.0))
        rates = []
        for _ in range(SCHEDULE_STEPS + 1):
            rates.append(scheduler.get_last_lr()[0])
            optimizer.step()
            scheduler.step()
        out[f"{case}.lr"] = torch.tensor(rates, dtype=torch.float64)
        metadata[case] = settings


def main():
    torch.set_num_threads(1)
    initial = initial_parameters()
    gradients = gradient_sequence()
    out = {f"initial.{name}": value for name, value in initial.items()}
    for step, step_gradients in enumerate(gradients):
        for name, value in step_gradients.items():
            out[f"gradient{step}.{name}"] = value
    metadata = {"generator": "Scripts/reference/make_optimizer_fixtures.py", "steps": STEPS,
                "embedding_rows": EMBEDDING_ROWS}

    for case, settings in ADAMW_CASES.items():
        def make(parameters, settings=settings):
            return torch.optim.AdamW(parameters, lr=settings["lr"][0], betas=tuple(settings["betas"]),
                                     eps=settings["eps"], weight_decay=settings["weight_decay"])
        run_optimizer(case, settings, make, initial, gradients, out, ["exp_avg", "exp_avg_sq"])
        metadata[case] = settings
    for case, settings in SGD_CASES.items():
        def make(parameters, settings=settings):
            return torch.optim.SGD(parameters, lr=settings["lr"][0], momentum=settings["momentum"],
                                   dampening=settings["dampening"], nesterov=settings["nesterov"],
                                   weight_decay=settings["weight_decay"])
        keys = ["momentum_buffer"] if settings["momentum"] != 0 else []
        run_optimizer(case, settings, make, initial, gradients, out, keys)
        metadata[case] = settings

    run_clipping(out, gradients, metadata)
    run_schedules(out, metadata)
    # diffusers' --scale_lr: lr × gradient_accumulation_steps × train_batch_size × num_processes, in that order.
    scaled = SCALE_LR["lr"] * SCALE_LR["accumulation"] * SCALE_LR["batch_size"] * SCALE_LR["processes"]
    metadata["scale_lr"] = dict(SCALE_LR, scaled=scaled)

    save_file({key: value.contiguous() for key, value in out.items()}, OUTPUT,
              metadata={"settings": json.dumps(metadata, sort_keys=True)})
    print(f"optimizers: {len(out)} tensors, {os.path.getsize(OUTPUT)} bytes")


if __name__ == "__main__":
    main()
