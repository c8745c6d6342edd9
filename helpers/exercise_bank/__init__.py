"""Exercise checks, one module per notebook (``nbNN.py``), loaded on the first ``check("NN.k", ...)``."""
