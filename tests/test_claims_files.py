"""Claims files (TOML): every bad input is one line naming file, line and key; good files
build the claims they describe."""

from __future__ import annotations

from pathlib import Path

import pytest
import sympy as sp

from proofs_check import files
from proofs_check.cli import main
from proofs_check.core import Budget, Claim, Evidence, Source, Verdict
from proofs_check.files import ClaimsFileError, claim_origin, load_claims, parse_claims
from symstab.errors import InputError
from symstab.evidence import Strength

QUAD = '''[[claim]]
id = "a"
loss = "x**2/2 + y**2"
property = "threshold_equals"
expected = "1"
'''
# lines 1-5 of every case below are QUAD; the claim under test starts on line 7.


def conv(**keys: str) -> str:
    """QUAD, then a converges_from claim (header on line 7) with ``keys`` after 'property'."""
    head = ('\n[[claim]]\nid = "b"\nloss = "x**2/2 + y**2"\nproperty = "converges_from"\n')
    body = "".join(f"{k} = {v}\n" for k, v in keys.items())
    return QUAD + head + body  # keys start on line 11


# (case id, file text, expected line, expected key or None, text the message must contain)
BAD = [
    ("not-toml", QUAD + '\n[[claim]]\nid = "b"\nloss = \n', 9, None, "not valid TOML"),
    ("not-toml-unclosed", QUAD + 'params = ["x",\n', 6, None, "not valid TOML"),
    ("empty-file", "", 1, None, "no [[claim]]"),
    ("only-comments", "# nothing\n", 1, None, "no [[claim]]"),
    ("top-level-key", '[claims]\nid = "x"\n', 1, "claims", "unknown top-level key"),
    ("claim-not-array", '[claim]\nid = "x"\n', 1, "claim", "array of tables"),
    ("unknown-key", QUAD + "colour = 'red'\n", 6, "colour", "unknown key"),
    ("misspelt-key", conv(eta='"0.5"', piont='["1", "1"]'), 12, "piont", "did you mean 'point'"),
    ("missing-id", '[[claim]]\nloss = "x**2"\nproperty = "threshold_equals"\nexpected = "1"\n',
     1, "id", "missing required key"),
    ("missing-property", '[[claim]]\nid = "a"\nloss = "x**2"\n', 1, "property",
     "missing required key"),
    ("missing-expected", QUAD.replace('expected = "1"\n', ""), 1, "expected", "missing"),
    ("missing-eta", conv(point='["1", "1"]'), 7, "eta", "give 'eta' or 'eta_range'"),
    ("missing-point-or-box", conv(eta='"0.5"'), 7, "box", "give 'box' or 'point'"),
    ("loss-wrong-type", QUAD.replace('"x**2/2 + y**2"', "3"), 3, "loss", "must be a string"),
    ("loss-empty", QUAD.replace('"x**2/2 + y**2"', '""'), 3, "loss", "must not be empty"),
    ("id-wrong-type", QUAD.replace('"a"', "1"), 2, "id", "must be a string"),
    ("id-bad-chars", QUAD.replace('"a"', '"a b"'), 2, "id", "bad id"),
    ("eta-wrong-type", conv(eta="true", point='["1", "1"]'), 11, "eta", "not a boolean"),
    ("point-wrong-type", conv(eta='"0.5"', point='"1,1"'), 12, "point", "array"),
    ("property-unknown", QUAD.replace("threshold_equals", "is_nice"), 4, "property",
     "unknown property 'is_nice'"),
    ("property-wrong-type", QUAD.replace('"threshold_equals"', "[1]"), 4, "property",
     "unknown property"),
    ("loss-bad-text", QUAD.replace("x**2/2 + y**2", "x +* y"), 3, "loss", "column"),
    ("loss-hostile", QUAD.replace('"x**2/2 + y**2"', "\"__import__('os').system('ls')\""), 3,
     "loss", "loss"),
    ("loss-unknown-function", QUAD.replace("x**2/2 + y**2", "foo(x)"), 3, "loss",
     "unknown function"),
    ("loss-symbol-not-param", QUAD + 'params = "x"\n', 3, "loss", "not among the parameters"),
    ("params-repeated", QUAD + 'params = "x,x"\n', 6, "params", "x"),
    ("params-wrong-type", QUAD + "params = 3\n", 6, "params", "must be a string"),
    ("catalog-params-count", QUAD.replace('"x**2/2 + y**2"', '"f4"') + 'params = "x"\n', 3,
     "loss", "parameters"),
    ("expected-not-number", QUAD.replace('"1"', '"one"'), 5, "expected", "not a number"),
    ("expected-div-zero", QUAD.replace('"1"', '"1/0"'), 5, "expected", "not a number: '1/0'"),
    ("eta-zero", conv(eta='"0"', point='["1", "1"]'), 11, "eta", "positive"),
    ("eta-negative", conv(eta="-0.5", point='["1", "1"]'), 11, "eta", "positive"),
    ("eta-div-zero", conv(eta='"1/0"', point='["1", "1"]'), 11, "eta", "'1/0'"),
    ("eta-symbol", conv(eta='"x"', point='["1", "1"]'), 11, "eta", "must be a number"),
    ("eta-inf", conv(eta="inf", point='["1", "1"]'), 11, "eta", "must be a number"),
    ("eta-and-range", conv(eta='"0.5"', eta_range='["0.1", "0.9", 3]', point='["1", "1"]'),
     12, "eta_range", "not both"),
    ("point-and-box", conv(eta='"0.5"', point='["1", "1"]', box='[["0", "1"], ["0", "1"]]'),
     12, "point", "not both"),
    ("range-reversed", conv(eta_range='["0.9", "0.1", 3]', point='["1", "1"]'), 11,
     "eta_range", "start < stop"),
    ("range-count-1", conv(eta_range='["0.1", "0.9", 1]', point='["1", "1"]'), 11,
     "eta_range", "count"),
    ("range-count-float", conv(eta_range='["0.1", "0.9", 2.5]', point='["1", "1"]'), 11,
     "eta_range", "integer"),
    ("range-too-large", conv(eta_range='["0.1", "0.9", 1000]', point='["1", "1"]'), 11,
     "eta_range", "between 2 and 50"),
    ("range-short", conv(eta_range='["0.1", "0.9"]', point='["1", "1"]'), 11, "eta_range",
     "[start, stop, count]"),
    ("range-bad-eta", conv(eta_range='["0", "0.9", 3]', point='["1", "1"]'), 11, "eta_range",
     "positive"),
    ("point-too-short", conv(eta='"0.5"', point='["1"]'), 12, "point", "2 coordinate"),
    ("point-too-long", conv(eta='"0.5"', point='["1", "2", "3"]'), 12, "point", "got 3"),
    ("point-not-number", conv(eta='"0.5"', point='["1", "abc"]'), 12, "point", "not a number"),
    ("point-div-zero", conv(eta='"0.5"', point='["1/0", "1"]'), 12, "point", "not a number"),
    ("point-bool", conv(eta='"0.5"', point='[true, 1]'), 12, "point", "boolean"),
    ("box-lo-eq-hi", conv(eta='"0.5"', box='[["1", "1"], ["0", "1"]]'), 12, "box", "lo < hi"),
    ("box-lo-gt-hi", conv(eta='"0.5"', box='[[0, 1], [2, -2]]'), 12, "box", "side 2"),
    ("box-wrong-length", conv(eta='"0.5"', box='[[0, 1]]'), 12, "box", "2 [lo, hi] pairs"),
    ("box-not-pairs", conv(eta='"0.5"', box='[[0, 1, 2], [0, 1]]'), 12, "box", "pair"),
    ("box-not-number", conv(eta='"0.5"', box='[["a", "1"], [0, 1]]'), 12, "box",
     "not a number"),
    ("bound-zero", QUAD + '\n[[claim]]\nid = "f"\nloss = "x**2/2 + y**2"\n'
     'property = "fraction_below"\neta = "0.5"\nbox = [[0, 1], [0, 1]]\nbound = 0\n', 13,
     "bound", "(0, 1]"),
    ("bound-above-one", QUAD + '\n[[claim]]\nid = "f"\nloss = "x**2/2 + y**2"\n'
     'property = "fraction_below"\neta = "0.5"\nbox = [[0, 1], [0, 1]]\nbound = 1.5\n', 13,
     "bound", "(0, 1]"),
    ("bound-not-number", QUAD + '\n[[claim]]\nid = "f"\nloss = "x**2/2 + y**2"\n'
     'property = "fraction_below"\neta = "0.5"\nbox = [[0, 1], [0, 1]]\nbound = "half"\n', 13,
     "bound", "not a number"),
    ("bound-above-one-above", QUAD + '\n[[claim]]\nid = "f"\nloss = "x**2/2 + y**2"\n'
     'property = "fraction_above"\neta = "0.5"\nbox = [[0, 1], [0, 1]]\nbound = 1\n', 13,
     "bound", "[0, 1)"),
    ("missing-bound", QUAD + '\n[[claim]]\nid = "f"\nloss = "x**2/2 + y**2"\n'
     'property = "fraction_below"\neta = "0.5"\nbox = [[0, 1], [0, 1]]\n', 7,
     "bound", "missing"),
    ("evidence-unknown", QUAD + 'evidence = "proof"\n', 6, "evidence", "must be one of exact"),
    ("evidence-wrong-type", QUAD + "evidence = 1\n", 6, "evidence", "must be one of"),
    ("expect-unknown", QUAD + 'expect = "maybe"\n', 6, "expect", '"holds" or "fails"'),
    ("invariance-not-bool", QUAD + '\n[[claim]]\nid = "d"\nloss = "x**2/2 + y**2"\n'
     'property = "descent_inequality"\neta = "0.5"\ninvariance = "yes"\n', 12,
     "invariance", "true or false"),
    ("constant-bad-symbol", QUAD + '\n[[claim]]\nid = "d"\nloss = "x**2/2 + y**2"\n'
     'property = "descent_inequality"\neta = "0.5"\nconstant = "1 - z"\n', 12,
     "constant", "only eta and M"),
    ("duplicate-id", QUAD + "\n" + QUAD, 8, "id", "duplicate claim id 'a'"),
    ("duplicate-id-two-ranges",
     conv(eta_range='["0.5", "1", 2]', point='["1", "1"]')
     + '\n[[claim]]\nid = "b"\nloss = "x**2"\nproperty = "forward_invariant"\n'
       'eta_range = ["2", "3", 2]\n', 15, "id", "duplicate claim id 'b'"),
    ("id-with-brackets", QUAD.replace('"a"', '"a[eta=1]"'), 2, "id", "bad id"),
    ("too-many-tables", QUAD * 0 + "".join(
        f'[[claim]]\nid = "c{i}"\nloss = "x**2"\nproperty = "threshold_equals"\n'
        f'expected = "1"\n' for i in range(101)), 501, None, "too many [[claim]] tables"),
    ("too-many-claims", "".join(
        f'[[claim]]\nid = "c{i}"\nloss = "x**2"\nproperty = "forward_invariant"\n'
        f'eta_range = ["0.1", "0.5", 50]\n' for i in range(5)), 21, None, "too many claims"),
]


