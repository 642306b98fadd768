"""The committed corpus (tests/data/returns, built by tests/data/make_corpus.py): exact findings."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from dapaicha.app import validate

DATA = Path(__file__).parent / "data"


def test_corpus_gives_the_findings_written_by_hand(cl, ros):
    expected = json.loads((DATA / "expected.json").read_text(encoding="utf-8"))
    folder = DATA / "returns"
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}
    rep, _ = validate.validate_folder(folder, cl, ros, workers=1)
    got = {fr.file: sorted([f.code, f.cell] for f in fr.findings) for fr in rep.files}
    want = {name: sorted(pairs) for name, pairs in expected["files"].items()}
    assert got == want
    assert [f for f, _ in rep.skipped] == expected["skipped"]
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}
    assert before == after  # inputs are never modified
