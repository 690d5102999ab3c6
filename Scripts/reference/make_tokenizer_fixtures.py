#!/usr/bin/env python3
"""Makes the CLIP tokenizer fixtures: Hugging Face's token ids for a few hundred varied prompts.

The reference is transformers' *slow* Python `CLIPTokenizer` (transformers 4.x; version 5 removed it) loaded from
the converted vocabulary in Sources/LetheModels/Resources/clip, in the mode diffusers users get without the optional
`ftfy` package: BasicTokenizer clean-up (control characters dropped, spaces around CJK ideographs, NFC, lower-case).
The fixture also holds transformers 5's ids where they differ (for the `.fast` compatibility mode), and ids with
overlapping added tokens and with added tokens carrying lstrip / rstrip / single_word flags. The same prompts are
also run through
  * the slow tokenizer with ftfy installed (ftfy.fix_text + whitespace clean-up + lower-case),
  * CLIPTokenizerFast of transformers 4.x and transformers 5's CLIPTokenizer (both backed by `tokenizers`),
  * open_clip's SimpleTokenizer (the original CLIP tokenizer, with ftfy), which must equal the slow ftfy mode and so
    checks the converted vocabulary against CLIP's own construction,
and the script prints where those differ from the reference.

Transformers 4.x runs in its own virtual environment (created on first use under ~/.cache/lethe/, with pip, or
given with --transformers4-python); this script itself runs with the system's Python (transformers 5, open_clip).

Writes Tests/LetheModelsTests/Fixtures/tokenizer/:
  clip_reference.json   prompts, added tokens and the expected ids for both pad tokens
  tiny/                 a small tokenizer saved by Hugging Face in both formats (vocab.json + merges.txt, and
                        tokenizer.json with merges as strings and as pairs) with its expected ids

With --fast-only it needs no transformers 4 and writes only
  clip_reference_fast.json  transformers 5's ids (what diffusers gets today, and Lethe's default) for the prompts
                            above plus parity_prompts() and random Unicode, loading the two pipeline fixtures'
                            tokenizer folders as diffusers does: Tests/Fixtures/pipelines/sd1-tiny/tokenizer
                            (vocab.json + merges.txt, pad <|endoftext|>) and sd2-tiny/tokenizer (tokenizer.json,
                            pad "!"). The committed file was made with transformers 5.24.0 and tokenizers 0.23.3 under
                            Python 3.11 (the random Unicode prompts draw from that Python's `unicodedata`; the prompts
                            are stored in the file, so the tests do not depend on it).

Usage: python3 Scripts/reference/make_tokenizer_fixtures.py [--transformers4-python PATH | --fast-only]
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
VOCAB_DIR = os.path.join(ROOT, "Sources", "LetheModels", "Resources", "clip")
FIXTURE_DIR = os.path.join(ROOT, "Tests", "LetheModelsTests", "Fixtures", "tokenizer")
VENV = os.path.expanduser("~/.cache/lethe/venv-transformers4")
MAX_LENGTH = 77
PAD_TOKENS = ["<|endoftext|>", "!"]  # SD 1.x, SD 2.x
TOKEN_TEXT_PROMPTS = 60
RANDOM_UNICODE_PROMPTS = 150
ADDED_TOKENS = ["<cat-toy>", "<cat-toy>_1", "<a>", "<b>", "<ab>", "S*", "toy"]
# Overlapping added tokens that exercise the corners of transformers' trie (e.g. "xyqz" is left whole: the look-ahead
# of the partial match "xy" skips a character).
TRIE_TOKENS = ["xyz", "y", "abcd", "bc", "ab", "<a>", "<a><b>", "qq"]
# Added tokens with transformers' lstrip / rstrip / single_word flags ([content, lstrip, rstrip, single_word]).
FLAG_TOKENS = [["<ls>", True, False, False], ["<rs>", False, True, False], ["<sw>", False, False, True],
               ["cat", False, False, True]]
FLAG_PROMPTS = ["a <ls> b", "a<ls>b", "a <rs> b", "a<rs>b", "a <sw> b", "a<sw>b", "<sw>b", "a<sw>", "x <sw>y z",
                "cat concatenate cats a cat.", "<ls><rs><sw>", "  <ls>  <rs>  ", "<sw> <sw>", "cat<sw>cat"]
TRIE_PROMPTS = ["xyqz", "xyz", "xy", "axyzb", "xyy", "yy", "abcd", "abc", "abce", "bcd", "aabcdd", "abcbcd", "<a><b>",
                "<a><b><a>", "<a><a><b>", "<a>", "<a><", "xyabcdz", "qqq", "qqqq", "xqqy", "a b c d", "XYZ abcd"]


# ---------------------------------------------------------------------------------------------------------------------
# Prompts


def handwritten_prompts():
    return [
        "",
        " ",
        "   \t\n  ",
        "a photo of a cat",
        "A Photo Of A CAT",
        "an astronaut riding a horse on mars, highly detailed, 8k, trending on artstation",
        "a painting of a fox in the style of Van Gogh",
        "portrait of a woman, oil on canvas, by Greg Rutkowski and Alphonse Mucha",
        "  leading and trailing spaces  ",
        "multiple     spaces    between   words",
        "tabs\tand\ttabs\t\tand newlines\nand\r\ncarriage returns",
        "vertical\x0btab and form\x0cfeed and file\x1cseparator",
        "non\u00a0breaking\u2003em space\u3000ideographic space\u2028line\u2029paragraph",
        "nul\x00byte and replacement \ufffd char and bell\x07",
        "zero\u200bwidth space, zero\u200dwidth joiner, soft\u00adhyphen, bom\ufeffmark",
        "caf\u00e9 na\u00efve r\u00e9sum\u00e9 fa\u00e7ade",
        "cafe\u0301 nai\u0308ve (combining accents, NFC)",
        "\u00c9COLE \u00c0 PARIS, \u00c5NGSTR\u00d6M",
        "stra\u00dfe STRASSE Stra\u1e9ee",
        "\u0130stanbul DIYARBAKIR \u0131\u015f\u0131k",
        "\u039f\u0394\u03a5\u03a3\u03a3\u0395\u03a5\u03a3 \u03a3\u039f\u03a6\u039f\u03a3 \u03a3",
        "\u03a3\u0391\u03a3. \u0391\u03a3' \u039c\u0391\u03a3\u0301",
        "\u0430\u0441\u0442\u0440\u043e\u043d\u0430\u0432\u0442 \u043d\u0430 "
        "\u043b\u043e\u0448\u0430\u0434\u0438 \u041c\u041e\u0421\u041a\u0412\u0410",
        "\u5b87\u822a\u5458\u9a91\u9a6c",
        "\u4e00\u5f20\u732b\u7684\u7167\u7247, a photo of a cat",
        "\u6771\u4eac\u30bf\u30ef\u30fc\u3068\u5bcc\u58eb\u5c71\u306e\u5199\u771f",
        "\u3072\u3089\u304c\u306a \u30ab\u30bf\u30ab\u30ca \u6f22\u5b57\u6df7\u3058\u308a",
        "\ud55c\uad6d\uc5b4 \ubb38\uc7a5\uc785\ub2c8\ub2e4",
        "\u1100\u1161\u11a8 (conjoining jamo)",
        "\u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645",
        "\u0928\u092e\u0938\u094d\u0924\u0947 \u0926\u0941\u0928\u093f\u092f\u093e",
        "\u0e2a\u0e27\u0e31\u0e2a\u0e14\u0e35\u0e04\u0e23\u0e31\u0e1a",
        "\u05e9\u05dc\u05d5\u05dd \u05e2\u05d5\u05dc\u05dd",
        "emoji \U0001f431\U0001f680\U0001f308 in a row",
        "family \U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466 zwj sequence",
        "flags \U0001f1eb\U0001f1f7\U0001f1ef\U0001f1f5 and skin tone \U0001f44d\U0001f3fd",
        "heart \u2764\ufe0f and star \u2b50 and keycap 1\ufe0f\u20e3",
        "\U0001f600",
        "!!!",
        "hello!! world!",
        "what?!?! no way...",
        "wow!!!!!! amazing!!!",
        "(((masterpiece))), [[best quality]], {ultra detailed}",
        "(cat:1.2), (dog:0.8), [bird|fish]",
        "--ar 16:9 --v 5 --no text",
        "a---b___c...d,,,e;;;f",
        "emdash\u2014endash\u2013ellipsis\u2026bullet\u2022",
        "\u201csmart quotes\u201d and \u2018single\u2019 quotes",
        "it's a dog's life, isn't it? they're here, we've seen, I'm sure, you'll see, he'd go",
        "IT'S DON'T THEY'RE WE'VE I'M YOU'LL HE'D",
        "y'all'd've",
        "rock'n'roll and o'clock and 'quoted' and ''s",
        "don\u2019t it\u2019s (curly apostrophes)",
        "long s: '\u017f and \u017ftar and '\u017fs",
        "'s 't 're 've 'm 'll 'd",
        "12345 67890",
        "3.14159 and 2,718 and 1e10 and 0x1F",
        "year 2023, 4k, 8K UHD, 1920x1080, 35mm f/1.8",
        "\u00bd \u00be \u2155 superscript\u00b2 \u00b3 subscript\u2082",
        "roman \u2160\u2161\u2162 \u216b circled \u2460\u2461 \u24b6\u24d0",
        "fullwidth \uff21\uff22\uff23 \uff11\uff12\uff13 \uff01\uff1f",
        "arabic-indic \u0661\u0662\u0663 devanagari \u0967\u0968\u0969",
        "math \U0001d400\U0001d41a \U0001d7ce\U0001d7cf",
        "ligatures \ufb01 \ufb02 \ufb03 \ufb06",
        "kelvin \u212a and ohm \u2126 and angstrom \u212b",
        "combining ypogegrammeni a\u0345b \u0345 \u03b1\u0345",
        "variation selector a\ufe0fb and text\ufe0e",
        "private use \ue000\uf8ff and plane 15 \U000f0000",
        "&amp; &lt;b&gt; &quot;quoted&quot; &#39;apos&#39; &nbsp; &copy; &#x263A;",
        "<b>bold</b> <i>italic</i> <br/> html tags",
        "a &amp b &ampersand",
        "https://example.com/path?query=1&other=two#frag",
        "user@example.com #hashtag @mention $100 50% ^caret ~tilde `backtick`",
        "C:\\Users\\name\\file.txt and /usr/bin/env",
        "snake_case_name camelCaseName kebab-case-name",
        "<|startoftext|>",
        "<|endoftext|>",
        "a <|endoftext|> b <|startoftext|> c",
        "<|startoftext|><|endoftext|><|startoftext|>",
        "<|ENDOFTEXT|> and <|EndOfText|>",
        "!!<|endoftext|>!!",
        "<|endoftext|",
        "<|endof text|>",
        "<|\u017ftartoftext|>",
        "Mixed CaSe WoRdS and ALLCAPS and lowercase",
        "McDonald's iPhone eBay YouTube",
        "supercalifragilisticexpialidocious pneumonoultramicroscopicsilicovolcanoconiosis",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "a a a a a a a a a a",
        "cat cat cat cat",
        "concatenate cathedral toy toys toyota",
        "\u00c6sir \u00d8resund \u0152uvre \u0153uvre \u00fe\u00f0",
        "\u1e9e \u00df SS",
        "\u01c5 \u01c4 \u01c6 titlecase dz",
        "\u0130 \u0049\u0307 i\u0307",
        "\u2126 \u03a9 \u03c9",
        "hi\u00adphen\u00ad",
        "end with punctuation.",
        ".leading punctuation",
        "a.b.c.d",
        "mid-century modern, art-deco, post-apocalyptic",
        "one,two,three",
        "\u00a9 \u00ae \u2122 \u00b0C \u00b5m",
        "\u20ac100 \u00a350 \u00a5300 \u20b9200",
        "\u2192 \u2190 \u2191 \u2193 \u21d2",
        "\u2605\u2606\u2665\u2666\u2663\u2660",
        "\u266a\u266b music notes",
        "box \u2500\u2502\u250c\u2510 drawing",
        "braille \u2800\u2801\u2803",
        "\u0300\u0301 leading combining marks",
        "\u3000\u3000\u5168\u89d2\u7a7a\u767d",
        "\u4e2d\u6587\u6807\u70b9\uff0c\u3002\uff01\uff1f",
        "\u3010\u62ec\u5f27\u3011\u300c\u5f15\u7528\u300d",
        "CJK extension \U00020000\U0002a700 compat \uf900\uf901 radical \u2f00",
        "hiragana\u3042\u3044\u3046and\u6f22\u5b57mixed",
        "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9",
        "\u0142\u00f3d\u017a \u017c\u00f3\u0142w \u0141\u00d3D\u0179",
        "\u0161\u010d\u0159\u017e\u00fd\u00e1\u00ed\u00e9 \u0160\u010c\u0158\u017d",
        "Vi\u1ec7t Nam \u0111\u1eb9p",
        "\u1f08\u03b8\u03ae\u03bd\u03b1 \u1f00\u03c1\u03c7\u03ae",
        "new\nline\n\n\nmany",
        "\r\n\r\n",
        "\t",
        "x",
        "X",
        "1",
        "'",
        "''",
        "'''s",
        "a'",
        "'a",
    ]


def long_prompts():
    base = "a highly detailed photograph of an ancient castle on a hill at sunset, dramatic lighting, volumetric fog"
    return [
        ", ".join([base] * 4),
        " ".join(str(i) for i in range(60)),
        "word " * 76,
        "word " * 75,
        "word " * 74,
        "!" * 200,
        "cat " * 100 + "dog",
        "\u732b" * 90,
        "\U0001f431" * 40,
        "masterpiece, best quality, ultra-detailed, 8k wallpaper, (extremely detailed CG unity 8k wallpaper), "
        "(masterpiece), (best quality), (ultra-detailed), (best illustration), (best shadow), (an extremely "
        "delicate and beautiful), dynamic angle, floating, finely detail, depth of field, 1girl, solo",
    ]


def parity_prompts():
    """Cases where transformers 5's `tokenizers` pipeline and transformers 4's slow tokenizer can part: CJK (never
    spaced out by the fast pipeline), emoji sequences with format characters, accents, case-folding corners, control
    characters, prompt-weighting syntax and over-long prompts."""
    return [
        "a photo of \u6771\u4eac",
        "\u6771\u4eac",
        "\u6771\u4eac\u30bf\u30ef\u30fc at night \U0001f5fc\u2728",
        "\u6e0b\u8c37\u306e\u732b \U0001f431 a cat in Shibuya",
        "\u4e00\u53ea\u53ef\u7231\u7684\u718a\u732b\u5728\u7af9\u6797\u91cc, watercolor",
        "\ud55c\uad6d\uc758 \uac00\uc744 \ud48d\uacbd \U0001f341",
        "\u5bcc\u58eb\u5c71\u3068\u685c\U0001f338, ukiyo-e style, (masterpiece:1.2)",
        "CJK\u6f22\u5b57without spaces\u6f22\u5b57",
        "astronaut \U0001f9d1\U0001f3fd\u200d\U0001f680 on mars",
        "rainbow flag \U0001f3f3\ufe0f\u200d\U0001f308 and pirate \U0001f3f4\u200d\u2620\ufe0f",
        "kiss \U0001f469\u200d\u2764\ufe0f\u200d\U0001f48b\u200d\U0001f468 keycap #\ufe0f\u20e3 *\ufe0f\u20e3",
        "\U0001f431\U0001f436\U0001f98a\U0001f43b\U0001f43c\U0001f428\U0001f42f\U0001f981",
        "skin tones \U0001f44b\U0001f3fb\U0001f44b\U0001f3fc\U0001f44b\U0001f3fd\U0001f44b\U0001f3fe\U0001f44b\U0001f3ff",
        "cr\u00e8me br\u00fbl\u00e9e, Zo\u00eb, \u00c5ngstr\u00f6m, S\u00e3o Paulo, Krak\u00f3w",
        "e\u0301e\u0300e\u0302 o\u0308 n\u0303 decomposed accents",
        "\u1e9e\u1e9e STRA\u1e9eE \u00df\u00df",
        "\u0130STANBUL \u0130stanbul i\u0307stanbul",
        "\u01c5emal \u01c4EMAL \u01c6emal \u01c8 \u01cb \u01f2",
        "\u03a3\u0399\u03a3\u03a5\u03a6\u039f\u03a3 final sigma \u03c3\u03c2",
        "\ufb00 \ufb04 \u0149 \u01f0 \u0390 \u1e96 special casing",
        "\u212a\u212b\u2126 Kelvin Angstrom Ohm",
        "control\x01\x02\x03 chars\x1b[31m red \x1b[0m and del\x7f",
        "rtl\u200e marks\u200f and override\u202e text\u202c and isolate\u2066x\u2069",
        "c1\x85controls\x80\x9f here",
        "word\u2060joiner and invisible\u2062times and \U000e0041tag",
        "(cat:1.2), (dog:0.8)",
        "((masterpiece)), (best quality:1.4), [blurry:0.5], {{{cute}}}",
        "<lora:detail_tweaker:0.8> a (portrait:1.3) of a [woman|man] AND a dog:1.1",
        "a castle BREAK a dragon BREAK a knight",
        "(\u6771\u4eac:1.3), (\U0001f431:0.9), (cr\u00e8me:1.1)",
        "embedding:easynegative, (worst quality, low quality:1.4)",
        "\u6771\u4eac " * 50,
        "\U0001f431\u200d\U0001f464 " * 30,
        "(masterpiece:1.2), " * 30,
        "cr\u00e8me br\u00fbl\u00e9e " * 40,
        "a photo of " + "\u732b\U0001f431" * 45,
    ]


def random_prompts(count, seed=20240601):
    """Deterministic random mixtures of the character classes that matter to the tokenizer."""
    rng = random.Random(seed)
    words = ["cat", "dog", "astronaut", "Horse", "MARS", "painting", "oil", "canvas", "Gogh", "neon", "cyberpunk",
             "city", "night", "rain", "forest", "Portrait", "sunset", "watercolor", "sketch", "render", "octane"]
    pieces = [
        lambda: rng.choice(words),
        lambda: rng.choice(words).upper(),
        lambda: str(rng.randint(0, 99999)),
        lambda: rng.choice(["!", "?", ".", ",", ";", ":", "...", "!!", "?!", "--", "()", "[]", "{}", "/", "\\", "&",
                            "*", "+", "=", "<", ">", "|", "~", "^", "_", "#", "@", "$", "%", "`", "\""]),
        lambda: rng.choice(["'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'LL", "\u2019s", "'"]),
        lambda: rng.choice(["caf\u00e9", "na\u00efve", "\u00fcber", "se\u00f1or", "\u00e5", "\u00d8", "e\u0301",
                            "\u0130", "\u03a3", "\u03c3", "\u03c2", "\u00df", "\u017f", "\u0345"]),
        lambda: "".join(chr(rng.randint(0x4E00, 0x9FFF)) for _ in range(rng.randint(1, 4))),
        lambda: "".join(chr(rng.randint(0x3041, 0x30FF)) for _ in range(rng.randint(1, 4))),
        lambda: "".join(chr(rng.randint(0xAC00, 0xD7A3)) for _ in range(rng.randint(1, 3))),
        lambda: "".join(chr(rng.randint(0x0410, 0x044F)) for _ in range(rng.randint(2, 6))),
        lambda: rng.choice(["\U0001f431", "\U0001f525", "\u2728", "\U0001f3a8", "\u2764\ufe0f", "\U0001f44d\U0001f3fb",
                            "\U0001f1fa\U0001f1f8", "\U0001f469\u200d\U0001f4bb"]),
        lambda: rng.choice(["&amp;", "&lt;", "&gt;", "&quot;", "&#39;", "&nbsp;"]),
        lambda: rng.choice(["\u00bd", "\u00b2", "\u2460", "\u0663", "\uff15", "\u2167"]),
        lambda: rng.choice(["\u200b", "\u200d", "\u00ad", "\x00", "\x7f", "\ufffd", "\ue000"]),
    ]
    separators = [" ", " ", " ", "", "  ", "\t", "\n", "\u3000", "\u00a0", ", "]
    prompts = []
    for _ in range(count):
        parts = []
        for _ in range(rng.randint(1, 14)):
            parts.append(rng.choice(pieces)())
            parts.append(rng.choice(separators))
        prompts.append("".join(parts))
    return prompts


def random_unicode_prompts(count, seed=7):
    """Random code points from every plane mixed with ASCII and the regex's special cases (unassigned and private-use
    ones included), plus characters newer than Python 3.11's Unicode 14.0, which transformers drops."""
    import unicodedata

    rng = random.Random(seed)
    assigned = [cp for cp in range(0x110000) if not (0xD800 <= cp <= 0xDFFF) and unicodedata.category(chr(cp)) != "Cn"]
    pools = [assigned, list(range(0, 0x3000)), list(range(0x3000, 0xA000)), list(range(0x10000, 0x110000))]
    ascii_characters = [chr(c) for c in range(0x20, 0x7F)]
    specials = [" ", "'", "s", "<|endoftext|>", "<|startoftext|>", "\u03a3", "\u017f", "\u0345", "!", "\t"]
    prompts = ["shaking face \U0001fae8 (Unicode 15.0)", "CJK extension H \U00031350\U00031351",
               "ideographic description \u2ffc\u2ffd", "legacy computing \U0001cc00 and Garay \U00010d40"]
    for _ in range(count - len(prompts)):
        characters = []
        for _ in range(rng.randint(1, 30)):
            roll = rng.random()
            if roll < 0.4:
                characters.append(rng.choice(ascii_characters))
            elif roll < 0.5:
                characters.append(rng.choice(specials))
            else:
                characters.append(chr(rng.choice(rng.choice(pools))))
        prompts.append("".join(characters))
    return prompts


