#!/usr/bin/env python3
"""Builds small random diffusers building blocks and the gradients torch autograd gives for them, for Lethe's
backward-pass tests of the blocks the UNet and the VAE share.

For each case (an Attention for self- and cross-attention, a BasicTransformerBlock, Transformer2DModels with conv and
linear proj_in/out and GEGLU/GELU feed-forwards, ResnetBlock2Ds with and without conv_shortcut and time embedding,
Downsample2D with padding 1 and with diffusers' pad-then-conv padding 0, Upsample2D with and without an output size)
the fixture holds, under the case's name:

  CASE.param.NAME         the module's state dict, named as the Swift test builds the module (NAME starts with the
                          module prefix given below, e.g. attn2.to_q.weight, transformer.proj_in.weight)
  CASE.input.X            its inputs (hidden_states, context, temb)
  CASE.R                  a fixed random upstream gradient, the shape of the output
  CASE.output             the module's output
  CASE.grad.NAME          d sum(output * R) / d parameter, for every parameter
  CASE.grad_input.X       d sum(output * R) / d input
  CASE.size               (Upsample2D with a size) the output height and width, int64

Cases with attention hooks also hold, for hooks on every cross-attention layer (`attn2`):

  CASE.hook.tokens        int64 token positions
  CASE.hook.probabilities.LAYER   the post-softmax probabilities [B, heads, N, M] of each hooked layer, captured by a
                          processor that computes them explicitly
  CASE.hook.grad.NAME, CASE.hook.grad_input.X   gradients of sum(output * R) + sum over hooked layers of the L2 norm
                          of that layer's probabilities at the token positions (probabilities[:, :, :, tokens])

Weights are random (norms get non-trivial scales and shifts); everything is evaluated in float64 from the float32
values stored, and saved as float32.

Requires torch, diffusers, safetensors (PyPI). Run from anywhere:
    python3 Scripts/reference/make_block_gradient_fixtures.py
Writes Tests/Fixtures/references/block-gradients.safetensors.
"""
import os

import torch
from diffusers.models.attention import BasicTransformerBlock
from diffusers.models.attention_processor import Attention
from diffusers.models.downsampling import Downsample2D
from diffusers.models.resnet import ResnetBlock2D
from diffusers.models.transformers.transformer_2d import Transformer2DModel
from diffusers.models.upsampling import Upsample2D
from safetensors.torch import save_file

from make_pipeline_fixtures import randomize

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "Tests", "Fixtures", "references", "block-gradients.safetensors")
HOOK_TOKENS = [1, 4]


class ExplicitAttentionProcessor:
    """diffusers' AttnProcessor (no mask, no norms): probabilities = softmax(q·kᵀ·scale) as an explicit tensor,
    recorded in `captured[name]` as [B, heads, N, M] with its autograd graph, so that a loss can use it."""

    def __init__(self, name, captured):
        self.name = name
        self.captured = captured

    def __call__(self, attn, hidden_states, encoder_hidden_states=None, attention_mask=None, temb=None, **kwargs):
        context = hidden_states if encoder_hidden_states is None else encoder_hidden_states
        query = attn.head_to_batch_dim(attn.to_q(hidden_states))
        key = attn.head_to_batch_dim(attn.to_k(context))
        value = attn.head_to_batch_dim(attn.to_v(context))
        probabilities = attn.get_attention_scores(query, key, None)
        batch, queries, tokens = hidden_states.shape[0], query.shape[1], key.shape[1]
        self.captured[self.name] = probabilities.reshape(batch, attn.heads, queries, tokens)
        out = attn.batch_to_head_dim(torch.bmm(probabilities, value))
        return attn.to_out[1](attn.to_out[0](out))


def install_processors(module, prefix, captured):
    """The explicit processor on every Attention inside `module`, named as the Swift layers are."""
    for name, child in module.named_modules():
        if isinstance(child, Attention):
            child.set_processor(ExplicitAttentionProcessor(f"{prefix}.{name}" if name else prefix, captured))


