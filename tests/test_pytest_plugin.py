"""The pytest plugin: claims files become test items (run with ``pytester`` in a tmp dir)."""

from __future__ import annotations

import os

import pytest

pytest_plugins = ["pytester"]

# x²/2 + y²: Hessian diag(1, 2), λmax = 2, so η* = 1 (by hand). GD from (1, 1) at η = 1/2
# contracts both coordinates (factors 1/2 and 0), at η = 3/2 the y-factor is 1 - 3 = -2.
CLAIMS = '''[[claim]]
id = "quad-threshold"
loss = "x**2/2 + y**2"
property = "threshold_equals"
expected = "1"

[[claim]]
id = "quad-threshold-wrong"
loss = "x**2/2 + y**2"
property = "threshold_equals"
expected = "1/2"

[[claim]]
id = "quad-diverges"
loss = "x**2/2 + y**2"
property = "converges_from"
eta = "3/2"
point = ["1", "1"]

[[claim]]
id = "quad-known-false"
loss = "x**2/2 + y**2"
property = "converges_from"
eta = "3/2"
point = ["1", "1"]
expect = "fails"

[[claim]]
id = "quad-needs-proof"
loss = "x**2/2 + y**2"
property = "converges_from"
eta = "1/2"
point = ["1", "1"]
evidence = "exact"
'''


def _run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """``runpytest``, loading the plugin explicitly when entry-point autoload is off."""
    if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        args = ("-p", "proofs_check.pytest_plugin", *args)
    return pytester.runpytest(*args)


@pytest.fixture(scope="module", autouse=True)
def _import_outside_pytester():
    """Import (and run) what the checks need before ``pytester`` snapshots ``sys.modules``:
    in-process runs drop modules first imported inside them, and numpy cannot be loaded
    twice in one process."""
    from proofs_check.files import parse_claims

    for claim in parse_claims(CLAIMS):
        claim.check()


@pytest.fixture
def claims_dir(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makefile(".toml", claims_quad=CLAIMS)
    return pytester


def test_claims_are_items_with_pass_fail_skip(claims_dir):
    result = _run(claims_dir, "-rfs")
    # threshold + known-false pass; the wrong threshold and the divergence fail; the claim
    # that asks for exact evidence (converges_from gives certified) is inconclusive: skipped
    result.assert_outcomes(passed=2, failed=2, skipped=1)
    out = result.stdout.str()
    assert "counterexample: minimum with η* = 1 ≠ 1/2 at θ = (0, 0)" in out
    assert "counterexample: GD diverged" in out and "θ = (1, 1), η = 3/2" in out
    assert "inconclusive: holds on certified evidence, but exact was required" in out
    assert "Traceback" not in out
    # the skip is reported at the claim's [[claim]] line, not inside the plugin
    assert "SKIPPED [1] claims_quad.toml:28: inconclusive" in out
    result.stdout.fnmatch_lines(["FAILED claims_quad.toml::quad-threshold-wrong*",
                                 "FAILED claims_quad.toml::quad-diverges*"])


def test_strict_fails_undecided_claims(claims_dir):
    result = _run(claims_dir, "--claims-strict", "-k", "needs-proof")
    result.assert_outcomes(failed=1)
    assert "exact was required" in result.stdout.str()


def test_collects_only_claims_files(pytester):
    one = CLAIMS.split("\n\n")[0] + "\n"  # the first claim, quad-threshold
    pytester.makefile(".toml", claims=one)
    pytester.makefile(".claims.toml", mine=one)
    pytester.makefile(".toml", other="not = 'a claims file'")
    pytester.makefile(".toml", pyproject="[tool.x]\ny = 1\n")
    result = _run(pytester, "--collect-only", "-q", "--claims-budget", "full")
    result.stdout.fnmatch_lines(["claims.toml::quad-threshold",
                                 "mine.claims.toml::quad-threshold",
                                 "2 tests collected*"])
    assert "other.toml" not in result.stdout.str()
    assert result.ret == 0


def test_malformed_claims_file_is_a_one_line_collection_error(pytester):
    pytester.makefile(".toml", claims_bad='[[claim]]\nid = "a"\nloss = "x**2"\n'
                                          'property = "converges_from"\neta = "1/0"\n'
                                          'point = ["1"]\n')
    result = _run(pytester)
    result.assert_outcomes(errors=1)
    out = result.stdout.str()
    assert "claims_bad.toml:5: key 'eta': bad step size '1/0'" in out
    assert "Traceback" not in out and "files.py" not in out


def test_bad_budget_option_is_a_usage_error(pytester):
    result = _run(pytester, "--claims-budget", "huge")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
