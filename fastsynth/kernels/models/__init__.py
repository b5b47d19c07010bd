"""numba kernels of the fitted models (``fastsynth.models``)."""