def added_token_prompts():
    return [
        "a photo of <cat-toy>",
        "a photo of a <cat-toy> on the beach",
        "<cat-toy><cat-toy>_1",
        "<cat-toy>_1<cat-toy>",
        "<cat-toy>_1 <cat-toy>_12 <cat-toy>_",
        "<a><b>",
        "<a><b><ab><a>",
        "<ab><a><b>",
        "x<a>y<b>z",
        "word<cat-toy>word",
        "<CAT-TOY> uppercase is not matched",
        "<Cat-Toy>_1",
        "S* in the style of S*S*",
        "s* lower-case s*",
        "a toy and toys and toyota and TOY",
        "<cat-toy>, <cat-toy>!",
        "  <cat-toy>  \t <cat-toy>_1\n",
        "<a>\u732b<b>\u72ac",
        "<|endoftext|><cat-toy><|startoftext|>",
        "<cat-toy",
        "cat-toy>",
        "<<cat-toy>>",
        "<cat-toy><a>toy<b>S*",
        "\u00e9<cat-toy>\u00e9",
    ]


# ---------------------------------------------------------------------------------------------------------------------
# Transformers 4.x worker (runs inside the transformers 4 virtual environment)


def worker(mode, request):
    """Encodes request["prompts"] with transformers 4.x; mode is "slow" (no ftfy), "slow_ftfy" or "fast"."""
    if mode == "slow":
        sys.modules["ftfy"] = None  # makes `import ftfy` fail, so CLIPTokenizer falls back to BasicTokenizer
    import transformers
    from transformers import CLIPTokenizer, CLIPTokenizerFast

    folder = request["folder"]
    results = {"transformers": transformers.__version__}
    for pad in request["pad_tokens"]:
        for added in (False, True):
            if mode == "fast":
                tokenizer = CLIPTokenizerFast(
                    vocab_file=os.path.join(folder, "vocab.json"), merges_file=os.path.join(folder, "merges.txt"),
                    pad_token=pad, model_max_length=MAX_LENGTH)
            else:
                tokenizer = CLIPTokenizer(os.path.join(folder, "vocab.json"), os.path.join(folder, "merges.txt"),
                                          pad_token=pad, model_max_length=MAX_LENGTH)
                assert (tokenizer.fix_text is None) == (mode == "slow"), "ftfy mode not as requested"
            prompts = request["prompts"]
            if added:
                added_count = tokenizer.add_tokens(request["added_tokens"])
                # The slow tokenizer does not count tokens already in the vocabulary ("toy"); `tokenizers` does.
                assert mode == "fast" or added_count == request["expected_new_tokens"], added_count
                prompts = request["added_prompts"]
            results[f"{pad}|{added}"] = encode_all(tokenizer, prompts)
    if mode == "slow":
        results["tiny"] = tiny_tokenizer(request["tiny_folder"], request["tiny_prompts"])
        tokenizer = CLIPTokenizer(os.path.join(folder, "vocab.json"), os.path.join(folder, "merges.txt"))
        results["trie_new_tokens"] = tokenizer.add_tokens(TRIE_TOKENS)
        results["trie"] = [tokenizer(p)["input_ids"] for p in TRIE_PROMPTS]
        from transformers import AddedToken

        tokenizer = CLIPTokenizer(os.path.join(folder, "vocab.json"), os.path.join(folder, "merges.txt"))
        results["flags_new_tokens"] = tokenizer.add_tokens(
            [AddedToken(c, lstrip=l, rstrip=r, single_word=w) for c, l, r, w in FLAG_TOKENS])
        results["flags"] = [tokenizer(p)["input_ids"] for p in FLAG_PROMPTS]
        import unicodedata

        results["unicode_version"] = unicodedata.unidata_version
        results["random_unicode"] = {}
        for pad in request["pad_tokens"]:
            tokenizer = CLIPTokenizer(os.path.join(folder, "vocab.json"), os.path.join(folder, "merges.txt"),
                                      pad_token=pad)
            results["random_unicode"][pad] = [tokenizer(p)["input_ids"] for p in request["random_prompts"]]
    return results


