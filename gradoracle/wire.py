"""Plain data across the sandbox boundary: length-prefixed JSON frames, with
NumPy arrays as dtype and shape in the JSON and their raw bytes in binary
buffers after it, restricted to numeric dtypes (``.npy`` bytes are also read,
with ``allow_pickle=False``). Raw buffers rather than base64 inside the JSON:
encoding a 16k-entry array as text cost ~1.5 ms per crossing, more than the
formula call itself.

Nothing the submission produces is ever unpickled: a reply is parsed as JSON,
arrays are parsed by ``numpy.load`` without pickle, and anything that is not
numbers, sequences or None arrives as an opaque type name.
"""

from __future__ import annotations

import base64
import io
import json
import os
import struct
from typing import Any

import numpy as np

__all__ = ["encode", "decode", "send", "receive", "FrameTooLarge", "Opaque", "MAX_FRAME"]

# A reply larger than this is a submission returning something absurd; refuse it
# rather than let it exhaust the grader's memory.
MAX_FRAME = 256 * 1024 * 1024
_HEADER = struct.Struct(">Q")


class FrameTooLarge(Exception):
    pass


class Opaque:
    """A value of a type that cannot cross the boundary: only its type name does."""

    def __init__(self, type_name: str) -> None:
        self.type_name = type_name

    def __repr__(self) -> str:
        return f"<a {self.type_name}>"


# Only these dtype kinds cross: booleans, integers, floats, complex numbers.
# (Object, void and string dtypes never do, so nothing can smuggle a pickle.)
_NUMERIC_KINDS = "biufc"


class _Raw:
    """Bytes that :func:`send` carries as a binary buffer after the JSON."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data


def _array_to_wire(array: np.ndarray) -> dict[str, Any]:
    return {"__ndarray__": {"dtype": array.dtype.str, "shape": list(array.shape), "data": _Raw(array.tobytes())}}


def _array_from_wire(spec: Any) -> np.ndarray:
    if isinstance(spec, str):  # .npy bytes, loaded without pickle
        return np.load(io.BytesIO(base64.b64decode(spec)), allow_pickle=False)
    dtype = np.dtype(str(spec["dtype"]))
    if dtype.kind not in _NUMERIC_KINDS or dtype.fields is not None:
        raise ValueError(f"refusing an array of dtype {dtype}")
    shape = tuple(int(n) for n in spec["shape"])
    data = spec["data"]
    raw = data if isinstance(data, bytes) else base64.b64decode(data)
    if len(raw) != dtype.itemsize * int(np.prod(shape, dtype=np.int64)):
        raise ValueError("array data does not match its shape")
    return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()


def encode(value: Any) -> Any:
    """Turn a value into JSON-able data (arguments going out, results coming back)."""
    from gradoracle.callables import DataCallable, to_json

    if value is None or isinstance(value, (bool, str)):
        return value
    # np.float64 is a float subclass: it must stay a NumPy scalar across the wire
    # (it stands for a 0-d array, e.g. -x of a 0-d x, which --array-namespace converts).
    if isinstance(value, (int, float)) and not isinstance(value, (bool, np.floating)):
        return value
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, np.integer):
        return {"__npint__": int(value)}
    if isinstance(value, np.floating):
        return {"__npfloat__": float(value)}
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "biufc":
            return _array_to_wire(np.asarray(value, order="C"))  # ascontiguousarray would make 0-d arrays 1-d
        return {"__opaque__": f"numpy array of dtype {value.dtype}"}
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v) for v in value]}
    if isinstance(value, list):
        return {"__list__": [encode(v) for v in value]}
    if isinstance(value, np.random.Generator):
        bit_generator = value.bit_generator
        seed_seq = bit_generator.seed_seq
        return {
            "__generator__": {
                "name": type(bit_generator).__name__,
                "state": encode(bit_generator.state),
                # The seed sequence too, so that rng.spawn() works as it would in-process.
                "seed_seq": {
                    "entropy": encode(seed_seq.entropy),
                    "spawn_key": [int(k) for k in seed_seq.spawn_key],
                    "pool_size": int(seed_seq.pool_size),
                    "n_children_spawned": int(seed_seq.n_children_spawned),
                }
                if isinstance(seed_seq, np.random.SeedSequence)
                else None,
            }
        }
    if isinstance(value, dict):
        return {"__dict__": {str(k): encode(v) for k, v in value.items()}}
    if isinstance(value, DataCallable):
        return {"__callable__": to_json(value)}
    # A foreign array type (torch tensor, jax array, ...): its numbers, if it has any.
    try:
        array = np.asarray(value)
    except Exception:
        return {"__opaque__": type(value).__name__}
    if array.dtype.kind in "biufc":
        return _array_to_wire(np.asarray(array, order="C"))
    return {"__opaque__": type(value).__name__}


def decode(data: Any) -> Any:
    if isinstance(data, dict):
        if "__ndarray__" in data:
            return _array_from_wire(data["__ndarray__"])
        if "__tuple__" in data:
            return tuple(decode(v) for v in data["__tuple__"])
        if "__list__" in data:
            return [decode(v) for v in data["__list__"]]
        if "__npint__" in data:
            return np.int64(data["__npint__"])
        if "__npfloat__" in data:
            return np.float64(data["__npfloat__"])
        if "__opaque__" in data:
            return Opaque(str(data["__opaque__"]))
        if "__generator__" in data:
            spec = data["__generator__"]
            if spec["name"] not in ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64"):
                raise ValueError(f"unknown bit generator {spec['name']!r}")
            seed = spec.get("seed_seq")
            seed_seq = (
                np.random.SeedSequence(
                    entropy=decode(seed["entropy"]),
                    spawn_key=tuple(seed["spawn_key"]),
                    pool_size=seed["pool_size"],
                    n_children_spawned=seed["n_children_spawned"],
                )
                if seed
                else None
            )
            bit_generator = getattr(np.random, spec["name"])(seed_seq)
            bit_generator.state = _plain(decode(spec["state"]))
            return np.random.Generator(bit_generator)
        if "__dict__" in data:
            return {k: decode(v) for k, v in data["__dict__"].items()}
        if "__callable__" in data:
            from gradoracle.callables import from_json

            return from_json(data["__callable__"])
        return {k: decode(v) for k, v in data.items()}
    return data


def _plain(value: Any) -> Any:
    """numpy scalars back to Python ints, as bit-generator states expect."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, np.integer):
        return int(value)
    return value


