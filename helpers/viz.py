"""Plots that several notebooks use. Teaching plots that belong to one lesson stay in that notebook.

Every function returns the matplotlib Axes (or Figure) it drew on, so a notebook can add to it.
"""

from __future__ import annotations


def attention_heatmap(
    weights,
    x_tokens=None,
    y_tokens=None,
    ax=None,
    title: str | None = None,
    *,
    annotate: bool | None = None,
    cmap: str = "viridis",
    vmin: float | None = 0.0,
    vmax: float | None = None,
    colorbar: bool = True,
    cell_borders: bool = False,
    xlabel: str = "key (attended to)",
    ylabel: str = "query (attending)",
):
    """Draw an attention matrix: row i shows how much query token ``y_tokens[i]`` attends to each key.

    ``weights`` is a 2-D tensor or array of shape ``(len(y_tokens), len(x_tokens))`` (one head of one
    sentence). Token labels are optional; ``annotate`` writes each weight in its cell (default: only when
    the matrix is at most 12 x 12); ``cell_borders`` draws white lines between cells (handy for masks).
    Cells are square. Returns the Axes.

    Example:
        >>> import torch
        >>> w = torch.softmax(torch.randn(3, 3), dim=-1)
        >>> ax = attention_heatmap(w, ["a", "b", "c"], ["a", "b", "c"], title="toy")
        >>> ax.get_title()
        'toy'
    """
    import matplotlib.pyplot as plt
    import numpy as np

    if hasattr(weights, "detach"):  # a torch tensor (possibly on a GPU, possibly bool)
        weights = weights.detach().float().cpu().numpy()
    weights = np.asarray(weights, dtype=float)
    if weights.ndim != 2:
        raise ValueError(
            f"attention_heatmap draws one head of one sentence: expected a 2-D matrix, got shape "
            f"{weights.shape}. Index it first, e.g. attentions[layer][sentence, head]."
        )
    n_rows, n_cols = weights.shape
    for name, tokens, n in (("x_tokens", x_tokens, n_cols), ("y_tokens", y_tokens, n_rows)):
        if tokens is not None and len(tokens) != n:
            raise ValueError(f"{name} has {len(tokens)} labels but the matrix has {n} {name[0]} positions")
    if ax is None:
        side = min(max(3.0, 0.35 * max(n_rows, n_cols) + 1.5), 10.0)
        _, ax = plt.subplots(figsize=(side + (1.0 if colorbar else 0.0), side))
    image = ax.imshow(weights, cmap=cmap, vmin=vmin, vmax=vmax)
    ax.set_xticks(range(n_cols), labels=list(x_tokens) if x_tokens is not None else range(n_cols))
    ax.set_yticks(range(n_rows), labels=list(y_tokens) if y_tokens is not None else range(n_rows))
    ax.tick_params(axis="x", labelrotation=90)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if cell_borders:
        ax.set_xticks(np.arange(-0.5, n_cols), minor=True)
        ax.set_yticks(np.arange(-0.5, n_rows), minor=True)
        ax.grid(which="minor", color="white", linewidth=2)
        ax.tick_params(which="minor", length=0)
    if annotate is None:
        annotate = max(n_rows, n_cols) <= 12
    if annotate:
        low, high = image.get_clim()
        middle = (low + high) / 2
        for i in range(n_rows):
            for j in range(n_cols):
                colour = "black" if weights[i, j] > middle else "white"
                ax.text(j, i, f"{weights[i, j]:.2f}", ha="center", va="center", fontsize=7, color=colour)
    if colorbar:
        ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    return ax


