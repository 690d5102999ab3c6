#!/usr/bin/env python3
"""Reference gradients of the committed tiny UNets (Tests/Fixtures/pipelines/sd1-tiny and sd2-tiny, made by
make_pipeline_fixtures.py) for Lethe's backward-pass tests.

The UNets are loaded as Lethe loads them (sd1-tiny from its float32 file, sd2-tiny from its fp16 variant files as
float32, which holds the fp16 values exactly), then widened to float64 so that the references carry no rounding of
their own. For a batch of two samples at two different timesteps:

  sum loss      L = sum(output · R) for a fixed random R: the output, dL/d(sample), dL/d(encoder_hidden_states)
                and dL/d(parameter) for every parameter (keys `grad.<parameter name>`).
  centered      the same model with center_input_sample = true: output, dL/d(sample), dL/d(conv_in.weight).
  Forget-Me-Not every attn2 layer gets an attention processor that captures its probabilities as Forget-Me-Not's
                MyCrossAttnProcessor does (SHI-Labs/Forget-Me-Not, src/train_attn.py); the loss is the L2 norm of
                all captured probabilities at the concept's token positions (torch.cat(...).norm()), with positions
                given per sample and the slices of the probabilities [B·heads, N, M] taken batch-major (slice
                b·heads + h belongs to sample b; upstream's mask repeat orders them head-major, which only agrees for
                a batch of one). Saved: the loss, the mean attention mass on the positions per layer, dL/d(encoder
                hidden states), dL/d(sample), and the parameter gradients (`fmn.grad.<name>`: every parameter for
                sd1-tiny, the attn2 parameters for sd2-tiny, to keep the fixtures small).

Requires torch, diffusers, safetensors (PyPI). Run from the repository root:
    python3 Scripts/reference/make_unet_gradient_fixtures.py
Writes Tests/Fixtures/references/unet-gradients-<name>.safetensors.
"""
import json
import os

import torch
from diffusers import UNet2DConditionModel
from diffusers.models.attention_processor import Attention
from safetensors.torch import save_file

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FIXTURES = os.path.join(ROOT, "Tests", "Fixtures")

MODELS = {"sd1-tiny": dict(variant=None, fmn_parameters="all"),
          "sd2-tiny": dict(variant="fp16", fmn_parameters="attn2")}
TIMESTEPS = [700.0, 35.0]
TOKENS = 77
# Concept token positions per sample (different counts on purpose).
POSITIONS = [[2, 3], [5]]


def load(name, variant):
    unet = UNet2DConditionModel.from_pretrained(os.path.join(FIXTURES, "pipelines", name, "unet"), variant=variant,
                                                torch_dtype=torch.float32).eval()
    unet = unet.double()
    for module in unet.modules():
        if isinstance(module, Attention):
            # upcast_attention would compute float64 scores in float32; in float64 there is nothing to upcast.
            module.upcast_attention = False
            module.upcast_softmax = False
    return unet


class ConceptAttentionController:
    """Forget-Me-Not's AttnController with per-sample positions and batch-major slices."""

    def __init__(self, positions, tokens):
        self.mask = torch.zeros((len(positions), tokens), dtype=torch.bool)
        for sample, chosen in enumerate(positions):
            self.mask[sample, chosen] = True
        self.captured = []
        self.mass = {}

    def __call__(self, probabilities, layer):
        heads = probabilities.shape[0] // self.mask.shape[0]
        # Slice b·heads + h uses sample b's positions.
        mask = self.mask.repeat_interleave(heads, dim=0)[:, None, :]
        self.captured.append(probabilities.masked_select(mask))
        self.mass[layer] = (probabilities * mask).sum(dim=-1).mean().item()

    def loss(self):
        return torch.cat(self.captured).norm()


class CapturingCrossAttentionProcessor:
    """Forget-Me-Not's MyCrossAttnProcessor: the classic attention computation with the probabilities handed to the
    controller before they multiply the values."""

    def __init__(self, controller, layer):
        self.controller = controller
        self.layer = layer

    def __call__(self, attn, hidden_states, encoder_hidden_states=None, attention_mask=None, temb=None, **kwargs):
        batch_size, sequence_length, _ = hidden_states.shape
        attention_mask = attn.prepare_attention_mask(attention_mask, sequence_length, batch_size=batch_size)
        query = attn.head_to_batch_dim(attn.to_q(hidden_states))
        encoder_hidden_states = encoder_hidden_states if encoder_hidden_states is not None else hidden_states
        key = attn.head_to_batch_dim(attn.to_k(encoder_hidden_states))
        value = attn.head_to_batch_dim(attn.to_v(encoder_hidden_states))
        probabilities = attn.get_attention_scores(query, key, attention_mask)
        self.controller(probabilities, self.layer)
        hidden_states = attn.batch_to_head_dim(torch.bmm(probabilities, value))
        return attn.to_out[1](attn.to_out[0](hidden_states))