def run_case(case, module, prefix, inputs, call, generator, hooks=False, extra=None):
    """Records weights, inputs, output, R and the gradients of sum(output·R) (and, with hooks, of the combined loss)."""
    randomize(module, generator, float16_representable=False)
    module = module.eval()
    tensors = {f"{case}.param.{prefix}.{name}": value.detach().clone().contiguous()
               for name, value in module.state_dict().items()}
    for name, value in inputs.items():
        tensors[f"{case}.input.{name}"] = value.contiguous()
    tensors.update(extra or {})
    captured = {}
    install_processors(module, prefix, captured)
    double = module.double()
    parameters = dict(double.named_parameters())

    def gradients(with_hooks):
        double.zero_grad()
        leaves = {name: value.double().requires_grad_(True) for name, value in inputs.items()}
        captured.clear()
        output = call(double, leaves)
        loss = (output * upstream).sum()
        if with_hooks:
            for name in sorted(captured):
                if name.split(".")[-1] == "attn2":
                    loss = loss + captured[name][:, :, :, HOOK_TOKENS].norm()
        loss.backward()
        grads = {name: value.grad.float() for name, value in parameters.items()}
        input_grads = {name: value.grad.float() for name, value in leaves.items()}
        return output.detach().float(), grads, input_grads, {k: v.detach().float() for k, v in captured.items()}

    with torch.no_grad():
        shape = call(double, {name: value.double() for name, value in inputs.items()}).shape
    upstream = torch.randn(shape, generator=generator).double()
    tensors[f"{case}.R"] = upstream.float()
    output, grads, input_grads, _ = gradients(False)
    tensors[f"{case}.output"] = output
    tensors.update({f"{case}.grad.{prefix}.{name}": value for name, value in grads.items()})
    tensors.update({f"{case}.grad_input.{name}": value for name, value in input_grads.items()})
    if hooks:
        _, grads, input_grads, probabilities = gradients(True)
        tensors[f"{case}.hook.tokens"] = torch.tensor(HOOK_TOKENS, dtype=torch.int64)
        tensors.update({f"{case}.hook.probabilities.{name}": value for name, value in probabilities.items()
                        if name.split(".")[-1] == "attn2"})
        tensors.update({f"{case}.hook.grad.{prefix}.{name}": value for name, value in grads.items()})
        tensors.update({f"{case}.hook.grad_input.{name}": value for name, value in input_grads.items()})
    print(f"{case}: output {tuple(output.shape)}, {sum(p.numel() for p in parameters.values())} parameters")
    return tensors


def attention_cases(generator):
    def call(module, x):
        return module(x["hidden_states"], encoder_hidden_states=x.get("context"))

    tensors = {}
    tensors.update(run_case("attn_self", Attention(query_dim=32, heads=2, dim_head=8), "attn1",
                            {"hidden_states": torch.randn(2, 12, 32, generator=generator)}, call, generator))
    tensors.update(run_case("attn_cross", Attention(query_dim=32, cross_attention_dim=24, heads=2, dim_head=8), "attn2",
                            {"hidden_states": torch.randn(2, 12, 32, generator=generator),
                             "context": torch.randn(2, 7, 24, generator=generator)}, call, generator, hooks=True))
    # The VAE's kind: one head over all channels, biased projections.
    tensors.update(run_case("attn_bias", Attention(query_dim=16, heads=1, dim_head=16, bias=True), "attention",
                            {"hidden_states": torch.randn(1, 20, 16, generator=generator)}, call, generator))
    return tensors


