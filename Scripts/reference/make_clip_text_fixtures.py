#!/usr/bin/env python3
"""Extra CLIPTextModel reference outputs for Lethe's text encoder tests, computed with transformers from the
committed tiny SD 1.x text encoder (Tests/Fixtures/pipelines/sd1-tiny/text_encoder).

Covers what the pipeline references do not: the pooled output (transformers' EOS position and the legacy argmax of
ids used when eos_token_id == 2), the hidden states after every layer, diffusers' clip_skip=1 prompt embeddings
(hidden_states[-2] followed by final_layer_norm), attention masks (right padding, and left padding with fully
masked query rows, through transformers' default attention implementation), a sequence shorter than 77 tokens, and
a textual-inversion style token appended to the embedding table.

Requires torch, transformers, safetensors (PyPI). Run from the repository root:
    python3 Scripts/reference/make_clip_text_fixtures.py
Writes Tests/Fixtures/references/clip-text-extras.safetensors.
"""
import os

import torch
import transformers
from safetensors.torch import save_file
from transformers import CLIPTextModel, CLIPTokenizer

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PIPELINE = os.path.join(ROOT, "Tests", "Fixtures", "pipelines", "sd1-tiny")
OUT = os.path.join(ROOT, "Tests", "Fixtures", "references", "clip-text-extras.safetensors")

PROMPTS = ["a red cube on a wooden table", "two cats", "an oil painting of a lighthouse at dusk, stormy sea"]
SHORT_LENGTH = 20


def crafted_ids():
    """Row 0 has no EOS token (transformers pools position 0; the legacy path pools the first largest id, at 5);
    row 1 is a normal prompt whose EOS is followed by padding with the pad id 0."""
    row0 = [320, 1125, 539, 320, 2368, 40000, 7, 40000] + [0] * 69
    row1 = [49406, 320, 2368, 49407] + [0] * 73
    return torch.tensor([row0, row1], dtype=torch.int64)


@torch.no_grad()
def main():
    torch.set_num_threads(1)
    model = CLIPTextModel.from_pretrained(os.path.join(PIPELINE, "text_encoder")).eval()
    tokenizer = CLIPTokenizer.from_pretrained(os.path.join(PIPELINE, "tokenizer"))
    out = {}

    tokens = tokenizer(PROMPTS, padding="max_length", max_length=77, truncation=True, return_tensors="pt")
    ids, mask = tokens.input_ids.to(torch.int64), tokens.attention_mask.to(torch.int64)
    out["input_ids"] = ids
    result = model(ids, output_hidden_states=True)
    out["last_hidden_state"] = result.last_hidden_state
    out["pooled_output"] = result.pooler_output
    for index, hidden in enumerate(result.hidden_states):
        out[f"hidden_states.{index}"] = hidden
    # diffusers' encode_prompt with clip_skip=1: the pre-final layer's output through final_layer_norm.
    out["clip_skip1"] = model.final_layer_norm(result.hidden_states[-2])

    out["attention_mask"] = mask
    out["masked.last_hidden_state"] = model(ids, attention_mask=mask).last_hidden_state
    # Left padding: the first query rows see no key at all (causal + padding).
    left_mask = torch.ones_like(mask)
    left_mask[0, :3] = 0
    left_mask[2, :1] = 0
    out["left_mask"] = left_mask
    out["left_masked.last_hidden_state"] = model(ids, attention_mask=left_mask).last_hidden_state

    short_ids = ids[:, :SHORT_LENGTH].contiguous()
    out["short.input_ids"] = short_ids
    out["short.last_hidden_state"] = model(short_ids).last_hidden_state

    crafted = crafted_ids()
    out["crafted.input_ids"] = crafted
    out["crafted.pooled_output"] = model(crafted).pooler_output
    model.eos_token_id = 2  # as a config with the pre-#24773 eos_token_id builds it
    out["crafted.legacy_pooled_output"] = model(crafted).pooler_output
    model.eos_token_id = model.config.eos_token_id

    # Textual inversion: one new token appended to the embedding table.
    generator = torch.Generator().manual_seed(20261123)
    vector = torch.randn((model.config.hidden_size,), generator=generator)
    vocab = model.config.vocab_size
    model.resize_token_embeddings(vocab + 1)
    model.get_input_embeddings().weight[vocab] = vector
    inversion_ids = ids[:1].clone()
    inversion_ids[0, 2] = vocab
    out["inversion.vector"] = vector
    out["inversion.input_ids"] = inversion_ids
    out["inversion.last_hidden_state"] = model(inversion_ids).last_hidden_state

    tensors = {key: value.contiguous() for key, value in out.items()}
    save_file(tensors, OUT, metadata={
        "generator": "Scripts/reference/make_clip_text_fixtures.py", "transformers": transformers.__version__,
        "torch": torch.__version__, "attn_implementation": model.config._attn_implementation,
        "prompts": " | ".join(PROMPTS)})
    print(f"{OUT}: {len(tensors)} tensors")


if __name__ == "__main__":
    main()
