"""Helpers for the Hugging Face Transformers lab book.

The notebooks import only a few names from here::

    from helpers import check, setup
    cfg = setup("01")            # platform, device, profile, seeds, Hub check, versions, sizes

Modules (CONTRIBUTING.md says where shared code goes):

- ``lab``: ``setup()``, profiles and sizes, ``cfg.record()``; ``paths``: ``output_dir(NN)``, ``data_path()``.
- ``zoo``: the offline models, ``resolve(hub_id)``; a package: ``zoo.registry`` (entries, folders,
  manifests, ``hub_online()``), ``zoo.convert`` and ``zoo.standins`` (the builders), ``zoo.whisper_ct2``.
- ``data``: the course's real data sets (``load_bbc_news()``, ``load_wnut16()``, ``load_tweet_sentiment()``);
  ``rag``: BBC paragraphs as retrieval passages, the RAG question set and its matching rule (notebooks 19, 20).
- ``exercises``: ``check()`` and the answer coercions; ``exercise_bank``: one module of checks per notebook.
- ``finetuned``: notebook 11's BBC News classifier and its recipe, saved and loaded by later notebooks;
  ``training``: what the course's own training code shares (an encoder with a new head).
- ``viz``: the plots several notebooks share; ``diagrams``: diagrams drawn for one lesson each.
- ``timing``: ``best_time``, ``synchronize``; ``servers``: real local servers, started and stopped;
  ``gradio_app``, ``rag_app``: the Gradio pages of notebooks 18 and 20 (driven in a browser by the tests).
- ``bertviz_offline``: bertviz's head view without the network; ``metrics``: local ``evaluate`` modules;
  ``hub_mirror``: a local Hub mirror for notebook 17.
- ``catalog``, ``notebook_tools``, ``slides``: course housekeeping (titles, generated cells, decks).

Importing ``helpers`` is cheap: heavy libraries are imported by the functions that need them.

Importing it also sets ``OMP_WAIT_POLICY=PASSIVE`` (unless the variable is set already, or torch is already
imported: the OpenMP runtime reads it once, when torch loads it). Idle OpenMP threads then sleep instead of
spinning. On a 2-core machine that also runs other programs (a browser, a video call), spinning threads fight them
for the cores: a training step of a MiniLM-sized BERT took 6.65 s with the default and 1.43 s with ``PASSIVE``
next to two busy processes (4.6x faster; 3.98 vs 1.92 s, 2.1x, on another day). On a quiet machine it costs
up to about 15 %: 0.97 vs 0.93 s one day (3 interleaved rounds), 1.19 vs 1.34 s another (5 rounds), medians,
``python -m benchmarks threads``; notebook 16 in the smoke profile, where every operation is tiny, took 70 and
79 s against 63 and 68 s without it (paired runs, 2 cores). A bounded spin (``GOMP_SPINCOUNT=10000``, GNU
only) did no better on either side: 1.19x quiet, 0.58x loaded. Set ``OMP_WAIT_POLICY`` yourself (``ACTIVE``:
idle threads keep spinning) to choose otherwise.
"""

import os as _os
import sys as _sys

if "torch" not in _sys.modules:
    _os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from helpers.exercises import check  # noqa: E402
from helpers.lab import LabConfig, setup

__all__ = ["LabConfig", "check", "setup"]
__version__ = "0.1.0"
