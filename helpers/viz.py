"""Plots that several notebooks use: heatmaps, bar charts, token views, training and evaluation curves.

Diagrams drawn for one lesson are in :mod:`helpers.diagrams`; teaching plots that belong to one lesson
stay in that notebook. Every function returns the matplotlib Axes (or Figure) it drew on, so a notebook
can add to it.
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


def _bar_series(values, groups, caller: str):
    """``groups`` as strings and ``values`` as {series name: float array}, checked: one value per group."""
    import numpy as np

    groups = [str(g) for g in groups]
    series = {str(name): np.asarray([float(v) for v in vals]) for name, vals in dict(values).items()}
    if not series:
        raise ValueError(f"{caller} needs at least one series in values")
    for name, vals in series.items():
        if len(vals) != len(groups):
            raise ValueError(f"series {name!r} has {len(vals)} values for {len(groups)} groups")
    return groups, series


def _as_float_array(values):
    """A 1-D float NumPy array from a list, an array or a tensor (on any device)."""
    import numpy as np

    if hasattr(values, "detach"):
        values = values.detach().float().cpu().numpy()
    return np.asarray(values, dtype=float).ravel()


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

    groups, series = _bar_series(values, groups, "grouped_bars")
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

    losses = _as_float_array(losses)
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
        ax.hist(
            clipped,
            bins=edges,
            weights=weights,
            histtype="step",
            linewidth=1.8,
            color=colour,
            label=f"{name} (n={len(values):,}, median {median:.0f})",
        )
        ax.axvline(median, color=colour, linestyle=":", linewidth=1.2)
    ax.set_xlabel(xlabel + (f" (clipped at the {clip_quantile:.0%} quantile)" if clip_quantile < 1 else ""))
    ax.set_ylabel("share of the group")
    if title:
        ax.set_title(title)
    ax.legend(fontsize=8, frameon=False)
    return ax


def stacked_bars(
    values,
    groups,
    ax=None,
    title: str | None = None,
    *,
    ylabel: str | None = None,
    percent: bool = False,
    fmt: str = "{:.1f}",
    min_label_share: float = 0.06,
    colors=None,
):
    """Stacked bar chart: one bar per item of ``groups``, split into one segment per series.

    ``values`` maps a series name (shown in the legend, e.g. "attention") to one number per group (e.g. per
    model). ``percent=True`` scales every bar to 100 % so that bars of very different sizes compare. Each
    segment that fills at least ``min_label_share`` of its bar gets its value written in it (formatted with
    ``fmt``; with ``percent`` the share in %), and each bar its total on top. Returns the Axes.

    Example:
        >>> ax = stacked_bars({"embeddings": [23.8, 38.6], "layers": [85.0, 85.0]}, ["BERT", "GPT-2"],
        ...                   title="toy", ylabel="millions")
        >>> ax.get_title(), len(ax.patches)
        ('toy', 4)
    """
    import matplotlib.pyplot as plt
    import numpy as np

    groups, series = _bar_series(values, groups, "stacked_bars")
    for name, vals in series.items():
        if (vals < 0).any():
            raise ValueError(f"series {name!r} has negative values; stacked bars need values >= 0")
    totals = np.sum(list(series.values()), axis=0)
    if ax is None:
        _, ax = plt.subplots(figsize=(max(4.5, 1.3 * len(groups) + 2.5), 4.2))
    x = np.arange(len(groups))
    bottom = np.zeros(len(groups))
    scale = (
        np.where(totals > 0, 100.0 / np.where(totals > 0, totals, 1.0), 0.0)
        if percent
        else np.ones(len(groups))
    )
    for k, (name, vals) in enumerate(series.items()):
        heights = vals * scale
        color = colors[k] if colors is not None else f"C{k}"
        ax.bar(x, heights, 0.6, bottom=bottom, label=name, color=color, edgecolor="white", linewidth=0.6)
        for i, (h, b) in enumerate(zip(heights, bottom, strict=True)):
            share = vals[i] / totals[i] if totals[i] > 0 else 0.0
            if share >= min_label_share:
                text = f"{share:.0%}" if percent else fmt.format(vals[i])
                ax.text(x[i], b + h / 2, text, ha="center", va="center", fontsize=7.5, color="black")
        bottom = bottom + heights
    if not percent:
        for i, total in enumerate(totals):
            ax.text(x[i], total, fmt.format(total), ha="center", va="bottom", fontsize=8, weight="bold")
    ax.set_xticks(x, labels=groups)
    ax.set_ylabel(ylabel or ("share of the total (%)" if percent else ""))
    if title:
        ax.set_title(title)
    ax.set_ylim(0, 100 if percent else max(float(totals.max()), 1e-12) * 1.1)  # room for the totals on top
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(
        handles[::-1], labels[::-1], fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False
    )
    return ax


def training_curves(log_history, metrics=None, title: str | None = None, *, figsize=(11.0, 3.6)):
    """Plot a Trainer's ``trainer.state.log_history``: losses on the left, evaluation metrics on the right.

    Left panel: the training loss (rows with ``"loss"``, logged every ``logging_steps``) and the evaluation
    loss (rows with ``"eval_loss"``), against the optimizer step. Right panel: the evaluation metrics named in
    ``metrics`` (names with or without the ``eval_`` prefix; default: every ``eval_*`` number except the loss
    and the timings), one line each; it is left out when nothing was evaluated. The summary row that ends a
    run (``train_runtime`` ...) is ignored. Returns the Figure; its panels are ``fig.axes``.

    Example:
        >>> history = [{"loss": 1.1, "step": 10}, {"eval_loss": 1.0, "eval_accuracy": 0.5, "step": 10},
        ...            {"loss": 0.9, "step": 20}, {"eval_loss": 0.95, "eval_accuracy": 0.6, "step": 20},
        ...            {"train_runtime": 3.0, "train_loss": 1.0, "step": 20}]
        >>> fig = training_curves(history, title="toy")
        >>> len(fig.axes), fig.axes[1].get_lines()[0].get_label()
        (2, 'accuracy')
    """
    import matplotlib.pyplot as plt

    rows = [row for row in log_history if "step" in row and "train_runtime" not in row]
    train = [(row["step"], row["loss"]) for row in rows if "loss" in row]
    evals = [row for row in rows if any(key.startswith("eval_") for key in row)]
    if not train and not evals:
        raise ValueError("training_curves found no losses in the log history: set logging_steps and train")
    timing = ("eval_runtime", "eval_samples_per_second", "eval_steps_per_second", "eval_loss")
    if metrics is None:
        numbers = {key for row in evals for key, value in row.items() if isinstance(value, int | float)}
        names = sorted(key for key in numbers if key.startswith("eval_") and key not in timing)
    else:
        names = [name if name.startswith("eval_") else f"eval_{name}" for name in metrics]
    panels = 2 if names else 1
    fig, axes = plt.subplots(1, panels, figsize=figsize if panels == 2 else (figsize[0] / 2 + 1, figsize[1]))
    axes = list(axes) if panels == 2 else [axes]
    if train:
        steps, losses = zip(*train, strict=True)
        axes[0].plot(
            steps,
            losses,
            color="tab:blue",
            marker="o" if len(train) <= 30 else None,
            markersize=3,
            label="training loss",
        )
    eval_losses = [(row["step"], row["eval_loss"]) for row in evals if "eval_loss" in row]
    if eval_losses:
        steps, losses = zip(*eval_losses, strict=True)
        axes[0].plot(steps, losses, color="tab:orange", marker="s", markersize=4, label="evaluation loss")
    axes[0].set(xlabel="optimizer step", ylabel="loss", title="losses")
    axes[0].legend(fontsize=8, frameon=False)
    for name in names:
        points = [(row["step"], row[name]) for row in evals if name in row]
        if not points:
            raise ValueError(f"no evaluation row of the log history has {name!r}; it has {sorted(evals[0])}")
        steps, values = zip(*points, strict=True)
        axes[1].plot(steps, values, marker="s", markersize=4, label=name.removeprefix("eval_"))
    if names:
        axes[1].set(xlabel="optimizer step", ylabel="metric", title="evaluation metrics")
        axes[1].legend(fontsize=8, frameon=False)
    for ax in axes:
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def reliability_diagram(
    confidence,
    correct,
    n_bins: int = 10,
    ax=None,
    title: str | None = None,
    *,
    color: str = "tab:blue",
    label: str | None = None,
):
    """Draw a reliability diagram: how often predictions are right, against how confident they were.

    ``confidence`` holds each prediction's probability for the class it predicted (``probs.max(-1)``),
    ``correct`` whether it was right (bools or 0/1), one per example. Confidences are cut into ``n_bins``
    equal bins (lo, hi]; each non-empty bin draws a bar up to its accuracy, a dot at its mean confidence, and
    the number of examples in it. On the dashed diagonal a model is perfectly calibrated; bars below it are
    over-confident, above it under-confident. ``label`` names the bars in the legend. Returns the Axes.

    Example:
        >>> ax = reliability_diagram([0.9, 0.8, 0.95, 0.6], [1, 0, 1, 1], n_bins=5, title="toy")
        >>> ax.get_title()
        'toy'
    """
    import matplotlib.pyplot as plt
    import numpy as np

    confidence, correct = _as_float_array(confidence), _as_float_array(correct)
    if len(confidence) != len(correct) or len(confidence) == 0:
        raise ValueError(
            f"reliability_diagram needs one correct/incorrect flag per confidence; got "
            f"{len(confidence)} confidences and {len(correct)} flags"
        )
    if ((confidence < 0) | (confidence > 1)).any():
        raise ValueError("confidences must be probabilities in [0, 1]: pass softmax outputs, not logits")
    if ax is None:
        _, ax = plt.subplots(figsize=(4.6, 4.4))
    edges = np.linspace(0, 1, n_bins + 1)
    width = 1 / n_bins
    which = np.clip(np.ceil(confidence * n_bins).astype(int) - 1, 0, n_bins - 1)  # bin (lo, hi], 0 in bin 0
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=1, label="perfect calibration")
    first = True
    for b in range(n_bins):
        inside = which == b
        if not inside.any():
            continue
        accuracy, mean_conf = correct[inside].mean(), confidence[inside].mean()
        ax.bar(
            edges[b],
            accuracy,
            width=width,
            align="edge",
            color=color,
            alpha=0.75,
            edgecolor="white",
            label=(label or "accuracy in the bin") if first else None,
        )
        ax.plot(
            [edges[b] + width / 2],
            [mean_conf],
            "o",
            color="tab:red",
            markersize=4,
            label="mean confidence" if first else None,
        )
        ax.text(
            edges[b] + width / 2,
            min(accuracy, 0.93) + 0.02,
            f"{int(inside.sum())}",
            ha="center",
            va="bottom",
            fontsize=7,
            color="#333333",
        )
        first = False
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("confidence (probability of the predicted class)")
    ax.set_ylabel("accuracy")
    # The legend goes under the axes, where it never hides a bar.
    ax.legend(
        fontsize=7.5,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.15),
        ncol=3,
        frameon=False,
        handlelength=1.5,
        columnspacing=1.0,
    )
    if title:
        ax.set_title(title)
    return ax


def interval_bars(
    values,
    labels,
    intervals=None,
    ax=None,
    title: str | None = None,
    *,
    counts=None,
    reference: float | None = None,
    reference_label: str = "overall",
    ylabel: str | None = None,
    fmt: str = "{:.2f}",
    color: str = "tab:blue",
    ylim: tuple[float, float] | None = None,
):
    """Bar chart of one metric per slice (a label, a length bin, a group), with error bars and slice sizes.

    ``values`` holds one number per item of ``labels``; ``intervals`` (optional) a ``(low, high)`` pair per
    slice, drawn as an error bar (e.g. a bootstrap 95 % interval); ``counts`` (optional) the slice sizes,
    written under the labels, since small slices give unreliable numbers; ``reference`` draws a horizontal
    line (e.g. the metric on the whole test set). Each value is written at the foot of its bar. ``ylim``
    defaults to a range that shows every interval with a margin (from 0 when the values are far from 1).
    Returns the Axes.

    Example:
        >>> ax = interval_bars([0.9, 0.7], ["short", "long"], [(0.85, 0.95), (0.6, 0.8)], counts=[120, 40],
        ...                    reference=0.85, title="toy")
        >>> ax.get_title(), len(ax.patches)
        ('toy', 2)
    """
    import matplotlib.pyplot as plt
    import numpy as np

    values = np.asarray([float(v) for v in values])
    labels = [str(label) for label in labels]
    if len(values) != len(labels):
        raise ValueError(f"interval_bars got {len(values)} values for {len(labels)} labels")
    if counts is not None:
        if len(counts) != len(labels):
            raise ValueError(f"interval_bars got {len(counts)} counts for {len(labels)} labels")
        labels = [f"{label}\n(n={int(n):,})" for label, n in zip(labels, counts, strict=True)]
    if ax is None:
        _, ax = plt.subplots(figsize=(max(4.0, 1.0 * len(labels) + 2.0), 3.6))
    x = np.arange(len(values))
    yerr = None
    if intervals is not None:
        bounds = np.asarray([[float(low), float(high)] for low, high in intervals])
        if bounds.shape != (len(values), 2):
            raise ValueError(f"interval_bars needs one (low, high) pair per value; got shape {bounds.shape}")
        if ((bounds[:, 0] > values + 1e-12) | (bounds[:, 1] < values - 1e-12)).any():
            raise ValueError("every interval (low, high) must contain its value")
        yerr = np.vstack([values - bounds[:, 0], bounds[:, 1] - values])
    ax.bar(x, values, 0.6, color=color, alpha=0.8, yerr=yerr, capsize=4, ecolor="#333333")
    if ylim is None:
        lows = values if yerr is None else values - yerr[0]
        highs = values if yerr is None else values + yerr[1]
        top = float(max(highs.max(), reference if reference is not None else -np.inf))
        bottom = float(min(lows.min(), reference if reference is not None else np.inf))
        margin = 0.08 * max(top - bottom, 0.05)
        ylim = (max(0.0, bottom - margin) if bottom - margin > 0.25 * top else 0.0, top + margin)
    ax.set_ylim(*ylim)
    for xi, v in zip(x, values, strict=True):
        ax.text(
            xi,
            ylim[0] + 0.03 * (ylim[1] - ylim[0]),
            fmt.format(v),
            ha="center",
            va="bottom",
            fontsize=8,
            color="white",
            weight="bold",
        )
    if reference is not None:  # labelled at its right end, outside the bars
        ax.axhline(reference, color="tab:red", linestyle="--", linewidth=1.2, label=reference_label)
        ax.text(
            1.01,
            reference,
            f"{reference_label}\n{fmt.format(reference)}",
            transform=ax.get_yaxis_transform(),
            color="tab:red",
            fontsize=7.5,
            va="center",
            ha="left",
        )
    ax.set_xticks(x, labels=labels, fontsize=8)
    if ylabel:
        ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    return ax
