"""Kernels of the concept-drift benchmark generators, one module per generator (see
``fastsynth.concepts``). Each fills the rows it is given, every draw a function of (key, row, draw)."""
