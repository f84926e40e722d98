"""`heart-to-heart starters sample`: the blind review's draw, named by its seed."""

from __future__ import annotations

from pathlib import Path

import pytest

from skill.core.starters import load_library
from skill.doors.cli import main

LIBRARY = load_library()


def sample(seed: int, key: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    assert main(["starters", "sample", "--seed", str(seed), "--key", str(key)]) == 0
    return capsys.readouterr().out.splitlines()


def test_a_seed_draws_the_same_forty_and_the_key_names_them(tmp_path, capsys):
    first = sample(611, tmp_path / "key.txt", capsys)
    again = sample(611, tmp_path / "again.txt", capsys)
    other = sample(612, tmp_path / "other.txt", capsys)
    assert first == again and first != other
    assert len(first) == 40
    keys = [line.split() for line in (tmp_path / "key.txt").read_text().splitlines()]
    assert [number for number, _ in keys] == [str(n) for n in range(1, 41)]
    ids = [starter_id for _, starter_id in keys]
    assert len(set(ids)) == 40
    for line, starter_id in zip(first, ids, strict=True):
        starter = LIBRARY.by_id[starter_id]
        # the reader sees the moment, depth, audience and words, and never the id
        assert line.endswith(starter.text)
        assert f"[{starter.moment.value}, depth {starter.depth}, for {starter.audience}]" in line
        assert starter_id not in line
