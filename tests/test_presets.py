"""Model presets: offline resolution, device-aware default, install hints, the global --model option."""

import json

import pytest

import memlora_mlx  # noqa: F401
from memlora_mlx.engine.models import (CPU_DEFAULT, GPU_DEFAULT, PRESETS, ModelLoadError, Preset, choose_default,
                                       find_preset, resolve_model)


def test_presets_resolve_offline(default_model_dir):
    assert find_preset("qwen2.5-coder-0.5b").model_id == "Qwen2.5-Coder-0.5B-Instruct"
    assert find_preset("Qwen2.5-Coder-0.5B-Instruct") is PRESETS["qwen2.5-coder-0.5b"]
    assert find_preset("SmolLM2-135M-Instruct") is PRESETS["smollm2-135m"] and find_preset("gpt-9") is None
    r = resolve_model("smollm2-135m")  # imported once into the cache, no network
    assert r.model_id == "SmolLM2-135M-Instruct" and r.path == default_model_dir
    assert resolve_model(str(default_model_dir)).model_id == "SmolLM2-135M-Instruct"  # the cache dir keeps its id
    assert PRESETS[CPU_DEFAULT].installed()  # the CPU default is a default dependency


@pytest.mark.parametrize("device,installed,adapters,want,why", [
    ("Device(cpu, 0)", True, True, CPU_DEFAULT, "CPU default"),
    ("Device(gpu, 0)", False, True, CPU_DEFAULT, "not installed"),
    ("Device(gpu, 0)", True, False, CPU_DEFAULT, "no shipped adapters"),
    ("Device(gpu, 0)", True, True, GPU_DEFAULT, "GPU default"),
])
def test_device_aware_default(device, installed, adapters, want, why):
    preset, reason = choose_default(device, installed=lambda p: installed, adapters=lambda mid: adapters)
    assert preset.name == want and why in reason


def test_missing_model_package_gives_an_install_hint():
    ghost = Preset("ghost-1b", "Ghost-1B", "1B", ("memlora_no_such_pkg_part1",), ("data/part01.bin",), extra="ghost")
    with pytest.raises(ModelLoadError, match=r"ghost-1b is not installed .*uv sync --extra ghost"):
        ghost.parts()
    assert not ghost.installed()
    big = PRESETS["qwen2.5-coder-1.5b"]
    if not big.installed():
        with pytest.raises(ModelLoadError, match="uv sync --extra qwen-1-5b"):
            resolve_model("qwen2.5-coder-1.5b")


def test_adapters_for_another_base_are_refused(tiny_model_dir, tmp_path):
    from memlora_mlx.engine import worker
    from memlora_mlx.engine.adapters import AdapterBank, AdapterError, adapter_config, apply_lora, save_adapter
    from memlora_mlx.engine.models import load_model

    def run():
        src, _, _, _ = load_model(str(tiny_model_dir), "fp32")
        apply_lora(src, layers=1)  # trained on the last block only
        save_adapter(src, tmp_path / "a", adapter_config(src, "Qwen2.5-Coder-0.5B-Instruct", layers=1))
        other, _, _, _ = load_model(str(tiny_model_dir), "fp32")
        with pytest.raises(AdapterError, match="trained for base 'Qwen2.5-Coder-0.5B-Instruct', loaded base is "
                                               "'Qwen2.5-Coder-1.5B-Instruct'"):
            AdapterBank(other, "Qwen2.5-Coder-1.5B-Instruct").load("extract", tmp_path / "a")
        same, _, _, _ = load_model(str(tiny_model_dir), "fp32")
        bank = AdapterBank(same, "Qwen2.5-Coder-0.5B-Instruct")
        bank.load("extract", tmp_path / "a")  # a last-N-blocks adapter fills the other blocks with zeros
        assert json.loads((tmp_path / "a" / "adapter_config.json").read_text())["num_layers"] == 1
        assert float(abs(bank.adapters["extract"]["model.layers.0.self_attn.q_proj.lora_b"]).sum()) == 0

    worker.run(run)


def test_model_option_before_the_command(tmp_path):
    from memlora_mlx.cli import build_parser

    argv = ["--model", str(tmp_path), "eval", "locomo", "conv.json"]
    args = build_parser(argv).parse_args(argv)
    assert (args.command, args.eval_command, args.model, args.files) == ("eval", "locomo", str(tmp_path), ["conv.json"])
    argv = ["-v", "--model=smollm2-135m", "models", "--json"]
    args = build_parser(argv).parse_args(argv)
    assert args.command == "models" and args.model == "smollm2-135m"


def test_models_command_lists_presets(capsys):
    from memlora_mlx.cli import main

    assert main(["models", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert set(rows) == set(PRESETS)
    assert rows["smollm2-135m"]["adapters"] == ["extract", "update", "answer", "vqa"] and rows["smollm2-135m"]["installed"]
    assert sum(r["default"] for r in rows.values()) == 1
