"""Hostile submissions: each attacks the grader one way (see its docstring).

Every file provides ``logistic_loss`` (the attack) and a correct
``logistic_grad``, which must still be graded normally."""
