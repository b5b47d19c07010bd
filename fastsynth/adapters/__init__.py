"""Bridges to slower libraries (Faker, river, SDV), imported only when a field needs them."""
