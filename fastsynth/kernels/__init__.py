"""numba kernels: functions over numpy arrays and scalars that fill preallocated buffers.

No pyarrow, no I/O and no Python objects here; the field modules wrap these and build Arrow arrays.
"""
