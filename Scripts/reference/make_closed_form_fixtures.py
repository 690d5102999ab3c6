#!/usr/bin/env python3
"""Float64 reference of UCE and RECE on the tiny fixture pipelines, written independently of Lethe from the authors'
code: rohitgandikota/unified-concept-editing (train-scripts/train_erase.py `edit_model` for the paper's variant,
trainscripts/uce_sd_erase.py `UCE` for the single-token variant) and CharlesGong12/RECE (train.py,
erase_methods/uce.py `edit_model_adversarial`, utils/embedding_calculation/close_form_emb.py
`close_form_emb_regzero`, and `close_form_emb` for close_standardreg and close_surrogatereg). `add_prompts` is
train_erase.py's `--add_prompts` (each concept followed by its templates, guide unchanged) for the paper's variant and
uce_sd_erase.py's `--expand_prompts` (templates after all concepts, guides in the same templates) for single-token.

The loops follow the authors' structure (per projection, per erase pair, per preserved prompt, explicit inverse);
only the arithmetic is float64 instead of float32. The text encoder runs in float32 (as Lethe's does) and its outputs
are widened to float64.

Requires torch, diffusers, transformers, safetensors. Run from the repository root:
    python3 Scripts/reference/make_closed_form_fixtures.py
Writes Tests/Fixtures/references/closed-form.safetensors: `<case>.<weight name>` for every edited attn2 to_k/to_v,
and `<case>.adversarial.<concept index>.<epoch>` for RECE's adversarial embeddings; the cases' settings are in the
file's metadata as JSON.

    python3 Scripts/reference/make_closed_form_fixtures.py --keep-existing
computes only the cases the file lacks (or whose settings changed) and copies the others' tensors unchanged: the
float32 text encoder gives outputs about 1e-6 apart (relative) under other torch builds, so regenerating everything
would move cases that are already checked.

    python3 Scripts/reference/make_closed_form_fixtures.py --check-folder DIR
loads an erased diffusers folder with StableDiffusionPipeline.from_pretrained and runs the UNet once (exit 0 if it
loads and the output is finite).
"""
import json
import os
import sys

import torch
from safetensors.torch import save_file

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PIPELINES = os.path.join(ROOT, "Tests", "Fixtures", "pipelines")
OUT = os.path.join(ROOT, "Tests", "Fixtures", "references", "closed-form.safetensors")