def similarity_heatmap(
    sim,
    labels=None,
    ax=None,
    title: str | None = None,
    *,
    groups=None,
    annotate: bool | None = None,
    cmap: str = "magma",
    vmin: float | None = None,
    vmax: float | None = 1.0,
    max_label_chars: int = 42,
):
    """Draw a square similarity matrix (e.g. cosine similarities of sentence embeddings) with text labels.

    ``sim`` is an ``(n, n)`` tensor or array, ``labels`` the ``n`` texts (shortened to ``max_label_chars``).
    ``groups`` (optional, one name per item, items of a group next to each other) draws a line between
    groups and adds the group name to each label, which makes block structure easy to see.
    ``annotate`` writes each value in its cell (default: only when n <= 12). Returns the Axes.

    Example:
        >>> import torch
        >>> e = torch.nn.functional.normalize(torch.randn(4, 8), dim=-1)
        >>> ax = similarity_heatmap(e @ e.T, ["a", "b", "c", "d"], groups=["x", "x", "y", "y"], title="toy")
        >>> ax.get_title()
        'toy'
    """
    import matplotlib.pyplot as plt
    import numpy as np

    if hasattr(sim, "detach"):
        sim = sim.detach().float().cpu().numpy()
    sim = np.asarray(sim, dtype=float)
    if sim.ndim != 2 or sim.shape[0] != sim.shape[1]:
        raise ValueError(f"similarity_heatmap expects a square (n, n) matrix; got shape {sim.shape}")
    n = sim.shape[0]
    if labels is None:
        labels = [str(i) for i in range(n)]
    if len(labels) != n:
        raise ValueError(f"got {len(labels)} labels for a {n} x {n} matrix")
    if groups is not None and len(groups) != n:
        raise ValueError(f"got {len(groups)} group names for a {n} x {n} matrix")

    def short(text: str) -> str:
        text = " ".join(str(text).split())
        return text if len(text) <= max_label_chars else text[: max_label_chars - 1] + "…"

    names = [short(t) for t in labels]
    if groups is not None:
        names = [f"[{g}] {t}" for g, t in zip(groups, names, strict=True)]
    if ax is None:
        side = min(max(4.0, 0.38 * n + 2.0), 12.0)
        _, ax = plt.subplots(figsize=(side + 3.5, side))
    image = ax.imshow(sim, cmap=cmap, vmin=vmin, vmax=vmax)
    ax.set_xticks(range(n), labels=[str(i) for i in range(n)])
    ax.set_yticks(range(n), labels=[f"{t}  {i}" for i, t in enumerate(names)])
    ax.tick_params(axis="both", labelsize=8)
    if groups is not None:
        for i in range(1, n):
            if groups[i] != groups[i - 1]:
                ax.axhline(i - 0.5, color="white", linewidth=1.5)
                ax.axvline(i - 0.5, color="white", linewidth=1.5)
    if annotate is None:
        annotate = n <= 12
    if annotate:
        low, high = image.get_clim()
        middle = (low + high) / 2
        for i in range(n):
            for j in range(n):
                colour = "black" if sim[i, j] > middle else "white"
                ax.text(j, i, f"{sim[i, j]:.2f}", ha="center", va="center", fontsize=7, color=colour)
    if title:
        ax.set_title(title)
    ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="cosine similarity")
    return ax


def grouped_bars(
    values,
    groups,
    ax=None,
    title: str | None = None,
    *,
    ylabel: str | None = None,
    fmt: str = "{:.0f}",
    annotate: bool = True,
    colors=None,
):
    """Bar chart with one group of bars per item of ``groups`` and one bar per series in each group.

    ``values`` maps a series name (shown in the legend) to one number per group, e.g. an estimate next
    to a measurement for each model. ``annotate`` writes each value (formatted with ``fmt``) above its bar.
    Returns the Axes.

    Example:
        >>> ax = grouped_bars({"estimate": [86.6, 43.3], "measured": [90.1, 44.0]}, ["fp32", "bf16"],
        ...                   title="toy", ylabel="MiB")
        >>> ax.get_title(), len(ax.patches)
        ('toy', 4)
    """
    import matplotlib.pyplot as plt
    import numpy as np

    groups = [str(g) for g in groups]
    series = {str(name): [float(v) for v in vals] for name, vals in dict(values).items()}
    if not series:
        raise ValueError("grouped_bars needs at least one series in values")
    for name, vals in series.items():
        if len(vals) != len(groups):
            raise ValueError(f"series {name!r} has {len(vals)} values for {len(groups)} groups")
    if ax is None:
        _, ax = plt.subplots(figsize=(max(4.0, 1.1 * len(groups) * max(2, len(series)) * 0.6 + 2), 3.8))
    x = np.arange(len(groups))
    width = 0.8 / len(series)
    for k, (name, vals) in enumerate(series.items()):
        color = colors[k] if colors is not None else None
        bars = ax.bar(x + (k - (len(series) - 1) / 2) * width, vals, width, label=name, color=color)
        if annotate:
            ax.bar_label(bars, labels=[fmt.format(v) for v in vals], fontsize=7, padding=2)
    ax.set_xticks(x, labels=groups)
    if ylabel:
        ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.margins(y=0.15)
    ax.legend(fontsize=8)
    return ax