def inputs(unet, generator):
    width = unet.config.cross_attention_dim
    sample = torch.randn((2, 4, 8, 8), generator=generator)
    text = torch.randn((2, TOKENS, width), generator=generator)
    weights = torch.randn((2, 4, 8, 8), generator=generator)
    return sample, text, weights


def run(unet, sample, text):
    """Output and leaf inputs of one float64 forward pass with gradients."""
    unet.zero_grad(set_to_none=True)
    sample = sample.double().requires_grad_(True)
    text = text.double().requires_grad_(True)
    output = unet(sample, torch.tensor(TIMESTEPS, dtype=torch.float64), encoder_hidden_states=text).sample
    return output, sample, text


def parameter_gradients(unet, prefix, keep=lambda name: True):
    out = {}
    for name, parameter in unet.named_parameters():
        if not keep(name):
            continue
        gradient = parameter.grad if parameter.grad is not None else torch.zeros_like(parameter)
        out[f"{prefix}{name}"] = gradient
    return out


def references(name, spec, generator):
    unet = load(name, spec["variant"])
    sample, text, weights = inputs(unet, generator)
    out = {"inputs.sample": sample, "inputs.timesteps": torch.tensor(TIMESTEPS),
           "inputs.encoder_hidden_states": text, "loss.weights": weights}

    # Sum loss.
    output, sample_leaf, text_leaf = run(unet, sample, text)
    (output * weights.double()).sum().backward()
    out["output"] = output.detach()
    out["grad.sample"] = sample_leaf.grad
    out["grad.encoder_hidden_states"] = text_leaf.grad
    out.update(parameter_gradients(unet, "grad."))

    # The float32 model agrees with this float64 one (a check on the widening, not saved).
    plain = UNet2DConditionModel.from_pretrained(os.path.join(FIXTURES, "pipelines", name, "unet"),
                                                 variant=spec["variant"], torch_dtype=torch.float32).eval()
    with torch.no_grad():
        single = plain(sample, torch.tensor(TIMESTEPS), encoder_hidden_states=text).sample
    difference = (single.double() - output.detach()).abs().max() / output.detach().abs().max()
    assert difference < 1e-5, f"{name}: float32 and float64 outputs differ by {difference}"

    # center_input_sample.
    unet.register_to_config(center_input_sample=True)
    output, sample_leaf, _ = run(unet, sample, text)
    (output * weights.double()).sum().backward()
    out["centered.output"] = output.detach()
    out["centered.grad.sample"] = sample_leaf.grad
    out["centered.grad.conv_in.weight"] = unet.conv_in.weight.grad
    unet.register_to_config(center_input_sample=False)

    # Forget-Me-Not's attention loss.
    with torch.no_grad():
        plain_output = unet(sample.double(), torch.tensor(TIMESTEPS, dtype=torch.float64),
                            encoder_hidden_states=text.double()).sample
    controller = ConceptAttentionController(POSITIONS, TOKENS)
    layers = [layer for layer, module in unet.named_modules() if layer.endswith("attn2")]
    for layer, module in unet.named_modules():
        if layer.endswith("attn2"):
            module.set_processor(CapturingCrossAttentionProcessor(controller, layer))
    output, sample_leaf, text_leaf = run(unet, sample, text)
    assert torch.allclose(output, plain_output, rtol=0, atol=1e-10), "the capturing processor changed the output"
    # Captured in forward order (mid block between the down and up blocks), once per layer.
    assert sorted(controller.mass) == sorted(layers) and len(controller.captured) == len(layers)
    loss = controller.loss()
    loss.backward()
    out["fmn.loss"] = loss.detach().reshape(1)
    for sample_index, chosen in enumerate(POSITIONS):
        out[f"fmn.positions.{sample_index}"] = torch.tensor(chosen, dtype=torch.int64)
    for layer, mass in controller.mass.items():
        out[f"fmn.mass.{layer}"] = torch.tensor([mass])
    out["fmn.grad.encoder_hidden_states"] = text_leaf.grad
    out["fmn.grad.sample"] = sample_leaf.grad
    keep = (lambda parameter: True) if spec["fmn_parameters"] == "all" else (lambda parameter: ".attn2." in parameter)
    out.update(parameter_gradients(unet, "fmn.grad.", keep))
    return {key: (value.detach().float() if value.is_floating_point() else value).contiguous()
            for key, value in out.items()}


def main():
    torch.set_num_threads(1)
    for index, (name, spec) in enumerate(MODELS.items()):
        generator = torch.Generator().manual_seed(20261201 + index)
        tensors = references(name, spec, generator)
        path = os.path.join(FIXTURES, "references", f"unet-gradients-{name}.safetensors")
        save_file(tensors, path, metadata={
            "generator": "Scripts/reference/make_unet_gradient_fixtures.py", "timesteps": json.dumps(TIMESTEPS),
            "fmn_positions": json.dumps(POSITIONS), "fmn_parameters": spec["fmn_parameters"]})
        print(f"{name}: {len(tensors)} tensors, {os.path.getsize(path) / 1e6:.2f} MB, FMN loss {tensors['fmn.loss'].item():.6f}")


if __name__ == "__main__":
    main()
