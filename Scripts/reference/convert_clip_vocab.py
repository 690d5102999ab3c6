#!/usr/bin/env python3
"""Converts OpenAI CLIP's BPE file (bpe_simple_vocab_16e6.txt.gz, as shipped in the open-clip-torch wheel)
into the vocab.json + merges.txt pair that Hugging Face's openai/clip-vit-large-patch14 tokenizer uses.

Layout of the 49,408-token vocabulary (the same construction as CLIP's SimpleTokenizer):
  ids 0..255        the 256 byte symbols of bytes_to_unicode(), in its order
  ids 256..511      the same symbols followed by "</w>"
  ids 512..49405    the result of each of the first 48,894 merges, in merge order
  ids 49406, 49407  <|startoftext|>, <|endoftext|>
merges.txt holds a "#version: 0.2" header and then those 48,894 merge lines.

Usage: python3 Scripts/reference/convert_clip_vocab.py [--bpe PATH] [--out DIR]
Re-runnable; writes DIR/vocab.json and DIR/merges.txt (default DIR: Sources/LetheModels/Resources/clip).
"""
import argparse
import gzip
import json
import os

MERGE_COUNT = 49152 - 256 - 2  # the merges CLIP actually uses: 48,894
SPECIAL_TOKENS = ["<|startoftext|>", "<|endoftext|>"]


def bytes_to_unicode():
    """GPT-2/CLIP's reversible map from bytes to printable Unicode characters."""
    printable = (list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
                 + list(range(ord("®"), ord("ÿ") + 1)))
    codes = printable[:]
    extra = 0
    for byte in range(256):
        if byte not in printable:
            printable.append(byte)
            codes.append(256 + extra)
            extra += 1
    return dict(zip(printable, [chr(c) for c in codes]))


def default_bpe_path():
    import open_clip  # only to locate the wheel's file

    return os.path.join(os.path.dirname(open_clip.__file__), "bpe_simple_vocab_16e6.txt.gz")


def main():
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bpe", default=None, help="path of bpe_simple_vocab_16e6.txt.gz (default: open_clip's)")
    parser.add_argument("--out", default=os.path.join(root, "Sources", "LetheModels", "Resources", "clip"))
    args = parser.parse_args()

    with gzip.open(args.bpe or default_bpe_path()) as handle:
        lines = handle.read().decode("utf-8").split("\n")
    merge_lines = lines[1 : 1 + MERGE_COUNT]  # line 0 is the file's header
    merges = [tuple(line.split()) for line in merge_lines]
    assert len(merges) == MERGE_COUNT and all(len(m) == 2 for m in merges), "unexpected BPE file layout"

    symbols = list(bytes_to_unicode().values())
    tokens = symbols + [s + "</w>" for s in symbols] + ["".join(m) for m in merges] + SPECIAL_TOKENS
    vocab = {token: index for index, token in enumerate(tokens)}
    assert len(vocab) == len(tokens) == 49408, "duplicate tokens in the converted vocabulary"

    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "vocab.json"), "w", encoding="utf-8") as handle:
        handle.write(json.dumps(vocab, ensure_ascii=False))
    with open(os.path.join(args.out, "merges.txt"), "w", encoding="utf-8") as handle:
        handle.write("#version: 0.2\n" + "".join(" ".join(m) + "\n" for m in merges))
    print(f"wrote {len(vocab)} tokens and {len(merges)} merges to {args.out}")


if __name__ == "__main__":
    main()