CASES = {
    # The paper's UCE, replace: two concepts towards the unconditional prompt, two preserved prompts ("" is added).
    "uce-paper-replace": dict(pipeline="sd1-tiny", concepts=["Van Gogh", "nudity"], guides=[" "],
                              preserve=["a photo of a dog", "mountain landscape"], lamb=0.5, erase_scale=1.0,
                              preserve_scale=None, technique="replace", variant="paper"),
    # The paper's UCE, tensor technique, towards "art", nothing preserved but "".
    "uce-paper-tensor": dict(pipeline="sd1-tiny", concepts=["Kelly McKernan"], guides=["art"], preserve=[],
                             lamb=0.5, erase_scale=1.0, preserve_scale=None, technique="tensor", variant="paper"),
    # The later single-token UCE on the SD2-style fixture (width 16).
    "uce-single-token": dict(pipeline="sd2-tiny", concepts=["golden retriever", "church"], guides=["dog", ""],
                             preserve=["cat", "a red car"], lamb=0.5, erase_scale=1.0, preserve_scale=None,
                             technique="replace", variant="single-token"),
    # RECE on top of the paper's UCE: nudity's settings with two epochs.
    "rece-nudity": dict(pipeline="sd1-tiny", concepts=["nudity"], guides=[" "], preserve=[], lamb=0.5,
                        erase_scale=1.0, preserve_scale=None, technique="replace", variant="paper",
                        rece=dict(epochs=2, reg=0.1, lamb=0.1, erase_scale=1.0, preserve_scale=0.1,
                                  technique="replace")),
    # RECE with preserved prompts and the tensor technique in its epochs.
    "rece-artist-tensor": dict(pipeline="sd2-tiny", concepts=["Thomas Kinkade", "Kilian Eng"], guides=["art"],
                               preserve=["Claude Monet"], lamb=0.5, erase_scale=1.0, preserve_scale=None,
                               technique="replace", variant="paper",
                               rece=dict(epochs=1, reg=1e-3, lamb=0.1, erase_scale=1.0, preserve_scale=0.1,
                                         technique="tensor")),
    # The paper's UCE with the art templates (train_erase.py --add_prompts, --concept_type art).
    "uce-add-prompts-art": dict(pipeline="sd1-tiny", concepts=["Van Gogh", "Kelly McKernan"], guides=["art"],
                                preserve=["Claude Monet"], lamb=0.5, erase_scale=1.0, preserve_scale=None,
                                technique="replace", variant="paper", add_prompts="art"),
    # Single-token UCE with the object templates (uce_sd_erase.py --expand_prompts true --concept_type object).
    "uce-add-prompts-object": dict(pipeline="sd2-tiny", concepts=["golden retriever", "church"], guides=["dog", ""],
                                   preserve=["cat"], lamb=0.5, erase_scale=1.0, preserve_scale=None,
                                   technique="replace", variant="single-token", add_prompts="object"),
    # RECE's close_standardreg: regularised towards the old target concept (here each concept's guide).
    "rece-standardreg": dict(pipeline="sd1-tiny", concepts=["Van Gogh", "nudity"], guides=["art", " "], preserve=[],
                             lamb=0.5, erase_scale=1.0, preserve_scale=None, technique="replace", variant="paper",
                             rece=dict(epochs=2, reg=0.1, lamb=0.1, erase_scale=1.0, preserve_scale=0.1,
                                       technique="replace", variant="standardreg")),
    # RECE's close_surrogatereg with train.py's default --reg_item 1st.
    "rece-surrogatereg": dict(pipeline="sd1-tiny", concepts=["nudity"], guides=[" "], preserve=[], lamb=0.5,
                              erase_scale=1.0, preserve_scale=None, technique="replace", variant="paper",
                              rece=dict(epochs=2, reg=0.1, lamb=0.1, erase_scale=1.0, preserve_scale=0.1,
                                        technique="replace", variant="surrogatereg", reg_item="1st")),
    # close_surrogatereg with --reg_item 2nd, with a preserved prompt.
    "rece-surrogatereg-2nd": dict(pipeline="sd2-tiny", concepts=["Thomas Kinkade"], guides=["art"],
                                  preserve=["Claude Monet"], lamb=0.5, erase_scale=1.0, preserve_scale=None,
                                  technique="replace", variant="paper",
                                  rece=dict(epochs=1, reg=0.1, lamb=0.1, erase_scale=1.0, preserve_scale=0.1,
                                            technique="replace", variant="surrogatereg", reg_item="2nd")),
    # close_surrogatereg with --reg_item both.
    "rece-surrogatereg-both": dict(pipeline="sd2-tiny", concepts=["Kilian Eng"], guides=["art"], preserve=[],
                                   lamb=0.5, erase_scale=1.0, preserve_scale=None, technique="replace",
                                   variant="paper",
                                   rece=dict(epochs=2, reg=0.1, lamb=0.1, erase_scale=1.0, preserve_scale=0.1,
                                             technique="replace", variant="surrogatereg", reg_item="both")),
}

# train_erase.py's additional_prompts / uce_sd_erase.py's expansions, per --concept_type.
TEMPLATES = {
    "art": ["painting by {concept}", "art by {concept}", "artwork by {concept}", "picture by {concept}",
            "style of {concept}"],
    "object": ["image of {concept}", "photo of {concept}", "portrait of {concept}", "picture of {concept}",
               "painting of {concept}"],
}


