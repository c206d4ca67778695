"""Sample form values (placeholder, being written)."""

from __future__ import annotations


def sample_application(*a: object, **k: object) -> object:
    raise NotImplementedError


def sample_impact(*a: object, **k: object) -> object:
    raise NotImplementedError
