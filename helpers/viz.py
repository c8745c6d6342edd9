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
    xlabel: str = "key (attended to)",
    ylabel: str = "query (attending)",
):
    """Draw an attention matrix: row i shows how much query token ``y_tokens[i]`` attends to each key.

    ``weights`` is a 2-D tensor or array of shape ``(len(y_tokens), len(x_tokens))`` (one head of one
    sentence). Token labels are optional; ``annotate`` writes each weight in its cell (default: only when
    the matrix is at most 12 x 12). Returns the Axes.

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
    image = ax.imshow(weights, cmap=cmap, vmin=vmin, vmax=vmax, aspect="auto")
    ax.set_xticks(range(n_cols), labels=list(x_tokens) if x_tokens is not None else range(n_cols))
    ax.set_yticks(range(n_rows), labels=list(y_tokens) if y_tokens is not None else range(n_rows))
    ax.tick_params(axis="x", labelrotation=90)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
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
