import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skill.core.moments import Moment
from skill.core.starters import Library, Starter, load_library, pick


def make_library(per_cell: int = 5) -> Library:
    starters = []
    for moment in Moment:
        number = 0
        for depth in (1, 2, 3):
            for audience in ("any", "partners", "friends"):
                for _ in range(per_cell):
                    number += 1
                    starters.append(
                        Starter(
                            id=f"{moment.value}-{number:04d}",
                            text=f"Question {number} for {moment.value}?",
                            moment=moment,
                            depth=depth,
                            audience=audience,
                            theme="play",
                        )
                    )
    return Library(starters)


def test_a_household_hears_every_starter_of_a_cell_before_any_repeats():
    # GIVEN a couple's bedtime, depth-1 pool
    library = load_library()
    pool = library.pool(Moment.BEDTIME, 1, "partners")
    rng, heard, seen = random.Random(3), 0, []
    # WHEN they ask for as many starters as the pool holds
    for _ in range(len(pool.starters)):
        starter, heard = pick(pool, heard, rng)
        seen.append(starter.id)
    # THEN none repeated, and all came from the pool
    assert len(set(seen)) == len(pool.starters)
    assert {s.id for s in pool.starters} == set(seen)


def test_a_spent_cell_starts_over_silently():
    library = make_library(per_cell=2)
    pool = library.pool(Moment.DINNER, 2, "friends")
    rng, heard = random.Random(1), 0
    for _ in range(len(pool.starters)):
        _, heard = pick(pool, heard, rng)
    assert pool.unheard(heard) == 0
    starter, heard = pick(pool, heard, rng)
    assert starter in pool.starters
    assert pool.unheard(heard) == pool.mask & ~(1 << starter.number)


def test_resetting_one_cell_keeps_what_was_heard_in_others():
    library = make_library(per_cell=2)
    light = library.pool(Moment.DINNER, 1, "any")
    deep = library.pool(Moment.DINNER, 3, "any")
    rng, heard = random.Random(2), 0
    first_deep, heard = pick(deep, heard, rng)
    for _ in range(len(light.starters) + 1):
        _, heard = pick(light, heard, rng)
    assert heard >> first_deep.number & 1


@pytest.mark.parametrize("audience", ["partners", "friends", "any"])
def test_pools_only_hold_starters_the_household_may_hear(audience):
    library = load_library()
    allowed = {"partners": {"partners", "any"}, "friends": {"friends", "any"}, "any": {"any"}}
    for moment in Moment:
        for depth in (1, 2, 3):
            pool = library.pool(moment, depth, audience)
            assert pool.starters
            assert {s.audience for s in pool.starters} <= allowed[audience]
            assert all(s.moment is moment and s.depth == depth for s in pool.starters)


def test_an_empty_cell_falls_back_to_the_nearest_one():
    only_anytime = Library(
        [Starter("anytime-0001", "What made you laugh today?", Moment.ANYTIME, 2, "any", "play")]
    )
    pool = only_anytime.pool(Moment.BEDTIME, 3, "partners")
    assert [s.id for s in pool.starters] == ["anytime-0001"]


@settings(max_examples=60, deadline=None)
@given(
    picks=st.lists(
        st.tuples(st.sampled_from(list(Moment)), st.sampled_from([1, 2, 3])),
        min_size=1,
        max_size=300,
    ),
    seed=st.integers(0, 2**32),
)
def test_no_starter_repeats_before_its_pool_is_spent(picks, seed):
    library = make_library(per_cell=3)
    rng = random.Random(seed)
    heard: dict[str, int] = {}
    since_reset: dict[tuple, set[str]] = {}
    for moment, depth in picks:
        pool = library.pool(moment, depth, "partners")
        key = (moment, depth)
        if pool.unheard(heard.get(moment.value, 0)) == 0:
            since_reset[key] = set()
        starter, heard[moment.value] = pick(pool, heard.get(moment.value, 0), rng)
        seen = since_reset.setdefault(key, set())
        assert starter.id not in seen
        seen.add(starter.id)
        # The memory is one bit per starter: bounded by the library, not by turns.
        top = max(s.number for s in library if s.moment is moment)
        assert heard[moment.value].bit_length() <= top + 1