TOKEN_COLOURS = ("#cfe8ff", "#ffe1b0")  # alternating backgrounds: light blue, light orange
SPECIAL_COLOUR = "#e4e4e4"
UNKNOWN_COLOUR = "#ff9e9e"


class HTMLView(str):
    """A string of HTML that Jupyter renders (``_repr_html_``) when it is a cell's last value."""

    def _repr_html_(self) -> str:
        return str(self)


def show_tokens(rows, *, special=(), unknown=(), ids=None, title: str | None = None) -> HTMLView:
    """Coloured view of token boundaries: each token on its own background, alternating colours.

    ``rows`` maps a row name (e.g. the tokenizer) to its list of token strings; a plain list of
    tokens is one unnamed row. Tokens in ``special`` (e.g. ``["[CLS]", "[SEP]"]``) get a grey dashed
    box, tokens in ``unknown`` (e.g. ``["[UNK]"]``) a red one. ``ids`` (same shape as ``rows``)
    adds each token id as a tooltip. Spaces, tabs and newlines inside tokens are drawn as
    ``␣``, ``→`` and ``↵`` so that they are visible. The HTML is self-contained (inline styles only).

    Returns the HTML as a string that Jupyter renders when it is the last value of a cell (elsewhere,
    ``IPython.display.display(view)``).

    Example:
        >>> view = show_tokens({"toy": ["[CLS]", "token", "##izer", "[SEP]"]}, special=["[CLS]", "[SEP]"])
        >>> view.count("border-radius")  # one box per token
        4
    """
    import html as html_lib

    if isinstance(rows, list | tuple):
        rows = {"": rows}
        if ids is not None:
            ids = {"": ids}
    special, unknown = set(special), set(unknown)
    visible = str.maketrans({" ": "␣", "\t": "→", "\n": "↵", "\r": "␍"})
    base = "display:inline-block;margin:1px 0;padding:1px 2px;border-radius:3px;white-space:pre;"
    parts = [
        '<div style="font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13px;line-height:1.9;'
        'color:#111;">'
    ]
    if title:
        parts.append(f'<div style="font-weight:bold;margin-bottom:2px;">{html_lib.escape(title)}</div>')
    for name, tokens in rows.items():
        tokens = [str(t) for t in tokens]
        row_ids = None if ids is None else list(ids[name])
        if row_ids is not None and len(row_ids) != len(tokens):
            raise ValueError(f"row {name!r}: {len(tokens)} tokens but {len(row_ids)} ids")
        parts.append('<div style="margin:2px 0;">')
        if name:
            parts.append(
                '<span style="display:inline-block;min-width:11em;font-weight:bold;font-family:sans-serif;">'
                f"{html_lib.escape(str(name))} "
                f'<span style="font-weight:normal;color:#666;">({len(tokens)})</span></span>'
            )
        colour_index = 0
        for i, token in enumerate(tokens):
            if token in unknown:
                style = base + f"background:{UNKNOWN_COLOUR};border:1px solid #c00;"
            elif token in special:
                style = base + f"background:{SPECIAL_COLOUR};border:1px dashed #777;color:#555;"
            else:
                style = base + f"background:{TOKEN_COLOURS[colour_index % 2]};"
                colour_index += 1
            tip = f' title="id {row_ids[i]}"' if row_ids is not None else ""
            text = html_lib.escape(token.translate(visible)) or "&nbsp;"
            parts.append(f'<span style="{style}"{tip}>{text}</span>')
        parts.append("</div>")
    parts.append("</div>")
    return HTMLView("".join(parts))


