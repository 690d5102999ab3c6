#!/usr/bin/env python3
"""Reference gradients of the text encoder (transformers' CLIPTextModel) and the VAE (diffusers' AutoencoderKL) of the
committed tiny pipelines, for Lethe's backward-pass tests.

Each case runs a fixed scalar loss sum(output * R) (R a fixed random tensor saved with the case) through torch
autograd, with the models and inputs in float64 (the weights are float16-representable, so the fp16 variant files of
sd2-tiny hold exactly them), and saves the gradients with respect to the inputs and every parameter that gets one
(`<case>.grad.<parameter name>`, named as in the checkpoint: the text encoder's without the `text_model.` prefix).

Text encoder cases (the loss is on last_hidden_state, or with clip_skip on the prompt embeddings diffusers builds):
  single    one prompt padded to 77 tokens, no attention mask (as Stable Diffusion pipelines run it)
  batch     two prompts of different lengths, each padded to 77
  masked    the same two prompts with the tokenizer's padding attention mask
  clipskip  clip_skip = 1: final_layer_norm(hidden_states[-2]) (the last layer gets no gradient)
  short     two prompts truncated to 20 tokens
  hooked    one prompt; the loss also has sum(P * G) on the attention probabilities P [1, heads, 77, 77] of
            encoder layer 0 (eager attention, output_attentions), as an attention hook adds it
`<case>.grad.inputs_embeds` is dL/d(token embedding rows), the input of the position-embedding addition. The gradient
of the 49408-row token embedding table is stored sparsely: `<case>.token_rows` (the distinct ids used, ascending) and
`<case>.grad.embeddings.token_embedding.weight` holding only those rows (every other row is zero).

VAE cases:
  decode    sum(decode(latents) * R): gradients w.r.t. the latents and the parameters
  encode    sum(mean * R_mean) + sum(logvar * R_logvar) + sum(sample * R_sample) with sample = mean + std * noise:
            gradients w.r.t. the image and the parameters; plus the image gradient of each term alone
            (`encode.<term>_only.grad.image`)

Requires torch, diffusers, transformers, safetensors (PyPI). Run from the repository root:
    python3 Scripts/reference/make_text_vae_gradient_fixtures.py
Writes Tests/Fixtures/references/text-gradients-<pipeline>.safetensors and vae-gradients-<pipeline>.safetensors.
"""
import os

import diffusers
import torch
import transformers
from diffusers import AutoencoderKL
from safetensors.torch import save_file
from transformers import CLIPTextModel, CLIPTokenizer

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FIXTURES = os.path.join(ROOT, "Tests", "Fixtures")
PIPELINES = {"sd1-tiny": None, "sd2-tiny": "fp16"}
PROMPTS = ["a photograph of an astronaut riding a horse on the moon", "two cats"]
SHORT_LENGTH = 20


def checkpoint_name(name):
    return name[len("text_model."):] if name.startswith("text_model.") else name


def parameter_gradients(module, prefix):
    """`prefix.grad.<name>` for every parameter with a gradient (as float32), then clears them."""
    out = {}
    for name, parameter in module.named_parameters():
        if parameter.grad is not None:
            out[f"{prefix}.grad.{checkpoint_name(name)}"] = parameter.grad.detach().float().clone()
        parameter.grad = None
    return out


def text_case(model, name, ids, generator, attention_mask=None, clip_skip=None, hooked_layer=None):
    """One loss through the text encoder; the token embedding's output is caught to get dL/d(inputs_embeds)."""
    caught = {}

    def keep(_module, _inputs, output):
        output.retain_grad()
        caught["inputs_embeds"] = output

    handle = model.get_input_embeddings().register_forward_hook(keep)
    result = model(ids, attention_mask=attention_mask, output_hidden_states=clip_skip is not None,
                   output_attentions=hooked_layer is not None)
    handle.remove()
    output = (result.last_hidden_state if clip_skip is None
              else model.final_layer_norm(result.hidden_states[-(clip_skip + 1)]))
    weights = torch.randn(output.shape, generator=generator, dtype=torch.float64)
    loss = (output * weights).sum()
    extra = {}
    if hooked_layer is not None:
        probabilities = result.attentions[hooked_layer]
        probability_weights = torch.randn(probabilities.shape, generator=generator, dtype=torch.float64)
        loss = loss + (probabilities * probability_weights).sum()
        extra = {f"{name}.G": probability_weights.float(), f"{name}.hooked_layer": torch.tensor([hooked_layer])}
    loss.backward()

    out = {f"{name}.input_ids": ids.clone(), f"{name}.R": weights.float(), f"{name}.output": output.detach().float(),
           f"{name}.grad.inputs_embeds": caught["inputs_embeds"].grad.float()}
    out.update(extra)
    if attention_mask is not None:
        out[f"{name}.attention_mask"] = attention_mask.to(torch.int64)
    if clip_skip is not None:
        out[f"{name}.clip_skip"] = torch.tensor([clip_skip], dtype=torch.int64)
    rows = torch.unique(ids)
    table = model.get_input_embeddings().weight
    sparse = table.grad[rows].float().clone()
    # Only the rows of ids used may have a gradient.
    unused = torch.ones(table.shape[0], dtype=torch.bool)
    unused[rows] = False
    assert not table.grad[unused].any()
    table.grad = None
    out.update(parameter_gradients(model, name))
    out[f"{name}.token_rows"] = rows.to(torch.int64)
    out[f"{name}.grad.embeddings.token_embedding.weight"] = sparse
    return out


