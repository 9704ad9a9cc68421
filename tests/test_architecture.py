"""The layout is the architecture: the import-linter contracts in pyproject.toml (one-way layers, no cycles
inside a package) hold, and no module grows past 400 lines."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 400


def test_import_contracts_hold():
    exe = Path(sys.executable).with_name("lint-imports")
    fallback = [sys.executable, "-c", "from importlinter.cli import lint_imports_command as c; c()"]
    cmd = [str(exe)] if exe.is_file() else fallback
    p = subprocess.run([*cmd, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout[-4000:] + p.stderr[-2000:]
    assert "0 broken" in p.stdout


def test_no_module_over_400_lines():
    files = [f for d in ("memlora_mlx", "tui", "tests", "scripts") for f in (ROOT / d).rglob("*.py")]
    long = {str(f.relative_to(ROOT)): n for f in files if (n := len(f.read_text().splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines: {long}"
