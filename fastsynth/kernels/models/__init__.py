"""numba kernels of the models fitted on real data (``fastsynth.models``)."""