def encode_all(tokenizer, prompts):
    out = []
    for prompt in prompts:
        padded = tokenizer(prompt, padding="max_length", max_length=MAX_LENGTH, truncation=True)
        full = tokenizer(prompt)
        out.append({"padded": padded["input_ids"], "mask": padded["attention_mask"], "full": full["input_ids"],
                    "tokens": tokenizer.tokenize(prompt)})
    return out


def tiny_tokenizer(folder, prompts):
    """Saves a small slow and fast tokenizer built from folder/vocab.json + merges.txt; returns their ids."""
    from transformers import CLIPTokenizer, CLIPTokenizerFast

    slow = CLIPTokenizer(os.path.join(folder, "vocab.json"), os.path.join(folder, "merges.txt"),
                         model_max_length=16, pad_token="!")
    slow.add_tokens(["<new>"])
    fast = CLIPTokenizerFast(vocab_file=os.path.join(folder, "vocab.json"),
                             merges_file=os.path.join(folder, "merges.txt"), model_max_length=16, pad_token="!")
    fast.add_tokens(["<new>"])
    fast.save_pretrained(os.path.join(folder, "fast"))
    slow.save_pretrained(os.path.join(folder, "slow"))
    # The older layout (as in many diffusers repositories): no added_tokens_decoder, so transformers takes the
    # special tokens from special_tokens_map.json and the added tokens from added_tokens.json.
    legacy = os.path.join(folder, "slow_legacy")
    shutil.copytree(os.path.join(folder, "slow"), legacy)
    config_path = os.path.join(legacy, "tokenizer_config.json")
    with open(config_path, encoding="utf-8") as handle:
        config = json.load(handle)
    for key in ("added_tokens_decoder", "pad_token"):
        config.pop(key)
    with open(config_path, "w", encoding="utf-8") as handle:
        json.dump(config, handle, indent=2)
        handle.write("\n")

    def ids(tokenizer):
        return [tokenizer(p, padding="max_length", max_length=16, truncation=True)["input_ids"] for p in prompts]

    reloaded = {name: ids(CLIPTokenizer.from_pretrained(os.path.join(folder, name)))
                for name in ("slow", "slow_legacy")}
    reloaded["fast"] = ids(CLIPTokenizerFast.from_pretrained(os.path.join(folder, "fast")))
    expected = ids(slow)
    assert all(value == expected for value in reloaded.values()), "a saved tiny tokenizer reloads differently"
    return {"slow": expected, "fast": ids(fast)}