def load(name):
    from diffusers import UNet2DConditionModel
    from transformers import CLIPTextModel, CLIPTokenizer
    folder = os.path.join(PIPELINES, name)
    variant = "fp16" if name == "sd2-tiny" else None
    tokenizer = CLIPTokenizer.from_pretrained(folder, subfolder="tokenizer")
    text_encoder = CLIPTextModel.from_pretrained(folder, subfolder="text_encoder", variant=variant,
                                                 torch_dtype=torch.float32).eval()
    unet = UNet2DConditionModel.from_pretrained(folder, subfolder="unet", variant=variant,
                                                torch_dtype=torch.float32).eval()
    return tokenizer, text_encoder, unet


# The arithmetic's precision: float64 for the fixtures; Scripts/bench/rece_torch.py sets float32, as the authors.
DTYPE = torch.float64


def projections(unet):
    """Names and weights of every attn2 to_v, then every attn2 to_k (the authors' order)."""
    layers = [(name, module) for name, module in unet.named_modules() if name.endswith("attn2")]
    values = [(f"{name}.to_v.weight", module.to_v.weight.detach().to(DTYPE).clone()) for name, module in layers]
    keys = [(f"{name}.to_k.weight", module.to_k.weight.detach().to(DTYPE).clone()) for name, module in layers]
    return values + keys


@torch.no_grad()
def encode(tokenizer, text_encoder, text):
    ids = tokenizer(text, padding="max_length", max_length=tokenizer.model_max_length, truncation=True,
                    return_tensors="pt")
    embedding = text_encoder(ids.input_ids)[0][0].to(DTYPE)
    return embedding, int(ids.attention_mask[0].sum().item())


def edit(weights, pairs, retained, lamb, erase_scale, preserve_scale, technique):
    """One closed-form edit of every projection, as the authors' per-layer loop: pairs are (concept rows, guide rows)
    already aligned; retained are the preserved prompts' rows (all of them are used as context and value source)."""
    edited = []
    for name, W in weights:
        mat1 = lamb * W
        mat2 = lamb * torch.eye(W.shape[1], dtype=DTYPE)
        for old_emb, new_emb in pairs:
            if technique == "tensor":
                u = old_emb @ W.T
                u = u / u.norm()
                new_embs = new_emb @ W.T
                target = new_embs - (u * new_embs).sum() * u
            else:
                target = new_emb @ W.T
            for_mat1 = (target.unsqueeze(2) @ old_emb.unsqueeze(1)).sum(dim=0)
            for_mat2 = (old_emb.unsqueeze(2) @ old_emb.unsqueeze(1)).sum(dim=0)
            mat1 = mat1 + erase_scale * for_mat1
            mat2 = mat2 + erase_scale * for_mat2
        for rows in retained:
            value = rows @ W.T
            mat1 = mat1 + preserve_scale * (value.unsqueeze(2) @ rows.unsqueeze(1)).sum(dim=0)
            mat2 = mat2 + preserve_scale * (rows.unsqueeze(2) @ rows.unsqueeze(1)).sum(dim=0)
        edited.append((name, mat1 @ torch.inverse(mat2)))
    return edited


def expand(case, concepts, guides):
    """The erase prompts and their guides with the authors' prompt expansion (none without add_prompts)."""
    if not case.get("add_prompts"):
        return concepts, guides
    templates = TEMPLATES[case["add_prompts"]]
    if case["variant"] == "paper":
        # train_erase.py: old_texts = concept, then its templates; new_texts = the concept's guide for each.
        old_texts, new_texts = [], []
        for concept, guide in zip(concepts, guides):
            old_texts += [concept] + [t.format(concept=concept) for t in templates]
            new_texts += [guide] * (1 + len(templates))
        return old_texts, new_texts
    # uce_sd_erase.py: edit_concepts.extend / guide_concepts.extend after all the concepts.
    old_texts, new_texts = list(concepts), list(guides)
    for concept, guide in zip(concepts, guides):
        old_texts += [t.format(concept=concept) for t in templates]
        new_texts += [t.format(concept=guide) for t in templates]
    return old_texts, new_texts


