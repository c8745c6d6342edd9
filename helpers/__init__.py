"""Helpers for the Hugging Face Transformers lab book.

The notebooks import only a few names from here::

    from helpers import check, setup
    cfg = setup("01")            # platform, device, profile, seeds, Hub check, versions, sizes

Modules: ``lab`` (setup), ``zoo`` (offline models: ``resolve``), ``data`` (real data sets),
``exercises`` (``check``), ``viz`` (plots), ``notebook_tools`` and ``slides`` (course housekeeping).
Importing ``helpers`` is cheap: heavy libraries are imported by the functions that need them.
"""

from helpers.exercises import check
from helpers.lab import LabConfig, setup

__all__ = ["LabConfig", "check", "setup"]
__version__ = "0.1.0"
