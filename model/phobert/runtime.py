"""Running the two-head network: PyTorch, or ONNX Runtime on an exported (int8) graph.

``tinbai export-onnx`` writes ``onnx/model.onnx`` (``torch.onnx.export(dynamo=True)``) and
``onnx/model.int8.onnx`` (``onnxruntime.quantization.quantize_dynamic``: int8 weights for the
MatMuls, activations quantised on the fly) into a bundle. On a 2-core CPU the int8 graph runs a
base-size RoBERTa about twice as fast as PyTorch fp32 (bench/bench_phobert.py). Both runners
take padded numpy batches and return numpy logits, so the tagger does not care which it has.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Protocol

import numpy as np

ONNX_DIR = "onnx"
ONNX_FP32 = "model.onnx"
ONNX_INT8 = "model.int8.onnx"
Backend = Literal["auto", "torch", "onnx", "onnx-fp32"]
BACKENDS: tuple[str, ...] = ("auto", "torch", "onnx", "onnx-fp32")


class Runner(Protocol):
    name: str

    def __call__(
        self, input_ids: np.ndarray, attention_mask: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]: ...


class TorchRunner:
    """fp32 PyTorch, no autograd."""

    name = "torch"

    def __init__(self, model, threads: int | None = None) -> None:
        import torch

        if threads:
            torch.set_num_threads(threads)
        self.model = model.eval()

    def __call__(
        self, input_ids: np.ndarray, attention_mask: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        import torch

        with torch.inference_mode():
            topic, campaigns = self.model(
                torch.from_numpy(input_ids), torch.from_numpy(attention_mask)
            )
        return topic.numpy(), campaigns.numpy()


class OrtRunner:
    """An ONNX Runtime session over an exported graph (fp32 or int8)."""

    def __init__(self, path: Path, threads: int | None = None) -> None:
        import onnxruntime as ort

        opts = ort.SessionOptions()
        if threads:
            opts.intra_op_num_threads = threads
            opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        from tinbai.model.bundle import read_file

        self.session = read_file(
            path,
            lambda p: ort.InferenceSession(str(p), opts, providers=["CPUExecutionProvider"]),
        )
        self.name = "onnx-int8" if path.name == ONNX_INT8 else "onnx-fp32"
        self.path = path

    def __call__(
        self, input_ids: np.ndarray, attention_mask: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        topic, campaigns = self.session.run(
            ["topic_logits", "campaign_logits"],
            {
                "input_ids": input_ids.astype(np.int64),
                "attention_mask": attention_mask.astype(np.int64),
            },
        )
        return topic, campaigns


def onnx_paths(bundle: Path) -> tuple[Path, Path]:
    return bundle / ONNX_DIR / ONNX_FP32, bundle / ONNX_DIR / ONNX_INT8


def export_onnx(
    model, directory: Path, *, quantize: bool = True, opset: int = 18
) -> dict[str, Path]:
    """Export ``model`` (a :class:`~model.phobert.modeling.TwoHeadModel`) to ``directory``
    with dynamic batch and sequence axes, then (optionally) write the int8 copy beside it."""
    import torch

    directory.mkdir(parents=True, exist_ok=True)
    fp32 = directory / ONNX_FP32
    model = model.eval()
    example = (torch.ones((2, 16), dtype=torch.long), torch.ones((2, 16), dtype=torch.long))
    batch, seq = torch.export.Dim("batch"), torch.export.Dim("sequence", max=4096)
    torch.onnx.export(
        model,
        example,
        str(fp32),
        dynamo=True,
        opset_version=opset,
        external_data=False,
        input_names=["input_ids", "attention_mask"],
        output_names=["topic_logits", "campaign_logits"],
        dynamic_shapes=({0: batch, 1: seq}, {0: batch, 1: seq}),
        optimize=True,
        verbose=False,
    )
    out = {"fp32": fp32}
    if quantize:
        out["int8"] = quantize_int8(fp32, directory / ONNX_INT8)
    return out


def quantize_int8(source: Path, target: Path) -> Path:
    """Dynamic int8 quantisation (weights int8 ahead of time, activations per batch)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8)
    return target


def pick_runner(
    bundle: Path, model_loader, backend: str = "auto", threads: int | None = None
) -> Runner:
    """``auto``: the int8 ONNX graph when the bundle has one, else the fp32 graph, else PyTorch.
    ``onnx`` insists on the int8 graph (or fp32 if only that exists), ``onnx-fp32`` on fp32,
    ``torch`` on PyTorch; a missing graph is an error, not a silent fallback."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r} (choose from {', '.join(BACKENDS)})")
    fp32, int8 = onnx_paths(bundle)
    if backend == "torch" or (backend == "auto" and not fp32.exists() and not int8.exists()):
        return TorchRunner(model_loader(), threads)
    if backend == "onnx-fp32":
        if not fp32.exists():
            raise FileNotFoundError(f"{fp32} not found; run `tinbai export-onnx {bundle}`")
        return OrtRunner(fp32, threads)
    if int8.exists():
        return OrtRunner(int8, threads)
    if fp32.exists():
        return OrtRunner(fp32, threads)
    raise FileNotFoundError(f"{bundle}: no ONNX graph; run `tinbai export-onnx {bundle}` first")