def loss_curve(
    losses,
    ax=None,
    title: str | None = None,
    *,
    smooth: int | None = None,
    xlabel: str = "step",
    ylabel: str = "training loss",
):
    """Plot a training loss per step, with a moving average on top so the trend shows through the noise.

    ``losses`` is a list (or 1-D tensor/array) of per-step losses. ``smooth`` is the moving-average window
    (default: about a tenth of the steps; 1 or 0 turns it off). Returns the Axes.

    Example:
        >>> ax = loss_curve([2.0, 1.5, 1.2, 1.0, 0.9, 0.85], title="toy")
        >>> ax.get_title()
        'toy'
    """
    import matplotlib.pyplot as plt
    import numpy as np

    if hasattr(losses, "detach"):
        losses = losses.detach().float().cpu().numpy()
    losses = np.asarray(losses, dtype=float).ravel()
    if losses.size == 0:
        raise ValueError("loss_curve got no losses: record loss.item() at each training step first")
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.5))
    steps = np.arange(1, losses.size + 1)
    if smooth is None:
        smooth = max(1, losses.size // 10)
    if smooth > 1 and losses.size >= smooth:
        ax.plot(steps, losses, color="tab:blue", alpha=0.35, linewidth=1, label="per step")
        average = np.convolve(losses, np.ones(smooth) / smooth, mode="valid")
        ax.plot(steps[smooth - 1 :], average, color="tab:blue", linewidth=2, label=f"mean of last {smooth}")
        ax.legend(frameon=False)
    else:
        ax.plot(steps, losses, color="tab:blue", linewidth=1.5, marker="o" if losses.size <= 30 else None)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    if title:
        ax.set_title(title)
    return ax


def confusion_heatmap(
    matrix,
    labels,
    ax=None,
    title: str | None = None,
    *,
    cmap: str = "Blues",
    xlabel: str = "predicted",
    ylabel: str = "true",
):
    """Draw a confusion matrix: row i counts the examples of true class ``labels[i]`` by predicted class.

    ``matrix`` is a square ``(n, n)`` array or tensor of counts (e.g. from
    ``sklearn.metrics.confusion_matrix(y_true, y_pred)``). Each cell shows its count; the diagonal holds the
    correct predictions. Returns the Axes.

    Example:
        >>> ax = confusion_heatmap([[5, 1], [0, 4]], ["cat", "dog"], title="toy")
        >>> ax.get_title()
        'toy'
    """
    import matplotlib.pyplot as plt
    import numpy as np

    if hasattr(matrix, "detach"):
        matrix = matrix.detach().cpu().numpy()
    matrix = np.asarray(matrix)
    n = len(labels)
    if matrix.shape != (n, n):
        raise ValueError(f"confusion_heatmap got a {matrix.shape} matrix for {n} labels; expected ({n}, {n})")
    if ax is None:
        side = min(max(3.5, 0.6 * n + 2.0), 10.0)
        _, ax = plt.subplots(figsize=(side + 1.0, side))
    image = ax.imshow(matrix, cmap=cmap, vmin=0)
    ax.set_xticks(range(n), labels=labels, rotation=45, ha="right")
    ax.set_yticks(range(n), labels=labels)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    middle = matrix.max() / 2 if matrix.size else 0
    for i in range(n):
        for j in range(n):
            colour = "white" if matrix[i, j] > middle else "black"
            ax.text(j, i, f"{matrix[i, j]:g}", ha="center", va="center", color=colour, fontsize=9)
    if title:
        ax.set_title(title)
    ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="examples")
    return ax


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
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

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
        ax.add_patch(
            FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.03,rounding_size=0.12",
                           facecolor=colour, edgecolor="#333333", linewidth=1.2)
        )  # fmt: skip
        ax.text(x + w / 2, y + h - 0.28, name, ha="center", va="center", fontsize=11.5, weight="bold",
                family="monospace")  # fmt: skip
        ax.text(x + w / 2, y + h / 2 - 0.05, role, ha="center", va="center", fontsize=8.5, linespacing=1.25)
        if go_deeper(name):
            ax.text(x + w / 2, y + 0.25, go_deeper(name), ha="center", va="center", fontsize=8,
                    color="#444444", style="italic")  # fmt: skip

    def arrow(start, end, colour="#333333"):
        style = {"arrowstyle": "-|>", "mutation_scale": 14, "color": colour, "linewidth": 1.3}
        ax.add_patch(FancyArrowPatch(start, end, **style))

    # The Hub: where models, data sets and metrics live; huggingface_hub is the client that caches them.
    box(0.15, 4.25, 13.7, 1.3, "huggingface_hub",
        "the Hub: models, data sets, metrics and demos in git repositories named owner/name,\n"
        "downloaded once into a local cache (with HF_HUB_OFFLINE=1: the cache only)", "#FFE8A3")  # fmt: skip

    # The workflow row, left to right, with what flows along each arrow.
    y, w, h, gap = 1.65, 1.9, 1.6, 1.05
    names = ["datasets", "tokenizers", "transformers", "accelerate", "evaluate"]
    roles = ["load, slice, map;\nArrow tables, features", "text -> token ids\n(fast, in Rust)",
             "pretrained models,\nAuto classes, pipelines", "one training loop for\nCPU, GPU, many GPUs",
             "metrics: accuracy,\nF1, BLEU, ..."]  # fmt: skip
    colours = ["#CDE7F0", "#D9EAD3", "#F4CCCC", "#E1D5E7", "#FCE5CD"]
    xs = [0.15 + i * (w + gap) for i in range(len(names))]
    for x, name, role, colour in zip(xs, names, roles, colours, strict=True):
        box(x, y, w, h, name, role, colour)
    for i, label in enumerate(["text", "input_ids", "loss", "predictions"]):
        arrow((xs[i] + w, y + h / 2), (xs[i + 1], y + h / 2))
        ax.text(xs[i] + w + gap / 2, y + h / 2 + 0.1, label, ha="center", va="bottom", fontsize=8,
                family="monospace")  # fmt: skip

    # peft wraps a transformers model.
    box(xs[2], -0.1, w, 1.35, "peft", "LoRA adapters: train\n< 1% of the weights", "#D0E0E3")
    arrow((xs[2] + w / 2, 1.25), (xs[2] + w / 2, y))
    ax.text(xs[2] + w / 2 + 0.08, (1.25 + y) / 2, "wraps", fontsize=8, va="center", family="monospace")

    # Downloads from the Hub (and one upload back to it).
    hub_colour = "#8a6d00"
    top, bottom = 4.25, y + h + 0.02
    links = [(xs[0] + w / 2, "load_dataset", False), (xs[1] + w / 2, "from_pretrained", False),
             (xs[2] + w / 2 - 0.45, "from_pretrained", False), (xs[2] + w / 2 + 0.45, "push_to_hub", True),
             (xs[4] + w / 2, "evaluate.load", False)]  # fmt: skip
    for x, label, upload in links:
        arrow(*(((x, bottom), (x, top)) if upload else ((x, top), (x, bottom))), colour=hub_colour)
        ax.text(x + (0.07 if upload else -0.07), 3.45 if upload else 3.8, label, fontsize=8, color=hub_colour,
                ha="left" if upload else "right", family="monospace")  # fmt: skip
    return ax