def send(fd: int, message: dict[str, Any]) -> None:
    """One frame: the JSON's length and text, the number of buffers, then each
    buffer's length and bytes."""
    buffers: list[bytes] = []

    def buffer_reference(value: Any) -> Any:
        if isinstance(value, _Raw):
            buffers.append(value.data)
            return {"__buffer__": len(buffers) - 1}
        raise TypeError(f"{type(value).__name__} cannot cross the wire")

    payload = json.dumps(message, allow_nan=True, default=buffer_reference).encode("utf-8")
    size = len(payload) + sum(len(b) for b in buffers)
    if size > MAX_FRAME:
        raise FrameTooLarge(f"message of {size} bytes exceeds {MAX_FRAME}")
    parts = [_HEADER.pack(len(payload)), payload, _HEADER.pack(len(buffers))]
    for buffer in buffers:
        parts += [_HEADER.pack(len(buffer)), buffer]
    view = memoryview(b"".join(parts))
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _read_exactly(fd: int, size: int) -> bytes:
    chunks = []
    remaining = size
    while remaining:
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            raise EOFError("the other side closed the channel")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _read_size(fd: int, budget: int, limit: int) -> int:
    """A length prefix, refused before anything is read or allocated for it when
    it exceeds what is left of the reply's budget."""
    (size,) = _HEADER.unpack(_read_exactly(fd, _HEADER.size))
    if size > budget:
        raise FrameTooLarge(f"a reply of more than {limit:,} bytes, the most this call's result can need")
    return size


def receive(fd: int, budget: int = MAX_FRAME) -> dict[str, Any]:
    """One frame, of at most ``budget`` bytes in all (JSON text and buffers):
    the receiver knows how large a reply can legitimately be (see
    :func:`gradoracle.sandbox.reply_budget`), and every length prefix is checked
    against what is left before it is read."""
    limit = budget = min(budget, MAX_FRAME)
    text = _read_exactly(fd, _read_size(fd, budget, limit))
    budget -= len(text)
    buffers = []
    for _ in range(_read_size(fd, budget // _HEADER.size, limit)):
        buffers.append(_read_exactly(fd, size := _read_size(fd, budget, limit)))
        budget -= size + _HEADER.size

    def attach(obj: dict[str, Any]) -> Any:
        if obj.keys() == {"__buffer__"}:
            index = obj["__buffer__"]
            if not isinstance(index, int) or not 0 <= index < len(buffers):
                raise ValueError("malformed message: a buffer reference out of range")
            return buffers[index]
        return obj

    message = json.loads(text.decode("utf-8"), object_hook=attach)
    if not isinstance(message, dict):
        raise ValueError("malformed message")
    return message
