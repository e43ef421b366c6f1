"""Wedges the grader with a huge reply: logistic.loss (one number) answers with
a 6 MB frame. (Sent as a list of numbers, JSON text that size costs a parser
~50 times its size; any reply larger than the formula's result can need is
refused from its length prefix, whatever it holds.)"""
import numpy as np


def logistic_loss(w, b, x, y):
    return "0," * 3_000_000


def logistic_grad(w, b, x, y):
    z = x @ w + b
    r = (1 - y) / (1 + np.exp(-z)) - y / (1 + np.exp(z))
    return x.T @ r, float(np.sum(r))