def length_histograms(
    groups,
    ax=None,
    title: str | None = None,
    *,
    xlabel: str = "words per example",
    bins: int = 30,
    clip_quantile: float = 0.99,
):
    """Overlaid histograms of example lengths, one per group (a split, a label...), each median marked.

    ``groups`` maps a group name to its lengths (words or tokens per example). Each histogram is normalised
    to a share of its group, so groups of different sizes compare; the x axis stops at the ``clip_quantile``
    of all lengths (longer examples go in the last bin) so that a few outliers do not squash the plot.
    The legend gives each group's size and median. Returns the Axes.

    Example:
        >>> ax = length_histograms({"short": [3, 4, 5, 4], "long": [10, 12, 9, 11]}, title="toy")
        >>> ax.get_title()
        'toy'
    """
    import matplotlib.pyplot as plt
    import numpy as np

    data = {str(name): np.asarray(list(values), dtype=float) for name, values in dict(groups).items()}
    if not data or any(len(v) == 0 for v in data.values()):
        raise ValueError("length_histograms needs at least one group, and no empty group")
    everything = np.concatenate(list(data.values()))
    high = float(np.quantile(everything, clip_quantile))
    edges = np.linspace(float(everything.min()), max(high, float(everything.min()) + 1), bins + 1)
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 3.6))
    for k, (name, values) in enumerate(data.items()):
        colour = f"C{k}"
        clipped = np.clip(values, edges[0], edges[-1])
        weights = np.full(len(values), 1 / len(values))
        median = float(np.median(values))
        ax.hist(clipped, bins=edges, weights=weights, histtype="step", linewidth=1.8, color=colour,
                label=f"{name} (n={len(values):,}, median {median:.0f})")  # fmt: skip
        ax.axvline(median, color=colour, linestyle=":", linewidth=1.2)
    ax.set_xlabel(xlabel + (f" (clipped at the {clip_quantile:.0%} quantile)" if clip_quantile < 1 else ""))
    ax.set_ylabel("share of the group")
    if title:
        ax.set_title(title)
    ax.legend(fontsize=8, frameon=False)
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
    ax.legend(handles=[Patch(color="tab:blue", label="real token"), Patch(color="tab:orange", label="padding")],
              loc="lower right", fontsize=8, framealpha=0.9)  # fmt: skip
    if title:
        ax.set_title(title)
    return ax
