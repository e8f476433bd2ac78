"""Sentence encoders, one module per backend behind a small factory (factory.create_encoder)."""

from index.encoders.base import Encoder, ModelLayout, read_layout
from index.encoders.factory import (
           BACKENDS,
           DEFAULT_BACKEND,
           create_encoder,
           resolve_model,
           vector_precision,
           vector_space,
)

__all__ = ["BACKENDS", "DEFAULT_BACKEND", "Encoder", "ModelLayout", "create_encoder", "read_layout",
           "resolve_model", "vector_precision", "vector_space"]
