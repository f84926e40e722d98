"""`heart-to-heart starters sample` and `check`: the blind review's draw, named by its seed,
and new writing held to the library's rules before anyone reads it."""

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


def check(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    status = main(["starters", "check", str(path)])
    return status, capsys.readouterr().out


def test_check_passes_new_writing_that_keeps_every_rule(tmp_path, capsys):
    # GIVEN new starters as `sample` labels them, one with the reader's number, one with
    # an abbreviation that ends in a full stop mid-sentence
    new = tmp_path / "new.txt"
    new.write_text(
        "[brunch, depth 1, for friends] Which menu word makes you order a dish unseen?\n"
        "[morning, depth 1, for any] Which sound before seven a.m. do you enjoy, and why?\n"
        "\n"
        "2. [bedtime, depth 2, for partners] Which stranger this year earned a handwritten "
        "note from you, and what would it say?\n"
    )
    # WHEN checked THEN both pass and it says so
    status, out = check(new, capsys)
    assert status == 0, out
    assert out.strip() == "3 of 3 lines keep every rule"


def test_check_names_each_broken_rule_and_the_starter_a_line_echoes(tmp_path, capsys):
    existing = LIBRARY.by_id[sorted(LIBRARY.by_id)[0]]
    label = f"[{existing.moment.value}, depth {existing.depth}, for {existing.audience}]"
    new = tmp_path / "new.txt"
    new.write_text(
        "[morning, depth 1, for friends] Do you remember our first fight with your partner?\n"
        f"{label} {existing.text}\n"
        "[teatime, depth 1, for any] What is on your plate?\n"
        "Which line has no label?\n"
    )
    status, out = check(new, capsys)
    assert status == 1
    first, second = out.split("line 2:")[0], out.split("line 2:")[1].split("line 3:")[0]
    assert "yes/no" in first and "no I, me, we or our" in first
    assert "romantic for friends" in first and "no hurt or conflict" in first
    assert f"echoes {existing.id} (1.00)" in second
    assert "line 3: unknown moment 'teatime'" in out
    assert "line 4: want a line like" in out
    assert out.splitlines()[-1] == "0 of 4 lines keep every rule"


def test_check_without_a_readable_file_says_so_without_a_traceback(tmp_path, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["starters", "check", str(tmp_path / "missing.txt")])
    assert stopped.value.code == 2
    assert capsys.readouterr().err.startswith("error: cannot read")
    with pytest.raises(SystemExit):
        main(["starters", "check"])
    assert "name the file" in capsys.readouterr().err