def text_references(folder, variant, generator):
    model = CLIPTextModel.from_pretrained(os.path.join(folder, "text_encoder"), variant=variant,
                                          dtype=torch.float32).double().eval()
    tokenizer = CLIPTokenizer.from_pretrained(os.path.join(folder, "tokenizer"))
    tokens = tokenizer(PROMPTS, padding="max_length", max_length=77, truncation=True, return_tensors="pt")
    ids, mask = tokens.input_ids.to(torch.int64), tokens.attention_mask.to(torch.int64)
    out = {}
    out.update(text_case(model, "single", ids[:1].contiguous(), generator))
    out.update(text_case(model, "batch", ids, generator))
    out.update(text_case(model, "masked", ids, generator, attention_mask=mask))
    out.update(text_case(model, "clipskip", ids, generator, clip_skip=1))
    out.update(text_case(model, "short", ids[:, :SHORT_LENGTH].contiguous(), generator))
    attention = model.config._attn_implementation
    model.set_attn_implementation("eager")  # the one that returns the probabilities
    out.update(text_case(model, "hooked", ids[:1].contiguous(), generator, hooked_layer=0))
    return out, attention


def vae_references(folder, variant, generator):
    vae = AutoencoderKL.from_pretrained(os.path.join(folder, "vae"), variant=variant,
                                        torch_dtype=torch.float32).double().eval()
    out = {}

    latents = torch.randn((2, 4, 8, 8), generator=generator, dtype=torch.float64).requires_grad_()
    image = vae.decode(latents).sample
    weights = torch.randn(image.shape, generator=generator, dtype=torch.float64)
    (image * weights).sum().backward()
    out.update({"decode.latents": latents.detach().float(), "decode.R": weights.float(),
                "decode.output": image.detach().float(), "decode.grad.latents": latents.grad.float()})
    out.update(parameter_gradients(vae, "decode"))

    image = (torch.rand((2, 3, 32, 32), generator=generator, dtype=torch.float64) * 2 - 1)
    noise = torch.randn((2, 4, 8, 8), generator=generator, dtype=torch.float64)
    terms = {term: torch.randn((2, 4, 8, 8), generator=generator, dtype=torch.float64)
             for term in ("mean", "logvar", "sample")}
    out.update({"encode.image": image.float(), "encode.noise": noise.float()})
    out.update({f"encode.R_{term}": weights.float() for term, weights in terms.items()})

    def encode_loss(leaf, chosen):
        posterior = vae.encode(leaf).latent_dist
        values = {"mean": posterior.mean, "logvar": posterior.logvar, "sample": posterior.mean + posterior.std * noise}
        return sum((values[term] * terms[term]).sum() for term in chosen), values

    for term in terms:
        leaf = image.clone().requires_grad_()
        loss, _ = encode_loss(leaf, [term])
        loss.backward()
        out[f"encode.{term}_only.grad.image"] = leaf.grad.float()
        vae.zero_grad(set_to_none=True)
    leaf = image.clone().requires_grad_()
    loss, values = encode_loss(leaf, list(terms))
    loss.backward()
    out.update({f"encode.{term}": value.detach().float() for term, value in values.items()})
    out["encode.grad.image"] = leaf.grad.float()
    out.update(parameter_gradients(vae, "encode"))
    return out


def main():
    torch.set_num_threads(1)
    for index, (name, variant) in enumerate(PIPELINES.items()):
        folder = os.path.join(FIXTURES, "pipelines", name)
        generator = torch.Generator().manual_seed(20261201 + index)
        text, attention = text_references(folder, variant, generator)
        path = os.path.join(FIXTURES, "references", f"text-gradients-{name}.safetensors")
        save_file({k: v.contiguous() for k, v in text.items()}, path, metadata={
            "generator": "Scripts/reference/make_text_vae_gradient_fixtures.py", "prompts": " | ".join(PROMPTS),
            "transformers": transformers.__version__, "torch": torch.__version__, "attn_implementation": attention})
        print(f"{path}: {len(text)} tensors")
        vae = vae_references(folder, variant, generator)
        path = os.path.join(FIXTURES, "references", f"vae-gradients-{name}.safetensors")
        save_file({k: v.contiguous() for k, v in vae.items()}, path, metadata={
            "generator": "Scripts/reference/make_text_vae_gradient_fixtures.py", "diffusers": diffusers.__version__,
            "torch": torch.__version__})
        print(f"{path}: {len(vae)} tensors")


if __name__ == "__main__":
    main()