# ---------------------------------------------------------------------------------------------------------------------
# Driver (system Python)


def transformers4_python(given):
    if given:
        return given
    python = os.path.join(VENV, "bin", "python")
    if not os.path.exists(python):
        subprocess.check_call([sys.executable, "-m", "venv", VENV])
        subprocess.check_call([python, "-m", "pip", "install", "-q", "transformers==4.57.6", "regex", "ftfy"])
    return python


def run_worker(python, mode, request):
    completed = subprocess.run([python, os.path.abspath(__file__), "--worker", mode], input=json.dumps(request),
                               capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        sys.stderr.write(completed.stderr)
        raise SystemExit(f"transformers 4 worker ({mode}) failed")
    return json.loads(completed.stdout)


def write_tiny_vocab(folder):
    """A small CLIP-style vocabulary: the 512 byte symbols plus the first 300 CLIP merges and the specials."""
    with open(os.path.join(VOCAB_DIR, "merges.txt"), encoding="utf-8") as handle:
        merges = handle.read().split("\n")[1:301]
    with open(os.path.join(VOCAB_DIR, "vocab.json"), encoding="utf-8") as handle:
        clip_vocab = json.load(handle)
    tokens = [t for t, i in sorted(clip_vocab.items(), key=lambda kv: kv[1]) if i < 512]
    tokens += ["".join(m.split()) for m in merges] + ["<|startoftext|>", "<|endoftext|>"]
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "vocab.json"), "w", encoding="utf-8") as handle:
        json.dump({t: i for i, t in enumerate(tokens)}, handle, ensure_ascii=False)
    with open(os.path.join(folder, "merges.txt"), "w", encoding="utf-8") as handle:
        handle.write("#version: 0.2\n" + "\n".join(merges) + "\n")