@pytest.fixture
def no_seeds(monkeypatch):
    """Seed claims replaced by one hand-made claim, ``seed.one``."""
    claim = _claim("seed.one", Verdict.HOLDS)

    def seed_claim(claim_id: str) -> Claim:
        if claim_id != claim.id:
            raise KeyError(claim_id)
        return claim

    monkeypatch.setattr(files, "_seed_claim", seed_claim)
    monkeypatch.setattr(files, "_seed_ids", lambda: [claim.id])
    return claim


def _claim(claim_id: str, verdict: Verdict, strength: Strength = Strength.EXACT) -> Claim:
    return Claim(claim_id, f"title of {claim_id}", "statement", "", Source("test", "none"),
                 run=lambda budget: (verdict, Evidence(strength, "hand-made"), None))


BUILTIN_BAD = [
    ("builtin-unknown", '[[claim]]\nproperty = "builtin"\nbuiltin = "seed.onw"\n', 3,
     "builtin", "did you mean seed.one"),
    ("builtin-with-loss", '[[claim]]\nproperty = "builtin"\nbuiltin = "seed.one"\n'
     'loss = "x"\n', 4, "loss", "unknown key for property 'builtin'"),
    ("builtin-missing-id", '[[claim]]\nproperty = "builtin"\n', 1, "builtin", "missing"),
    ("builtin-duplicate", '[[claim]]\nproperty = "builtin"\nbuiltin = "seed.one"\n\n'
     '[[claim]]\nproperty = "builtin"\nbuiltin = "seed.one"\n', 7, "builtin", "duplicate"),
]


