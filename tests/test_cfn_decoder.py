"""cfn-lint's decoder is imported without cfn-lint's rule engine (lambdalint.loaders.cfn_decoder).

Each test runs in a fresh interpreter: what is imported is the point, and the light import
changes ``sys.modules`` for the rest of the process."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def _run(code: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_decoder_loads_without_rule_engine_and_decodes_with_marks() -> None:
    out = _run(
        """
        import sys
        from lambdalint.loaders import cfn_decoder
        decode = cfn_decoder.load()
        heavy = sorted(m for m in ("cfnlint.rules", "cfnlint.template", "cfnlint.api", "sympy", "networkx") if m in sys.modules)
        print("heavy", heavy)
        template, matches = decode.decode_str("Resources:\\n  Fn:\\n    Type: AWS::Lambda::Function\\n")
        fn = template["Resources"]["Fn"]
        print("mark", fn.start_mark.line, matches)
        template, matches = decode.decode_str('{"Resources": {"A": {}, "A": {}}}')
        print("json", [(m.message, m.linenumber, m.rule.id) for m in matches])
        template, matches = decode.decode_str("Resources:\\n  A:\\n    Type: X\\n  A:\\n    Type: Y\\n")
        print("yaml", [(m.message, m.linenumber) for m in matches])
        """
    )
    assert "heavy []" in out
    assert "mark 2 []" in out
    assert "json [(\"Duplicate found 'A' (line 1)\", 1, 'E0000')" in out
    assert "yaml [(\"Duplicate found 'A' (line 2)\", 2), (\"Duplicate found 'A' (line 4)\", 4)]" in out


def test_syntax_errors_and_a_later_full_import_still_work() -> None:
    """A YAML syntax error makes cfn-lint's decoder import ``cfnlint.rules.errors`` for real,
    and cfn-lint used as a library afterwards is the complete package."""
    out = _run(
        """
        from lambdalint.loaders import cfn_decoder
        decode = cfn_decoder.load()
        template, matches = decode.decode_str("Resources: [\\n  a: b\\n")
        print("syntax", template, [(m.linenumber, m.rule.id) for m in matches], bool(matches[0].message))
        import cfnlint
        print("api", callable(cfnlint.lint))
        from cfnlint.rules import CloudFormationLintRule
        print("rules", CloudFormationLintRule.__name__)
        """
    )
    assert "syntax None [(3, 'E0000')] True" in out
    assert "api True" in out
    assert "rules CloudFormationLintRule" in out


def test_a_syntax_error_does_not_import_the_rule_engine() -> None:
    """lambdalint decodes through ``cfn_decoder.decode_str``: cfn-lint's error matches get the
    stand-in ``ParseError`` instead of the whole of ``cfnlint.rules``; a JSON error too."""
    out = _run(
        """
        import sys
        from lambdalint.loaders import cfn_decoder
        template, matches = cfn_decoder.decode_str("Resources: [\\n  a: b\\n")
        print("yaml", template, [(m.linenumber, m.rule.id) for m in matches], bool(matches[0].message))
        template, matches = cfn_decoder.decode_str('{\\n  "Resources": {,\\n}')
        print("json", template, [(m.linenumber, m.rule.id) for m in matches])
        print("heavy", sorted(m for m in ("cfnlint.rules", "cfnlint.rules.errors") if m in sys.modules))
        from cfnlint.rules import CloudFormationLintRule
        print("rules", CloudFormationLintRule.__name__)
        """
    )
    assert "yaml None [(3, 'E0000')] True" in out
    assert "json None [(2, 'E0000')]" in out
    assert "heavy []" in out
    assert "rules CloudFormationLintRule" in out


def test_cfnlint_imported_first_is_used_as_it_is() -> None:
    out = _run(
        """
        import cfnlint.decode.decode, sys
        real = sys.modules["cfnlint.decode.decode"]
        from lambdalint.loaders import cfn_decoder
        print("same", cfn_decoder.load() is real, type(sys.modules["cfnlint"]).__name__)
        """
    )
    assert "same True module" in out


def test_an_unexpected_layout_falls_back_to_the_ordinary_import() -> None:
    """If the light import fails (say, a cfn-lint release whose decoder needs more of
    ``cfnlint.rules``), what it imported is forgotten and cfn-lint is imported normally."""
    out = _run(
        """
        import sys
        from lambdalint.loaders import cfn_decoder
        orig = cfn_decoder.importlib.import_module
        def failing(name, *a):
            if name == cfn_decoder.DECODER and "cfnlint.api" not in sys.modules and not failing.done:
                failing.done = True
                raise ImportError("simulated")
            return orig(name, *a)
        failing.done = False
        cfn_decoder.importlib.import_module = failing
        decode = cfn_decoder.load()
        print("full", type(sys.modules["cfnlint"]).__name__, "cfnlint.api" in sys.modules)
        template, matches = decode.decode_str("Resources: {}\\n")
        print("works", template, matches)
        """
    )
    assert "full module True" in out
    assert "works {'Resources': {}} []" in out


def test_a_repeated_key_is_read_as_cloudformation_reads_it() -> None:
    """cfn-lint rejects a mapping that repeats a key; CloudFormation keeps the last entry.
    ``decode_last_wins`` reads the template that way, with line marks, still without the rule
    engine, and says which entries it dropped."""
    out = _run(
        """
        import sys
        from lambdalint.loaders import cfn_decoder
        text = "Resources:\\n  A:\\n    Type: X\\n    Type: Y\\n  B: {Type: Z, Type: Z}\\n  A:\\n    Type: W\\n"
        template, matches = cfn_decoder.decode_str(text)
        print("rejected", template is None, len(matches))
        template, dropped = cfn_decoder.decode_last_wins(text)
        print("kept", dict(template["Resources"]["A"]), template["Resources"]["A"].start_mark.line, template["Resources"]["B"]["Type"])
        print("dropped", dropped)
        print("aliases", cfn_decoder.decode_last_wins("A: 1\\nA: 2\\nB: &x {C: 1}\\nD: *x\\n"))
        template, dropped = cfn_decoder.decode_last_wins("R:\\n  X: 1\\n  Y: 2\\n  X: 3\\nD: R&D\\n")
        print("starts", template["R"].start_mark.line, dict(template["R"]), template["D"], dropped)
        template, dropped = cfn_decoder.decode_last_wins("A: 1\\nA: 2\\nT: !Transform {Name: M, Name: N}\\n")
        print("tagged", dict(template["T"]), dropped)
        print("broken", cfn_decoder.decode_last_wins("A: [\\n"))
        print("heavy", sorted(m for m in ("cfnlint.rules", "cfnlint.template", "sympy") if m in sys.modules))
        """
    )
    assert "rejected True" in out
    # the second A wins whole: its own Type, not the first A's
    assert "kept {'Type': 'W'} 6" in out
    # the first A is dropped whole: what is repeated inside it is not looked at
    assert "dropped [('A', 2, 3, 6), ('Type', 5, 7, 5)]" in out
    assert "aliases None" in out  # a node used twice: cfn-lint's alias-bomb guard does not run here
    # a block mapping whose first entry goes starts at the first one kept; "&" in text is not an anchor
    assert "starts 2 {'Y': 2, 'X': 3} R&D [('X', 2, 3, 4)]" in out
    # cfn-lint does not check a tagged mapping for repeats: neither does this
    assert "tagged {'Fn::Transform': {'Name': 'N'}} [('A', 1, 1, 2)]" in out
    assert "broken None" in out
    assert "heavy []" in out