def fast5_results(folder, prompts, added_prompts, expected_new):
    """transformers 5's CLIPTokenizer (the `tokenizers` backed one), or None when transformers 5 is not installed."""
    import transformers

    if int(transformers.__version__.split(".")[0]) < 5:
        return None
    from transformers import CLIPTokenizer

    results = {"transformers": transformers.__version__}
    for pad in PAD_TOKENS:
        for added in (False, True):
            tokenizer = CLIPTokenizer(vocab=os.path.join(folder, "vocab.json"),
                                      merges=os.path.join(folder, "merges.txt"), pad_token=pad,
                                      model_max_length=MAX_LENGTH)
            selected = prompts
            if added:
                tokenizer.add_tokens(ADDED_TOKENS)
                selected = added_prompts
            results[f"{pad}|{added}"] = encode_all(tokenizer, selected)
    return results


FAST_FIXTURE_FOLDERS = [("sd1-tiny", "<|endoftext|>"), ("sd2-tiny", "!")]


def fast_fixture():
    """transformers 5's ids for every prompt, loading each pipeline fixture's tokenizer folder as diffusers does."""
    import tokenizers
    import transformers
    from transformers import CLIPTokenizer

    if int(transformers.__version__.split(".")[0]) < 5:
        raise SystemExit("--fast-only needs transformers 5")
    prompts = handwritten_prompts() + long_prompts() + parity_prompts() + random_prompts(110)
    unicode_prompts = random_unicode_prompts(RANDOM_UNICODE_PROMPTS)
    folders = {}
    for name, pad in FAST_FIXTURE_FOLDERS:
        path = os.path.join(ROOT, "Tests", "Fixtures", "pipelines", name, "tokenizer")
        tokenizer = CLIPTokenizer.from_pretrained(path)
        assert tokenizer.pad_token == pad, (name, tokenizer.pad_token)
        results = encode_all(tokenizer, prompts + unicode_prompts)
        folders[name] = {"pad_token": pad, "pad_token_id": tokenizer.pad_token_id,
                         "layout": sorted(os.listdir(path)),
                         "cases": [compact(r) for r in results],
                         # transformers' tokenize() for the first prompts (token texts, not only ids).
                         "tokens": [r["tokens"] for r in results[:TOKEN_TEXT_PROMPTS]]}
    fixture = {
        "source": f"transformers {transformers.__version__} CLIPTokenizer (tokenizers {tokenizers.__version__}) "
                  f"from_pretrained on each folder's tokenizer/; Scripts/reference/make_tokenizer_fixtures.py "
                  f"--fast-only",
        "max_length": MAX_LENGTH,
        "prompts": prompts + unicode_prompts,
        "parity_prompts": parity_prompts(),
        "folders": folders,
    }
    path = os.path.join(FIXTURE_DIR, "clip_reference_fast.json")
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(fixture, handle, ensure_ascii=True, separators=(",", ":"), sort_keys=True)
        handle.write("\n")
    print(f"wrote {path} ({os.path.getsize(path)} bytes, {len(fixture['prompts'])} prompts, "
          f"{fixture['source']})")