def uce(case, tokenizer, text_encoder, weights):
    concepts = case["concepts"]
    guides = case["guides"] * len(concepts) if len(case["guides"]) == 1 else case["guides"]
    concepts, guides = expand(case, concepts, guides)
    pairs = []
    for concept, guide in zip(concepts, guides):
        old, old_count = encode(tokenizer, text_encoder, concept)
        new, new_count = encode(tokenizer, text_encoder, guide)
        old_last, new_last = old_count - 2, new_count - 2
        if case["variant"] == "paper":
            # train_erase.py: from the last word token to the end, the longer prompt's tail cut off.
            farthest = max(old_last, new_last)
            pairs.append((old[old_last:len(old) - max(0, farthest - old_last)],
                          new[new_last:len(new) - max(0, farthest - new_last)]))
        else:
            pairs.append((old[old_last:old_last + 1], new[new_last:new_last + 1]))
    if case["variant"] == "paper":
        retained_texts = [""] + case["preserve"]
        retained = [encode(tokenizer, text_encoder, text)[0] for text in retained_texts]
        scale = case["preserve_scale"] or max(0.1, 1 / len(retained_texts))
    else:
        retained = []
        for text in case["preserve"]:
            embedding, count = encode(tokenizer, text_encoder, text)
            retained.append(embedding[count - 2:count - 1])
        scale = case["preserve_scale"] or 1.0
    return edit(weights, pairs, retained, case["lamb"], case["erase_scale"], scale, case["technique"])


def rece(case, tokenizer, text_encoder, original, current):
    settings = case["rece"]
    concepts = case["concepts"]
    guides = case["guides"] * len(concepts) if len(case["guides"]) == 1 else case["guides"]
    retained_texts = [" "] * len(concepts) if not case["preserve"] else [""] + case["preserve"]
    retained = [encode(tokenizer, text_encoder, text)[0] for text in retained_texts]
    adversarial = {}
    for epoch in range(settings["epochs"]):
        pairs = []
        for index, (concept, guide) in enumerate(zip(concepts, guides)):
            concept_embedding = encode(tokenizer, text_encoder, concept)[0]
            hidden = concept_embedding.shape[1]
            variant = settings.get("variant", "regzero")
            if variant == "regzero":
                mat1 = torch.eye(hidden, dtype=DTYPE) * settings["reg"]
                mat2 = torch.zeros(hidden, hidden, dtype=DTYPE)
                for (_, W), (_, W0) in zip(current, original):
                    mat1 = mat1 + W.T @ W
                    mat2 = mat2 + W.T @ W0
                coefficient = torch.inverse(mat1) @ mat2
                adv = concept_embedding @ coefficient.T
            elif variant == "standardreg":
                adv = close_form_standardreg(concept_embedding, encode(tokenizer, text_encoder, guide)[0],
                                             current, original, settings["reg"])
            else:
                adv = close_form_surrogatereg(concept_embedding, current, original, settings["reg"],
                                              settings["reg_item"])
            adversarial[f"{index}.{epoch + 1}"] = adv
            pairs.append((adv, encode(tokenizer, text_encoder, guide)[0]))
        current = edit(current, pairs, retained, settings["lamb"], settings["erase_scale"], settings["preserve_scale"],
                       settings["technique"])
    return current, adversarial


def close_form_standardreg(concept_embedding, old_target_embedding, current, original, reg):
    """close_form_emb with old_target_concept given (train.py's close_standardreg)."""
    hidden = concept_embedding.shape[1]
    mat1 = torch.eye(hidden, dtype=DTYPE) * reg
    mat2_1 = old_target_embedding.clone()
    mat2_2 = torch.zeros(hidden, hidden, dtype=DTYPE)
    for (_, W), (_, W0) in zip(current, original):
        mat1 = mat1 + W.T @ W
        mat2_2 = mat2_2 + W.T @ W0
    mat2 = mat2_1 * reg + concept_embedding @ mat2_2.T
    return mat2 @ torch.inverse(mat1).T


