"""Renderers: each turns RunResults into one output format."""
