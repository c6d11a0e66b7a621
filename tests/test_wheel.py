"""The wheel works outside the checkout: built, installed into a fresh virtual environment in a
temporary folder, and run there (``tinbai tag``, ``tinbai summarize``, one ``tinbai serve``
request) on the seed article, with the repository nowhere on ``sys.path``.

The fresh environment installs only the wheel (``--no-deps``); its dependencies are reached
through a ``.pth`` line naming this interpreter's site-packages, as ``--system-site-packages``
would, so the test needs no network. A ``.pth`` entry is a plain path, not a site folder: the
editable install's finder there is not run, and ``tinbai`` is imported from the wheel (asserted).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import SEED_ARTICLE

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def _clean_env(venv: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "TINBAI_"))}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["HF_HUB_OFFLINE"] = "1"
    return env


@pytest.fixture(scope="module")
def wheel_venv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    root = tmp_path_factory.mktemp("wheel")
    dist = root / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation"]
        + ["-w", str(dist), str(REPO)],
        check=True,
        cwd=root,
        capture_output=True,
    )
    (wheel,) = dist.glob("tinbai-*.whl")
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = venv / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}"
    (site / "site-packages" / "_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    # pip comes through the .pth line; --ignore-installed: never touch the outer environment's
    # own tinbai install, which is visible there too
    subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-deps", "--no-compile"]
        + ["--ignore-installed", str(wheel)],
        check=True,
        cwd=root,
        capture_output=True,
        env=_clean_env(venv),
    )
    yield venv, _clean_env(venv)


def _run(
    venv: Path, env: dict[str, str], *args: str, stdin: str | None = None, program: str = "tinbai"
) -> str:
    """Run ``program`` (a script of the fresh environment) there; its stdout."""
    proc = subprocess.run(
        [str(venv / "bin" / program), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=venv.parent,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def _seed_jsonl(tmp: Path) -> Path:
    path = tmp / "seed.jsonl"
    text = SEED_ARTICLE.read_text(encoding="utf-8")
    path.write_text(json.dumps({"id": "seed", "text": text}, ensure_ascii=False) + "\n")
    return path


def test_tinbai_is_imported_from_the_wheel(wheel_venv: tuple[Path, dict[str, str]]) -> None:
    venv, env = wheel_venv
    code = "import json, sys, tinbai; print(json.dumps([tinbai.__file__, sys.path]))"
    out = _run(venv, env, "-c", code, program="python")
    file, path = json.loads(out.strip().splitlines()[-1])
    assert Path(file).resolve().is_relative_to(venv.resolve())
    # the checkout is not importable there (its own .venv may be: it holds the dependencies)
    entries = {Path(p).resolve() for p in path if p}
    assert REPO.resolve() not in entries
    assert not any((e / "model" / "bundle.py").is_file() for e in entries)


def test_python_api_from_the_wheel(wheel_venv: tuple[Path, dict[str, str]]) -> None:
    venv, env = wheel_venv
    text = f"open({str(SEED_ARTICLE)!r}, encoding='utf-8').read()"
    code = f"import json, tinbai; print(json.dumps(tinbai.load().tag({text}).to_dict()))"
    row = json.loads(_run(venv, env, "-c", code, program="python"))
    assert row["topic"]["label"] == "chinh-tri-xa-hoi"
    assert [c["id"] for c in row["campaigns"]] == ["hoc-tap-lam-theo-bac"]


def test_tag_and_summarize_from_the_wheel(wheel_venv: tuple[Path, dict[str, str]]) -> None:
    venv, env = wheel_venv
    seed = _seed_jsonl(venv.parent)
    row = json.loads(_run(venv, env, "tag", str(seed), "-o", "-"))
    assert row["topic"]["label"] == "chinh-tri-xa-hoi"
    assert [c["id"] for c in row["campaigns"]] == ["hoc-tap-lam-theo-bac"]
    summary = json.loads(_run(venv, env, "summarize", str(seed), "-o", "-"))
    assert summary["id"] == "seed" and len(summary["sentences"]) == 3


def test_tag_from_the_wheel_needs_no_scikit_learn(wheel_venv: tuple[Path, dict[str, str]]) -> None:
    """The default install has no scikit-learn nor SciPy (the ``train`` extra); the .pth
    reaches this environment's, so they are hidden: importing either fails there."""
    venv, env = wheel_venv
    seed = _seed_jsonl(venv.parent)
    code = (
        "import sys; sys.modules['sklearn'] = sys.modules['scipy'] = None;"
        f"from tinbai.service.cli import main; sys.exit(main(['tag', {str(seed)!r}, '-o', '-']))"
    )
    row = json.loads(_run(venv, env, "-c", code, program="python"))
    assert row["topic"]["label"] == "chinh-tri-xa-hoi"
    assert [c["id"] for c in row["campaigns"]] == ["hoc-tap-lam-theo-bac"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_from_the_wheel(wheel_venv: tuple[Path, dict[str, str]]) -> None:
    venv, env = wheel_venv
    port = _free_port()
    proc = subprocess.Popen(
        [str(venv / "bin" / "tinbai"), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=venv.parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):  # the service loads the bundle before it listens
            if proc.poll() is not None:
                pytest.fail(f"tinbai serve exited: {proc.stderr.read().decode()[-2000:]}")
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        body = json.dumps({"text": SEED_ARTICLE.read_text(encoding="utf-8")}).encode()
        req = urllib.request.Request(
            f"{base}/v1/tag", data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(req, timeout=60) as resp:
            row = json.loads(resp.read())
        assert row["topic"]["label"] == "chinh-tri-xa-hoi"
        assert row["meta"]["author"] == "Lý Dũng"
        with urllib.request.urlopen(f"{base}/", timeout=5) as resp:  # the editor page ships too
            assert b"<html" in resp.read().lower()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
