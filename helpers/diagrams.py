"""Diagrams drawn for one lesson each: the Hugging Face ecosystem (notebook 02), padded batches (08) and
the three Transformer families (09). The plots that several notebooks share are in :mod:`helpers.viz`.

Every function returns the matplotlib Axes it drew on, so a notebook can add to it.
"""

from __future__ import annotations


def _rounded_box(ax, x, y, w, h, colour, *, pad: float, rounding: float, linewidth: float):
    """A box with rounded corners and a dark outline, its lower left corner at (x, y)."""
    from matplotlib.patches import FancyBboxPatch

    style = f"round,pad={pad},rounding_size={rounding}"
    ax.add_patch(
        FancyBboxPatch(
            (x, y), w, h, boxstyle=style, facecolor=colour, edgecolor="#333333", linewidth=linewidth
        )
    )


def ecosystem_map(deeper: dict[str, list[str]] | None = None, ax=None):
    """Draw the Hugging Face libraries as one workflow, with the Hub above them.

    Data flows left to right: ``datasets`` (text and labels) -> ``tokenizers`` (token ids) ->
    ``transformers`` (a pretrained model) -> ``accelerate`` (the training loop) -> ``evaluate`` (metrics);
    ``peft`` adds small trainable adapters to a transformers model; ``huggingface_hub`` downloads and caches
    what the Hub hosts. ``deeper`` (optional) maps a library name to the notebook ids that go deeper on it,
    written in its box. Returns the Axes.

    Example:
        >>> ax = ecosystem_map({"peft": ["16"]})
        >>> len(ax.patches) >= 7
        True
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch

    deeper = deeper or {}
    if ax is None:
        _, ax = plt.subplots(figsize=(14, 5.4))
    ax.set_xlim(0, 14)
    ax.set_ylim(-0.2, 5.6)
    ax.axis("off")

    def go_deeper(name):
        ids = deeper.get(name, [])
        if not ids:
            return ""
        lines = [", ".join(ids[i : i + 3]) for i in range(0, len(ids), 3)]  # at most 3 ids a line
        return ("notebook " if len(ids) == 1 else "notebooks ") + ",\n".join(lines)

    def box(x, y, w, h, name, role, colour):
        _rounded_box(ax, x, y, w, h, colour, pad=0.03, rounding=0.12, linewidth=1.2)
        ax.text(
            x + w / 2,
            y + h - 0.28,
            name,
            ha="center",
            va="center",
            fontsize=11.5,
            weight="bold",
            family="monospace",
        )
        ax.text(x + w / 2, y + h / 2 - 0.05, role, ha="center", va="center", fontsize=8.5, linespacing=1.25)
        if go_deeper(name):
            ax.text(
                x + w / 2,
                y + 0.25,
                go_deeper(name),
                ha="center",
                va="center",
                fontsize=8,
                color="#444444",
                style="italic",
            )

    def arrow(start, end, colour="#333333"):
        style = {"arrowstyle": "-|>", "mutation_scale": 14, "color": colour, "linewidth": 1.3}
        ax.add_patch(FancyArrowPatch(start, end, **style))

    # The Hub: where models, data sets and metrics live; huggingface_hub is the client that caches them.
    box(
        0.15,
        4.25,
        13.7,
        1.3,
        "huggingface_hub",
        "the Hub: models, data sets, metrics and demos in git repositories named owner/name,\n"
        "downloaded once into a local cache (with HF_HUB_OFFLINE=1: the cache only)",
        "#FFE8A3",
    )

    # The workflow row, left to right, with what flows along each arrow.
    y, w, h, gap = 1.65, 1.9, 1.6, 1.05
    names = ["datasets", "tokenizers", "transformers", "accelerate", "evaluate"]
    roles = [
        "load, slice, map;\nArrow tables, features",
        "text -> token ids\n(fast, in Rust)",
        "pretrained models,\nAuto classes, pipelines",
        "one training loop for\nCPU, GPU, many GPUs",
        "metrics: accuracy,\nF1, BLEU, ...",
    ]
    colours = ["#CDE7F0", "#D9EAD3", "#F4CCCC", "#E1D5E7", "#FCE5CD"]
    xs = [0.15 + i * (w + gap) for i in range(len(names))]
    for x, name, role, colour in zip(xs, names, roles, colours, strict=True):
        box(x, y, w, h, name, role, colour)
    for i, label in enumerate(["text", "input_ids", "loss", "predictions"]):
        arrow((xs[i] + w, y + h / 2), (xs[i + 1], y + h / 2))
        ax.text(
            xs[i] + w + gap / 2,
            y + h / 2 + 0.1,
            label,
            ha="center",
            va="bottom",
            fontsize=8,
            family="monospace",
        )

    # peft wraps a transformers model.
    box(xs[2], -0.1, w, 1.35, "peft", "LoRA adapters: train\n< 1% of the weights", "#D0E0E3")
    arrow((xs[2] + w / 2, 1.25), (xs[2] + w / 2, y))
    ax.text(xs[2] + w / 2 + 0.08, (1.25 + y) / 2, "wraps", fontsize=8, va="center", family="monospace")

    # Downloads from the Hub (and one upload back to it).
    hub_colour = "#8a6d00"
    top, bottom = 4.25, y + h + 0.02
    links = [
        (xs[0] + w / 2, "load_dataset", False),
        (xs[1] + w / 2, "from_pretrained", False),
        (xs[2] + w / 2 - 0.45, "from_pretrained", False),
        (xs[2] + w / 2 + 0.45, "push_to_hub", True),
        (xs[4] + w / 2, "evaluate.load", False),
    ]
    for x, label, upload in links:
        arrow(*(((x, bottom), (x, top)) if upload else ((x, top), (x, bottom))), colour=hub_colour)
        ax.text(
            x + (0.07 if upload else -0.07),
            3.45 if upload else 3.8,
            label,
            fontsize=8,
            color=hub_colour,
            ha="left" if upload else "right",
            family="monospace",
        )
    return ax


def padding_map(batches, ax=None, title: str | None = None, *, max_rows: int | None = None):
    """Draw the batches of an epoch as the model sees them: one row per example, one column per position.

    ``batches`` is a list of attention masks (2-D tensors or arrays of 0/1, one per batch, as a data loader
    yields them: ``[batch["attention_mask"] for batch in loader]``). Real tokens are blue, padding is orange;
    white means the batch was narrower (no work at all). Thin lines separate the batches. ``max_rows`` stops
    after that many examples (whole batches). Returns the Axes.

    Example:
        >>> import torch
        >>> masks = [torch.tensor([[1, 1, 1], [1, 0, 0]]), torch.tensor([[1, 1], [1, 1]])]
        >>> ax = padding_map(masks, title="toy")
        >>> ax.get_title()
        'toy'
    """
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    masks = []
    for mask in batches:
        if hasattr(mask, "detach"):
            mask = mask.detach().cpu().numpy()
        mask = np.asarray(mask)
        if mask.ndim != 2:
            raise ValueError(
                f"padding_map expects 2-D attention masks (batch, positions); got shape {mask.shape}"
            )
        if max_rows is not None and masks and sum(len(m) for m in masks) + len(mask) > max_rows:
            break
        masks.append(mask)
    if not masks:
        raise ValueError("padding_map got no batches")
    width = max(m.shape[1] for m in masks)
    rows = sum(m.shape[0] for m in masks)
    image = np.zeros((rows, width))  # 0 = outside the batch, 1 = padding, 2 = real token
    row = 0
    boundaries = []
    for mask in masks:
        image[row : row + len(mask), : mask.shape[1]] = np.where(mask > 0, 2, 1)
        row += len(mask)
        boundaries.append(row)
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, min(max(2.5, 0.05 * rows + 1.5), 9.0)))
    cmap = ListedColormap(["white", "tab:orange", "tab:blue"])
    ax.imshow(image, cmap=cmap, vmin=0, vmax=2, aspect="auto", interpolation="nearest")
    for boundary in boundaries[:-1]:
        ax.axhline(boundary - 0.5, color="black", linewidth=0.6)
    ax.set_xlabel("position in the batch (tokens)")
    ax.set_ylabel("example (batches separated by lines)")
    ax.legend(
        handles=[Patch(color="tab:blue", label="real token"), Patch(color="tab:orange", label="padding")],
        loc="lower right",
        fontsize=8,
        framealpha=0.9,
    )
    if title:
        ax.set_title(title)
    return ax


def transformer_families(ax=None):
    """Draw the three Transformer families side by side, each with the attention mask its layers use.

    Encoder-only (BERT): every token sees every token (a full mask), one vector per token comes out.
    Decoder-only (GPT-2, Llama): each token sees itself and the tokens before it (a lower-triangular, causal
    mask), and the last layer scores the next token. Encoder-decoder (T5): an encoder as above, and a causal
    decoder whose layers also attend to the encoder's output (cross-attention). Returns the Axes.

    Example:
        >>> ax = transformer_families()
        >>> len(ax.patches) > 20
        True
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, Rectangle

    if ax is None:
        _, ax = plt.subplots(figsize=(13, 5.6))
    ax.set_xlim(0, 13)
    ax.set_ylim(0, 5.9)
    ax.axis("off")
    colours = {"enc": "#CDE7F0", "dec": "#F4CCCC", "emb": "#EEEEEE", "out": "#FFF2CC"}

    def box(x, y, w, h, text, colour, size=9, bold=False):
        _rounded_box(ax, x, y, w, h, colour, pad=0.02, rounding=0.08, linewidth=1.0)
        ax.text(
            x + w / 2,
            y + h / 2,
            text,
            ha="center",
            va="center",
            fontsize=size,
            linespacing=1.2,
            weight="bold" if bold else "normal",
        )

    def arrow(start, end, colour="#333333", style="-|>"):
        ax.add_patch(
            FancyArrowPatch(start, end, arrowstyle=style, mutation_scale=12, color=colour, linewidth=1.2)
        )

    def mask(x, y, causal, label, n=5, cell=0.17):
        """A small n x n attention mask: dark = may attend (row = query, column = key)."""
        for i in range(n):
            for j in range(n):
                allowed = j <= i or not causal
                ax.add_patch(
                    Rectangle(
                        (x + j * cell, y + (n - 1 - i) * cell),
                        cell,
                        cell,
                        facecolor="#3b6ea5" if allowed else "white",
                        edgecolor="#999999",
                        linewidth=0.5,
                    )
                )
        ax.text(x + n * cell / 2, y - 0.12, label, ha="center", va="top", fontsize=7.5, color="#444444")

    def column(x0, title, examples):
        ax.text(x0 + 1.5, 5.65, title, ha="center", va="center", fontsize=12, weight="bold")
        ax.text(
            x0 + 1.5, 5.3, examples, ha="center", va="center", fontsize=8.5, style="italic", color="#444444"
        )

    def stack(x0, embeddings, layers, layer_colour, output, causal, mask_label):
        """One family drawn bottom-up: embeddings, N layers, what comes out; its mask beside the layers."""
        box(x0, 0.4, 2.1, 0.6, embeddings, colours["emb"])
        box(x0, 1.35, 2.1, 1.9, layers, layer_colour)
        box(x0, 3.6, 2.1, 0.9, output, colours["out"], size=8)
        arrow((x0 + 1.05, 1.0), (x0 + 1.05, 1.35))
        arrow((x0 + 1.05, 3.25), (x0 + 1.05, 3.6))
        mask(x0 + 2.25, 2.0, causal=causal, label=mask_label)

    # Encoder-only
    x0 = 0.2
    column(x0, "Encoder-only", "BERT, RoBERTa, MiniLM")
    layers = "N x encoder layer\n\nself-attention\n(all tokens)\n+ MLP"
    output = "one vector per token\n-> classify, tag,\nembed, fill a mask"
    stack(x0, "token + position\nembeddings", layers, colours["enc"], output, False, "sees all")

    # Decoder-only
    x0 = 4.45
    column(x0, "Decoder-only", "GPT-2, Llama, SmolLM2")
    layers = "N x decoder layer\n\ncausal self-attention\n(past tokens only)\n+ MLP"
    output = "LM head: a score for\nevery vocabulary token\n-> the next token"
    stack(x0, "token embeddings\n(+ positions)", layers, colours["dec"], output, True, "sees the past")
    arrow((x0 + 2.1, 4.05), (x0 + 2.45, 4.05), colour="#888888")
    ax.text(x0 + 2.5, 4.05, "append the token,\nrun again", fontsize=7.5, va="center", color="#666666")

    # Encoder-decoder
    x0 = 8.75
    column(x0 + 0.5, "Encoder-decoder", "T5, BART, Whisper, Marian")
    w = 1.75
    xd = x0 + 2.3  # the decoder column
    box(x0, 0.4, w, 0.6, "source\nembeddings", colours["emb"], size=8)
    box(x0, 1.35, w, 1.9, "N x encoder\nlayer\n\nself-attention\n(all) + MLP", colours["enc"], size=8.5)
    box(xd, 0.4, w, 0.6, "target\nembeddings", colours["emb"], size=8)
    box(
        xd,
        1.35,
        w,
        1.9,
        "N x decoder\nlayer\n\ncausal self-attn\n+ cross-attention\n+ MLP",
        colours["dec"],
        size=8.5,
    )
    box(xd, 3.6, w, 0.9, "LM head\n-> next target\ntoken", colours["out"], size=8)
    for x in (x0 + w / 2, xd + w / 2):
        arrow((x, 1.0), (x, 1.35))
    arrow((xd + w / 2, 3.25), (xd + w / 2, 3.6))
    ax.add_patch(
        FancyArrowPatch(
            (x0 + w / 2, 3.25),
            (xd, 2.75),
            connectionstyle="arc3,rad=-0.55",
            arrowstyle="-|>",
            mutation_scale=12,
            color="#b45f06",
            linewidth=1.4,
        )
    )
    ax.text(
        x0 + w / 2,
        4.35,
        "encoder output,\nread by every\ndecoder layer\n(cross-attention)",
        ha="center",
        va="center",
        fontsize=7.5,
        color="#b45f06",
    )
    ax.text(
        x0 + 2.0,
        0.05,
        "input text -> output text (translate, summarise, transcribe)",
        ha="center",
        fontsize=7.5,
        color="#444444",
    )
    return ax
