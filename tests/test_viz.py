"""The shared plots (helpers.viz) and the one-lesson diagrams (helpers.diagrams) draw what they claim.

Their docstring examples run with the other doctests (``pytest --doctest-modules helpers``, part of
``make test``)."""

import matplotlib.pyplot as plt  # the repository's conftest.py sets MPLBACKEND=Agg
import numpy as np
import pytest

from helpers import diagrams, paths, viz


def test_attention_heatmap_draws_the_weights():
    w = np.array([[0.9, 0.1], [0.3, 0.7]])
    ax = viz.attention_heatmap(w, ["a", "b"], ["c", "d"], title="t")
    image = ax.images[0].get_array()
    assert np.allclose(image, w) and ax.get_title() == "t"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b"]
    plt.close("all")


def test_confusion_heatmap_and_grouped_bars():
    ax = viz.confusion_heatmap(np.array([[5, 1], [2, 7]]), ["x", "y"])
    assert np.allclose(ax.images[0].get_array(), [[5, 1], [2, 7]])
    ax = viz.grouped_bars({"fp32": [4, 8], "bf16": [2, 4]}, ["a", "b"])
    assert len(ax.patches) == 4
    plt.close("all")


def test_show_tokens_is_self_contained_html():
    html = viz.show_tokens(
        {"bert": ["[CLS]", "hello", "[UNK]", "[SEP]"]}, special=["[CLS]", "[SEP]"], unknown=["[UNK]"]
    )
    assert "hello" in html and "http" not in html and html._repr_html_() == str(html)


def test_output_dir_respects_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("LAB_OUTPUT_DIR", str(tmp_path))
    assert paths.output_dir("3") == tmp_path / "03" and (tmp_path / "03").is_dir()
    with pytest.raises(FileNotFoundError, match="clone it"):
        paths.data_path("no-such-file.txt")


def test_stacked_bars_stacks_and_scales_to_percent():
    values = {"embeddings": [20.0, 10.0], "layers": [60.0, 10.0]}
    ax = viz.stacked_bars(values, ["big", "small"], title="t")
    assert len(ax.patches) == 4 and ax.get_title() == "t"
    tops = sorted(p.get_y() + p.get_height() for p in ax.patches)
    assert np.allclose(tops[-2:], [20.0, 80.0])  # each bar's top segment ends at its total
    ax = viz.stacked_bars(values, ["big", "small"], percent=True)
    assert np.allclose(sorted(p.get_y() + p.get_height() for p in ax.patches)[-2:], [100.0, 100.0])
    with pytest.raises(ValueError, match="values for 2 groups"):
        viz.stacked_bars({"x": [1.0]}, ["a", "b"])
    with pytest.raises(ValueError, match="negative"):
        viz.stacked_bars({"x": [1.0, -1.0]}, ["a", "b"])
    plt.close("all")


def test_transformer_families_draws_three_masks():
    ax = diagrams.transformer_families()
    texts = {t.get_text() for t in ax.texts}
    assert {"Encoder-only", "Decoder-only", "Encoder-decoder"} <= texts
    mask_cells = [p for p in ax.patches if type(p).__name__ == "Rectangle"]
    assert len(mask_cells) == 2 * 25  # a full and a causal 5 x 5 mask
    plt.close("all")


def test_training_curves_plots_the_log_history():
    history = [
        {"loss": 1.2, "learning_rate": 1e-4, "step": 5},
        {"loss": 1.0, "learning_rate": 5e-5, "step": 10},
        {"eval_loss": 1.1, "eval_accuracy": 0.4, "eval_macro_f1": 0.3, "eval_runtime": 2.0, "step": 10},
        {"train_runtime": 9.0, "train_loss": 1.1, "step": 10},
    ]
    fig = viz.training_curves(history)
    losses, metrics = fig.axes
    train_line, eval_line = losses.get_lines()
    assert list(train_line.get_xdata()) == [5, 10] and list(train_line.get_ydata()) == [1.2, 1.0]
    assert list(eval_line.get_ydata()) == [1.1]
    assert sorted(line.get_label() for line in metrics.get_lines()) == ["accuracy", "macro_f1"]  # no timings
    fig = viz.training_curves(history, metrics=["macro_f1"])
    assert [line.get_label() for line in fig.axes[1].get_lines()] == ["macro_f1"]
    assert len(viz.training_curves(history[:2]).axes) == 1  # nothing evaluated: one panel
    with pytest.raises(ValueError, match="no losses"):
        viz.training_curves([{"train_runtime": 1.0, "step": 1}])
    plt.close("all")


def test_reliability_diagram_draws_accuracy_per_bin():
    confidence = np.array([0.15, 0.55, 0.58, 0.95, 0.97, 1.0])
    correct = np.array([0, 1, 0, 1, 1, 1])
    ax = viz.reliability_diagram(confidence, correct, n_bins=10, title="t")
    heights = {round(p.get_x(), 2): p.get_height() for p in ax.patches}
    assert heights == {0.1: 0.0, 0.5: 0.5, 0.9: 1.0}  # bins (lo, hi]; 1.0 lands in the last bin
    counts = sorted(t.get_text() for t in ax.texts)
    assert counts == ["1", "2", "3"] and ax.get_title() == "t"
    with pytest.raises(ValueError, match="softmax"):
        viz.reliability_diagram([1.5, 0.2], [1, 0])
    with pytest.raises(ValueError, match="one correct"):
        viz.reliability_diagram([0.5, 0.2], [1])
    plt.close("all")


def test_interval_bars_draws_values_intervals_and_counts():
    ax = viz.interval_bars([0.9, 0.6], ["a", "b"], [(0.8, 0.95), (0.4, 0.7)], counts=[100, 7], reference=0.8)
    assert [p.get_height() for p in ax.patches] == pytest.approx([0.9, 0.6])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a\n(n=100)", "b\n(n=7)"]
    assert ax.get_lines()[-1].get_ydata()[0] == pytest.approx(0.8)  # the reference line
    with pytest.raises(ValueError, match="contain its value"):
        viz.interval_bars([0.9], ["a"], [(0.95, 0.99)])
    with pytest.raises(ValueError, match="counts"):
        viz.interval_bars([0.9], ["a"], counts=[1, 2])
    plt.close("all")