def open_clip_ids(prompts):
    """CLIP's own SimpleTokenizer (open_clip's copy) on each prompt, without special tokens."""
    from open_clip.tokenizer import SimpleTokenizer

    tokenizer = SimpleTokenizer()
    return [tokenizer.encode(p) for p in prompts]


def compact(result):
    """Drops the trailing padding of an encoding, keeping its count; checks the mask has the expected form."""
    padded, mask, full = result["padded"], result["mask"], result["full"]
    ones = sum(mask)
    assert mask == [1] * ones + [0] * (len(mask) - ones), "attention mask is not 1…1 0…0"
    entry = {"ids": padded[:ones], "padding": len(padded) - ones}
    if full != padded[:ones]:
        entry["untruncated"] = full
    return entry


def report_differences(label, reference, other, prompts):
    differing = [i for i, (a, b) in enumerate(zip(reference, other)) if a["full"] != b["full"]]
    print(f"  {label}: {len(differing)} of {len(prompts)} prompts differ")
    for i in differing[:12]:
        print(f"    {prompts[i]!r}: {reference[i]['tokens']} vs {other[i]['tokens']}")
    return differing


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--transformers4-python", default=None)
    parser.add_argument("--fast-only", action="store_true")
    parser.add_argument("--worker", choices=["slow", "slow_ftfy", "fast"], default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        json.dump(worker(args.worker, json.load(sys.stdin)), sys.stdout)
        return
    if args.fast_only:
        fast_fixture()
        return

    prompts = handwritten_prompts() + long_prompts() + random_prompts(110)
    added_prompts = added_token_prompts() + prompts[:40]
    python = transformers4_python(args.transformers4_python)
    scratch = tempfile.mkdtemp()
    try:
        tiny_folder = os.path.join(scratch, "tiny")
        write_tiny_vocab(tiny_folder)
        tiny_prompts = ["a photo of the cat", "THE CAT<new>and the dog!", "", "in on at the", "<new><new>!!",
                        "extraordinary incantations with several syllables"]
        # "toy" is already in the vocabulary as a word piece, so it is not counted as new.
        request = {"folder": VOCAB_DIR, "pad_tokens": PAD_TOKENS, "prompts": prompts, "added_prompts": added_prompts,
                   "added_tokens": ADDED_TOKENS, "expected_new_tokens": len(ADDED_TOKENS) - 1,
                   "tiny_folder": tiny_folder, "tiny_prompts": tiny_prompts,
                   "random_prompts": random_unicode_prompts(RANDOM_UNICODE_PROMPTS)}
        slow = run_worker(python, "slow", request)
        slow_ftfy = run_worker(python, "slow_ftfy", request)
        fast4 = run_worker(python, "fast", request)
        fast5 = fast5_results(VOCAB_DIR, prompts, added_prompts, len(ADDED_TOKENS) - 1)

        assert slow["tiny"]["slow"] == slow["tiny"]["fast"], "tiny tokenizer: slow and fast disagree"
        if fast5 is None:
            raise SystemExit("the fast references need transformers 5 in the Python running this script")
        write_fixture(slow, fast5, prompts, added_prompts, request)
        write_tiny_fixture(tiny_folder, tiny_prompts, slow["tiny"]["slow"])
        compare(slow, slow_ftfy, fast4, fast5, prompts, added_prompts)
    finally:
        shutil.rmtree(scratch)


def write_fixture(slow, fast5, prompts, added_prompts, request):
    cases = {}
    for pad in PAD_TOKENS:
        cases[pad] = {"prompts": [compact(r) for r in slow[f"{pad}|False"]],
                      "added": [compact(r) for r in slow[f"{pad}|True"]]}
        # transformers 5 (the `tokenizers` pipeline) only where it differs from the slow tokenizer: [index, case].
        for kind, added in (("prompts", False), ("added", True)):
            slow_cases = cases[pad][kind]
            fast_cases = [compact(r) for r in fast5[f"{pad}|{added}"]]
            cases[pad]["fast_" + kind] = [[i, f] for i, (s, f) in enumerate(zip(slow_cases, fast_cases)) if s != f]
    fixture = {
        "source": f"transformers {slow['transformers']} CLIPTokenizer (slow, without ftfy); fast_*: transformers "
                  f"{fast5['transformers']} CLIPTokenizer; Scripts/reference/make_tokenizer_fixtures.py",
        "max_length": MAX_LENGTH,
        "prompts": prompts,
        "added_tokens": ADDED_TOKENS,
        "new_token_count": len(ADDED_TOKENS) - 1,
        "added_prompts": added_prompts,
        # transformers' tokenize() output for the first prompts, to check token texts as well as ids.
        "tokens": [r["tokens"] for r in slow["<|endoftext|>|False"][:TOKEN_TEXT_PROMPTS]],
        "pad_tokens": {pad: cases[pad] for pad in PAD_TOKENS},
        "random_unicode": {"python_unicode_version": slow["unicode_version"],
                           "prompts": request["random_prompts"], "ids": slow["random_unicode"]},
        "flags": {"added_tokens": FLAG_TOKENS, "new_token_count": slow["flags_new_tokens"], "prompts": FLAG_PROMPTS,
                  "ids": slow["flags"]},
        "trie": {"added_tokens": TRIE_TOKENS, "new_token_count": slow["trie_new_tokens"], "prompts": TRIE_PROMPTS,
                 "ids": slow["trie"]},
    }
    os.makedirs(FIXTURE_DIR, exist_ok=True)
    path = os.path.join(FIXTURE_DIR, "clip_reference.json")
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(fixture, handle, ensure_ascii=True, separators=(",", ":"))
        handle.write("\n")
    print(f"wrote {path} ({os.path.getsize(path)} bytes, {len(prompts)} prompts, "
          f"{len(added_prompts)} with added tokens)")


def write_tiny_fixture(tiny_folder, tiny_prompts, ids):
    target = os.path.join(FIXTURE_DIR, "tiny")
    shutil.rmtree(target, ignore_errors=True)
    os.makedirs(target)
    # The slow tokenizer's folder: vocab.json, merges.txt, special_tokens_map.json, tokenizer_config.json,
    # added_tokens.json. The fast one's tokenizer.json (merges as written by this `tokenizers` version).
    shutil.copytree(os.path.join(tiny_folder, "slow"), os.path.join(target, "slow"))
    shutil.copytree(os.path.join(tiny_folder, "slow_legacy"), os.path.join(target, "slow_legacy"))
    os.makedirs(os.path.join(target, "fast"))
    shutil.copy(os.path.join(tiny_folder, "fast", "tokenizer.json"), os.path.join(target, "fast", "tokenizer.json"))
    shutil.copy(os.path.join(tiny_folder, "fast", "tokenizer_config.json"),
                os.path.join(target, "fast", "tokenizer_config.json"))
    with open(os.path.join(target, "fast", "tokenizer.json"), encoding="utf-8") as handle:
        model = json.load(handle)["model"]
    merges = model["merges"]
    # The other merges spelling of tokenizer.json ("a b" strings vs [a, b] pairs), so both are covered.
    model_copy = json.load(open(os.path.join(target, "fast", "tokenizer.json"), encoding="utf-8"))
    if merges and isinstance(merges[0], str):
        model_copy["model"]["merges"] = [m.split(" ") for m in merges]
    else:
        model_copy["model"]["merges"] = [" ".join(m) for m in merges]
    os.makedirs(os.path.join(target, "fast_other_merges"))
    with open(os.path.join(target, "fast_other_merges", "tokenizer.json"), "w", encoding="utf-8") as handle:
        json.dump(model_copy, handle, ensure_ascii=False, indent=2)
    with open(os.path.join(target, "expected.json"), "w", encoding="utf-8") as handle:
        json.dump({"max_length": 16, "pad_token": "!", "prompts": tiny_prompts, "input_ids": ids}, handle)
        handle.write("\n")
    print(f"wrote {target}")


def compare(slow, slow_ftfy, fast4, fast5, prompts, added_prompts):
    print(f"reference: transformers {slow['transformers']} slow CLIPTokenizer without ftfy")
    for pad in PAD_TOKENS:
        print(f"pad token {pad!r}, plain prompts:")
        reference = slow[f"{pad}|False"]
        report_differences("slow with ftfy", reference, slow_ftfy[f"{pad}|False"], prompts)
        report_differences(f"CLIPTokenizerFast {fast4['transformers']}", reference, fast4[f"{pad}|False"], prompts)
        if fast5:
            report_differences(f"CLIPTokenizer {fast5['transformers']}", reference, fast5[f"{pad}|False"], prompts)
        print(f"pad token {pad!r}, prompts with added tokens:")
        reference = slow[f"{pad}|True"]
        report_differences(f"CLIPTokenizerFast {fast4['transformers']}", reference, fast4[f"{pad}|True"],
                           added_prompts)
        if fast5:
            report_differences(f"CLIPTokenizer {fast5['transformers']}", reference, fast5[f"{pad}|True"],
                               added_prompts)
    # CLIP's own tokenizer against the slow ftfy mode (both use ftfy), without special tokens.
    original = open_clip_ids(prompts)
    ftfy_ids = [r["full"][1:-1] for r in slow_ftfy["<|endoftext|>|False"]]
    differing = [i for i in range(len(prompts)) if original[i] != ftfy_ids[i]]
    print(f"open_clip SimpleTokenizer vs slow with ftfy: {len(differing)} of {len(prompts)} prompts differ")
    for i in differing[:12]:
        print(f"    {prompts[i]!r}: {original[i]} vs {ftfy_ids[i]}")


if __name__ == "__main__":
    main()