def transformer_cases(generator):
    def call_block(module, x):
        return module(x["hidden_states"], encoder_hidden_states=x["context"])

    def call_transformer(module, x):
        return module(x["hidden_states"], encoder_hidden_states=x["context"], return_dict=False)[0]

    tensors = {}
    block = BasicTransformerBlock(dim=16, num_attention_heads=2, attention_head_dim=8, cross_attention_dim=24,
                                  activation_fn="gelu-approximate")
    tensors.update(run_case("block_gelu_tanh", block, "block",
                            {"hidden_states": torch.randn(1, 10, 16, generator=generator),
                             "context": torch.randn(1, 7, 24, generator=generator)}, call_block, generator))
    conv = Transformer2DModel(num_attention_heads=2, attention_head_dim=4, in_channels=8, num_layers=2,
                              cross_attention_dim=24, norm_num_groups=4, use_linear_projection=False,
                              activation_fn="geglu")
    tensors.update(run_case("transformer_conv_geglu", conv, "transformer",
                            {"hidden_states": torch.randn(2, 8, 4, 4, generator=generator),
                             "context": torch.randn(2, 7, 24, generator=generator)}, call_transformer, generator,
                            hooks=True))
    linear = Transformer2DModel(num_attention_heads=2, attention_head_dim=8, in_channels=16, num_layers=1,
                                cross_attention_dim=24, norm_num_groups=4, use_linear_projection=True,
                                activation_fn="gelu")
    tensors.update(run_case("transformer_linear_gelu", linear, "transformer",
                            {"hidden_states": torch.randn(1, 16, 3, 5, generator=generator),
                             "context": torch.randn(1, 7, 24, generator=generator)}, call_transformer, generator))
    return tensors


def resampling_cases(generator):
    tensors = {}

    def call_resnet(module, x):
        return module(x["hidden_states"], x.get("temb"))

    resnet = ResnetBlock2D(in_channels=8, out_channels=16, temb_channels=12, groups=4, eps=1e-5)
    tensors.update(run_case("resnet_shortcut_temb", resnet, "resnet",
                            {"hidden_states": torch.randn(2, 8, 5, 6, generator=generator),
                             "temb": torch.randn(2, 12, generator=generator)}, call_resnet, generator))
    resnet = ResnetBlock2D(in_channels=8, out_channels=8, temb_channels=None, groups=4, eps=1e-6,
                           output_scale_factor=2.0)
    tensors.update(run_case("resnet_plain", resnet, "resnet",
                            {"hidden_states": torch.randn(1, 8, 4, 4, generator=generator)}, call_resnet, generator))

    def call_single(module, x):
        return module(x["hidden_states"])

    # name="op" as the UNet builds it: the default name "conv" also registers the convolution as Conv2d_0, a
    # duplicate that diffusers drops when it saves.
    tensors.update(run_case("down_pad1", Downsample2D(8, use_conv=True, padding=1, name="op"), "down",
                            {"hidden_states": torch.randn(2, 8, 7, 7, generator=generator)}, call_single, generator))
    tensors.update(run_case("down_pad0", Downsample2D(8, use_conv=True, padding=0, name="op"), "down",
                            {"hidden_states": torch.randn(1, 8, 8, 6, generator=generator)}, call_single, generator))
    tensors.update(run_case("up_double", Upsample2D(8, use_conv=True), "up",
                            {"hidden_states": torch.randn(2, 8, 3, 4, generator=generator)}, call_single, generator))
    size = (7, 9)
    tensors.update(run_case("up_size", Upsample2D(8, use_conv=True), "up",
                            {"hidden_states": torch.randn(1, 8, 3, 4, generator=generator)},
                            lambda module, x: module(x["hidden_states"], output_size=size), generator,
                            extra={"up_size.size": torch.tensor(size, dtype=torch.int64)}))
    return tensors


def main():
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(20240611)
    tensors = {}
    tensors.update(attention_cases(generator))
    tensors.update(transformer_cases(generator))
    tensors.update(resampling_cases(generator))
    tensors = {name: value.contiguous() for name, value in tensors.items()}
    save_file(tensors, OUT, metadata={"generator": "Scripts/reference/make_block_gradient_fixtures.py"})
    print(f"wrote {len(tensors)} tensors, {os.path.getsize(OUT) // 1024} KiB to {os.path.relpath(OUT, ROOT)}")


if __name__ == "__main__":
    main()
