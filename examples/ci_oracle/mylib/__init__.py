"""mylib: a tiny deep-learning library, the kind that uses gradoracle as its CI oracle."""

from mylib import nn, optim

__all__ = ["nn", "optim"]