@pytest.mark.parametrize(("text", "line", "key", "needle"),
                         [case[1:] for case in BAD + BUILTIN_BAD],
                         ids=[case[0] for case in BAD + BUILTIN_BAD])
def test_bad_claims_file_is_one_line_naming_file_line_and_key(tmp_path, monkeypatch, capsys,
                                                              no_seeds, text, line, key,
                                                              needle):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "claims.toml").write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_claims("claims.toml")
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"claims.toml:{line}: "), message
    if key is not None:
        assert f"key '{key}'" in message, message
        assert info.value.key == key
    assert needle in message, message
    assert info.value.line == line
    # the CLI: exit code 2, the same line on stderr, nothing else
    code = main(["claims.toml"])
    out, err = capsys.readouterr()
    assert code == 2
    assert err == f"proofs-check: error: {message}\n"
    assert "Traceback" not in err and out == ""


@pytest.mark.parametrize(("name", "content", "needle"), [
    ("missing.toml", None, "cannot read"),
    ("adir.toml", "dir", "not a file"),
    ("latin1.toml", "bytes", "not UTF-8"),
    ("huge.toml", "huge", "too large"),
])
def test_unreadable_files_are_one_line(tmp_path, monkeypatch, capsys, name, content, needle):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / name
    if content == "dir":
        path.mkdir()
    elif content == "bytes":
        path.write_bytes(QUAD.encode() + b'title = "caf\xe9"\n')
    elif content == "huge":
        path.write_text("# " + "x" * files.MAX_FILE_BYTES + "\n")
    with pytest.raises(ClaimsFileError) as info:
        load_claims(name)
    assert str(info.value).startswith(f"{name}:") and needle in str(info.value)
    assert main([name]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_not_utf8_names_its_line(tmp_path):
    path = tmp_path / "claims.toml"
    path.write_bytes(QUAD.encode() + b'title = "caf\xe9"\n')
    with pytest.raises(ClaimsFileError) as info:
        load_claims(path)
    assert info.value.line == 6


def test_valid_file_builds_claims_with_ranges_evidence_and_origin(tmp_path, no_seeds):
    text = (QUAD + 'evidence = "exact"\ntitle = "my title"\n'
            + '\n[[claim]]\nid = "b"\nloss = "x**2/2 + y**2"\nparams = ["x", "y"]\n'
              'property = "converges_from"\neta_range = ["0.5", "1.5", 3]\npoint = ["1", 1.5]\n'
            + '\n[[claim]]\nid = "f"\nloss = "f4"\nproperty = "fraction_below"\neta = 0.05\n'
              'box = [["-2", "2"], [-2, 2]]\nbound = 0.5\nexpect = "fails"\n'
            + '\n[[claim]]\nproperty = "builtin"\nbuiltin = "seed.one"\n')
    path = tmp_path / "claims.toml"
    path.write_text(text, encoding="utf-8")
    claims = load_claims(path)
    assert [c.id for c in claims] == ["a", "b[eta=1/2]", "b[eta=1]", "b[eta=3/2]", "f",
                                      "seed.one"]
    assert claims[0].title == "my title"
    assert [claim_origin(c) for c in claims] == [f"{path}:1"] * 1 + [f"{path}:9"] * 3 + [
        f"{path}:17", f"{path}:26"]
    assert claims[4].expected is Verdict.FAILS
    assert claims[1].expected is Verdict.HOLDS
    # the η of each expanded claim is exact (0.5 -> 1/2, not a float)
    assert "η = 1/2" in claims[1].title and "(1, 3/2)" in claims[1].title
    assert "η = 1/20" in claims[4].title


def test_evidence_level_weakens_weaker_verdicts(no_seeds, monkeypatch):
    text = '[[claim]]\nproperty = "builtin"\nbuiltin = "seed.one"\nevidence = "exact"\n'
    (claim,) = parse_claims(text, "inline.toml")
    assert claim.check(Budget.reduced()).verdict is Verdict.HOLDS
    weak_seed = _claim("seed.one", Verdict.HOLDS, Strength.NUMERICAL)
    monkeypatch.setattr(files, "_seed_claim", lambda claim_id: weak_seed)
    (weak,) = parse_claims(text, "inline.toml")
    result = weak.check(Budget.reduced())
    assert result.verdict is Verdict.INCONCLUSIVE
    assert "exact was required" in result.evidence.summary


def test_threshold_claims_from_a_file_check_exactly(tmp_path):
    # x²/2 + y²: Hessian diag(1, 2), λmax = 2, so η* = 2/2 = 1 (by hand).
    text = QUAD + '\n' + QUAD.replace('"a"', '"b"').replace('"1"', '"1/2"')
    claims = parse_claims(text, "t.toml")
    results = [c.check(Budget.reduced()) for c in claims]
    assert [r.verdict for r in results] == [Verdict.HOLDS, Verdict.FAILS]
    assert results[1].counterexample is not None


def test_eta_range_values_are_exact_and_inclusive():
    text = ('[[claim]]\nid = "r"\nloss = "x**2"\nproperty = "forward_invariant"\n'
            'eta_range = ["1/10", "1/2", 5]\n')
    claims = parse_claims(text)
    assert [c.id for c in claims] == ["r[eta=1/10]", "r[eta=1/5]", "r[eta=3/10]",
                                      "r[eta=2/5]", "r[eta=1/2]"]
    assert sp.Rational(3, 10) == files._Claim("p", files._Locator(text), 0, {
        "eta_range": ["1/10", "1/2", 5]}).etas()[2]


def test_error_line_is_found_in_the_right_claim_block():
    # the same key in two blocks: the error names the second block's line
    text = QUAD + "\n" + QUAD.replace('"a"', '"b"').replace('"1"', '"zero"')
    with pytest.raises(ClaimsFileError) as info:
        parse_claims(text, "two.toml")
    assert str(info.value).startswith("two.toml:11: key 'expected':")


EXAMPLES = sorted((Path(__file__).parent.parent / "examples" / "claims").glob("*.toml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_files_load(path):
    claims = load_claims(path)
    assert claims and len({c.id for c in claims}) == len(claims)


def test_builtin_seed_claims_by_id():
    text = '[[claim]]\nproperty = "builtin"\nbuiltin = "chen.threshold.f4"\n'
    (claim,) = parse_claims(text, "b.toml")
    assert claim.id == "chen.threshold.f4" and claim_origin(claim) == "b.toml:1"
    with pytest.raises(ClaimsFileError, match=r"b\.toml:3: key 'builtin': unknown builtin "
                                              r"claim id 'chen\.threshold\.f5' \(did you mean "
                                              r"chen\.threshold\.f"):
        parse_claims(text.replace("f4", "f5"), "b.toml")


def test_mistyped_catalog_name_is_bad_input(tmp_path) -> None:
    from proofs_check.cli import main

    path = tmp_path / "typo.toml"
    path.write_text('[[claim]]\nid = "a"\nloss = "F4"\nproperty = "threshold_equals"\n'
                    'expected = "10/19"\n')
    assert main([str(path)]) == 2