def close_form_surrogatereg(concept_embedding, current, original, reg, reg_item):
    """close_form_emb with old_target_concept None (train.py's close_surrogatereg), its reg_item branches as written:
    '1st' has no identity term; 'both' and '2nd' start from reg * I."""
    hidden = concept_embedding.shape[1]
    if "1" in reg_item:
        mat1 = torch.zeros(hidden, hidden, dtype=DTYPE)
        mat2 = torch.zeros(hidden, hidden, dtype=DTYPE)
    elif reg_item == "both" or "2" in reg_item:
        mat1 = torch.eye(hidden, dtype=DTYPE) * reg
        mat2 = torch.eye(hidden, dtype=DTYPE) * reg
    else:
        raise NotImplementedError(reg_item)
    for (_, W), (_, W0) in zip(current, original):
        if reg_item == "both" or "1" in reg_item:
            mat1 = mat1 + (W.T @ W) * (1 + reg)
            mat2 = mat2 + W.T @ W0 + reg * (W.T @ W)
        elif "2" in reg_item:
            mat1 = mat1 + W.T @ W
            mat2 = mat2 + W.T @ W0
        else:
            raise NotImplementedError(reg_item)
    coefficient = torch.inverse(mat1) @ mat2
    return concept_embedding @ coefficient.T


def existing_cases():
    """The cases already in OUT whose settings are unchanged, with their tensors (for --keep-existing)."""
    from safetensors import safe_open
    if not os.path.exists(OUT):
        return {}
    with safe_open(OUT, "pt") as reference:
        written = json.loads((reference.metadata() or {}).get("cases", "{}"))
        kept = {}
        for case_name, case in written.items():
            if CASES.get(case_name) == case:
                kept[case_name] = {key: reference.get_tensor(key) for key in reference.keys()
                                   if key.startswith(case_name + ".")}
        return kept


def make_fixtures(keep_existing=False):
    tensors = {}
    loaded = {}
    kept = existing_cases() if keep_existing else {}
    for case_name, case in CASES.items():
        if case_name in kept:
            # The text encoder runs in float32, so another torch build moves its outputs (and every value
            # downstream) by about 1e-6 relative; kept cases stay as first written.
            tensors.update(kept[case_name])
            print(f"kept {case_name} from {OUT}")
            continue
        if case["pipeline"] not in loaded:
            loaded[case["pipeline"]] = load(case["pipeline"])
        tokenizer, text_encoder, unet = loaded[case["pipeline"]]
        original = projections(unet)
        edited = uce(case, tokenizer, text_encoder, original)
        if "rece" in case:
            edited, adversarial = rece(case, tokenizer, text_encoder, original, edited)
            for key, value in adversarial.items():
                tensors[f"{case_name}.adversarial.{key}"] = value.contiguous()
        for name, weight in edited:
            tensors[f"{case_name}.{name}"] = weight.contiguous()
    save_file(tensors, OUT, metadata={"cases": json.dumps(CASES)})
    print(f"wrote {OUT}: {len(tensors)} tensors")


def check_folder(folder):
    from diffusers import StableDiffusionPipeline
    # A model stored as the fp16 variant only is loaded with that variant, as its users would.
    variant = "fp16" if any(".fp16" in name for name in os.listdir(os.path.join(folder, "unet"))) else None
    pipe = StableDiffusionPipeline.from_pretrained(folder, safety_checker=None, requires_safety_checker=False,
                                                   variant=variant, torch_dtype=torch.float32)
    unet = pipe.unet
    size = unet.config.sample_size if isinstance(unet.config.sample_size, int) else unet.config.sample_size[0]
    sample = torch.randn(1, unet.config.in_channels, size, size, generator=torch.Generator().manual_seed(0))
    ids = pipe.tokenizer("a photo", padding="max_length", max_length=pipe.tokenizer.model_max_length,
                         return_tensors="pt").input_ids
    with torch.no_grad():
        output = unet(sample, 10, pipe.text_encoder(ids)[0]).sample
    if not torch.isfinite(output).all():
        sys.exit(f"{folder}: the UNet's output is not finite")
    print(f"diffusers loaded {folder}: UNet output {tuple(output.shape)}, finite")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--check-folder":
        check_folder(sys.argv[2])
    else:
        make_fixtures(keep_existing=sys.argv[1:] == ["--keep-existing"])
