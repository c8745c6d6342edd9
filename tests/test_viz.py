"""The shared plots: their docstring examples run, and they draw what they claim."""

import doctest

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from helpers import catalog, paths, viz  # noqa: E402


@pytest.mark.parametrize("module", [viz, catalog, paths], ids=lambda m: m.__name__)
def test_docstring_examples_run(module, tmp_path, monkeypatch):
    monkeypatch.setenv("LAB_OUTPUT_DIR", str(tmp_path))
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    plt.close("all")
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {module.__name__}"


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
