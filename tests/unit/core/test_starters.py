import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skill.core.conversation import fresh_starter
from skill.core.heard import HeardSet, Walk
from skill.core.household import Household, merge
from skill.core.moments import Moment
from skill.core.starters import Library, Starter, draw, load_library


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
    household, rng = Household(audience="partners"), random.Random(3)
    # WHEN they ask for as many starters as the pool holds
    seen = [fresh_starter(household, library, Moment.BEDTIME, 1, rng) for _ in pool.starters]
    # THEN none repeated, and all came from the pool
    assert len({s.id for s in seen}) == len(pool.starters)
    assert set(pool.starters) == set(seen)


def test_a_spent_cell_starts_over_silently_in_a_new_order():
    library = make_library(per_cell=4)
    pool = library.pool(Moment.ANYTIME, 2, "friends")
    household, rng = Household(audience="friends"), random.Random(1)
    first_round = [fresh_starter(household, library, Moment.ANYTIME, 2, rng) for _ in range(8)]
    assert pool.unheard(household.heard["anytime"]) == 0
    second_round = [fresh_starter(household, library, Moment.ANYTIME, 2, rng) for _ in range(8)]
    assert set(second_round) == set(first_round) == set(pool.starters)
    assert second_round != first_round
    # Only the first of the new round was heard when it started: the rest were forgotten.
    household = Household(audience="friends")
    for _ in range(9):
        starter = fresh_starter(household, library, Moment.ANYTIME, 2, rng)
    assert pool.unheard(household.heard["anytime"]) == pool.mask & ~(1 << starter.number)


def test_a_spent_moment_borrows_general_starters_before_repeating():
    library = make_library(per_cell=2)
    dinner = library.pool(Moment.DINNER, 1, "any")
    household, rng = Household(), random.Random(5)
    said = [fresh_starter(household, library, Moment.DINNER, 1, rng) for _ in range(4)]
    assert set(said[:2]) == set(dinner.starters)
    assert {s.moment for s in said[2:]} == {Moment.ANYTIME}
    # With both spent, dinner starts over.
    assert fresh_starter(household, library, Moment.DINNER, 1, rng) in dinner.starters


def test_resetting_one_cell_keeps_what_was_heard_in_others():
    library = make_library(per_cell=2)
    household, rng = Household(), random.Random(2)
    first_deep = fresh_starter(household, library, Moment.ANYTIME, 3, rng)
    for _ in range(3):
        fresh_starter(household, library, Moment.ANYTIME, 1, rng)
    assert first_deep.number in household.heard["anytime"]


def test_saying_who_they_are_never_brings_back_the_starter_just_heard():
    # Cells of one moment share the general starters: one starting over must not leave
    # the others taking themselves as spent.
    library = make_library(per_cell=2)
    for seed in range(20):
        household, rng = Household(audience="any"), random.Random(seed)
        for _ in range(3):  # dinner's two general starters, then one borrowed
            fresh_starter(household, library, Moment.DINNER, 1, rng)
        household.audience = "partners"
        for _ in range(6):  # their own two, three more borrowed, then dinner starts over
            last = fresh_starter(household, library, Moment.DINNER, 1, rng)
        household.audience = "any"
        assert fresh_starter(household, library, Moment.DINNER, 1, rng) != last


def test_starters_heard_another_way_are_stepped_over_and_none_is_missed():
    # GIVEN a cell where another device has heard all but three, scattered
    library = load_library()
    pool = library.pool(Moment.DINNER, 2, "partners")
    left = set(random.Random(4).sample(pool.starters, 3))
    heard = HeardSet([s.number for s in pool.starters if s not in left])
    walk = Walk.shuffled(len(pool.starters), pool.fingerprint, random.Random(6))
    rng = random.Random(7)
    # WHEN this household draws from it
    drawn = [draw(pool, heard, walk, rng) for _ in range(4)]
    # THEN it gets exactly the three left, then hears that the cell is spent
    assert set(drawn[:3]) == left and drawn[3] is None
    assert walk.spent and pool.unheard(heard) == 0


def test_a_content_release_deals_the_grown_cell_again_without_repeats():
    # GIVEN a household halfway through a cell
    old = make_library(per_cell=6)
    household, rng = Household(audience="partners"), random.Random(8)
    said = {fresh_starter(household, old, Moment.BRUNCH, 2, rng) for _ in range(6)}
    # WHEN the library grows (new ids, old ones untouched) and they go on
    extra = [
        Starter(f"brunch-{n:04d}", f"New question {n}?", Moment.BRUNCH, 2, "partners", "play")
        for n in range(500, 506)
    ]
    grown = Library([*old, *extra])
    pool = grown.pool(Moment.BRUNCH, 2, "partners")
    rest = [fresh_starter(household, grown, Moment.BRUNCH, 2, rng) for _ in range(18 - 6)]
    # THEN they hear everything they had not heard, new starters included, before a repeat
    assert said.isdisjoint(rest) and said | set(rest) == set(pool.starters)


def test_a_content_release_that_swaps_a_starter_brings_the_new_one_before_a_repeat():
    # GIVEN a household that has heard every starter of a cell, and knows it is spent
    old = make_library(per_cell=3)
    household, rng = Household(audience="friends"), random.Random(9)
    for _ in range(6 + 1):  # the cell (friends + general), then one borrowed
        fresh_starter(household, old, Moment.DINNER, 1, rng)
    # WHEN a release retires one of its starters and adds another: same size, new contents
    pool = old.pool(Moment.DINNER, 1, "friends")
    retired = pool.starters[0]
    new = Starter("dinner-0900", "A brand new question?", Moment.DINNER, 1, "friends", "play")
    released = Library([s for s in old if s is not retired] + [new])
    assert len(released.pool(Moment.DINNER, 1, "friends").starters) == len(pool.starters)
    # THEN the new starter comes next, not a repeat
    assert fresh_starter(household, released, Moment.DINNER, 1, rng) == new


def test_a_spent_mark_the_heard_set_does_not_back_is_not_trusted():
    # GIVEN general starters all heard, one dinner starter heard, and a damaged record
    # whose dinner walk says the whole cell is spent
    library = make_library(per_cell=3)
    rng = random.Random(1)
    household = Household(audience="partners")
    for _ in library.pool(Moment.ANYTIME, 2, "partners").starters:
        fresh_starter(household, library, Moment.ANYTIME, 2, rng)
    heard = fresh_starter(household, library, Moment.DINNER, 2, rng)
    household.walks["dinner-2-partners"].spent = True
    # WHEN they ask for a dinner starter
    starter = fresh_starter(household, library, Moment.DINNER, 2, rng)
    # THEN the cell is not started over: the one they heard stays heard
    assert starter.moment is Moment.DINNER and starter != heard
    assert heard.number in household.heard["dinner"]


def test_the_order_a_cell_is_dealt_in_does_not_depend_on_the_files_order():
    starters = list(make_library(per_cell=4))
    forwards, backwards = Library(starters), Library(starters[::-1])
    for moment in Moment:
        one = forwards.pool(moment, 2, "partners")
        other = backwards.pool(moment, 2, "partners")
        assert one.starters == other.starters and one.fingerprint == other.fingerprint


def test_a_stored_walk_that_does_not_fit_is_dropped_not_trusted():
    for damaged in (
        [0, 1, 0, 0, 0, 7],
        [10, 4, 0, 0, 0, 7],
        [10, 3, 10, 0, 0, 7],
        [10, 3, 0, 11, 0, 7],
        [10, 3, 0, 0, 2, 7],
        [10, 3, 0, 0, 0, -1],
        [10, 3, 0, 0, 0, 1 << 32],
        [10, 3, 0, 0, 0],
        "10,3,0,0,0,7",
        [10, 3.0, 0, 0, 0, 7],
    ):
        assert Walk.from_list(damaged) is None
    assert Walk.from_list([10, 3, 9, 10, 1, 7]) == Walk(10, 3, 9, 10, True, 7)


def test_every_process_deals_a_cell_in_the_same_order():
    # Two Lambda containers must agree on what position 5 of a walk is.
    import subprocess
    import sys

    script = (
        "from skill.core.moments import Moment;"
        "from skill.core.starters import load_library;"
        "pool = load_library().pool(Moment.DINNER, 2, 'partners');"
        "print(pool.fingerprint, *[s.id for s in pool.starters])"
    )
    here = load_library().pool(Moment.DINNER, 2, "partners")
    for seed in ("1", "2"):
        out = subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed, "PATH": ""},
        ).stdout.split()
        assert out == [str(here.fingerprint), *[s.id for s in here.starters]]


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


@settings(max_examples=120, deadline=None)
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from(list(Moment)),
            st.sampled_from([1, 2, 3]),
            st.sampled_from(["partners", "partners", "friends", "any"]),
            st.integers(0, 60),  # starter number another device hears meanwhile, 0 for none
        ),
        min_size=1,
        max_size=300,
    ),
    seed=st.integers(0, 2**32),
)
def test_no_starter_repeats_before_its_cell_and_the_general_one_are_spent(steps, seed):
    # Households may change audience; cells of one moment then share starters.
    # An oracle of its own: what the household has heard, as sets of ids.
    library = make_library(per_cell=3)
    household, rng = Household(audience="partners"), random.Random(seed)
    said: dict[str, set[str]] = {}
    for moment, depth, audience, elsewhere in steps:
        household.audience = audience  # they may say who they are at any point
        if elsewhere:
            # Another device's turn arrives through a merge of the two records.
            other = Household.from_dict(household.to_dict())
            other.heard.setdefault(moment.value, HeardSet()).add(elsewhere)
            other.updated_at = household.updated_at + 1
            household = Household.from_dict(merge(household.to_dict(), other.to_dict()))
            if library.get(f"{moment.value}-{elsewhere:04d}"):
                said.setdefault(moment.value, set()).add(f"{moment.value}-{elsewhere:04d}")
        starter = fresh_starter(household, library, moment, depth, rng)
        heard = said.setdefault(starter.moment.value, set())
        if starter.id in heard:
            pool = library.pool(moment, depth, audience)
            spare = library.pool(Moment.ANYTIME, depth, audience)
            assert {s.id for s in pool.starters} <= heard
            assert {s.id for s in spare.starters} <= said.get("anytime", set())
            heard -= {s.id for s in pool.starters}
        heard.add(starter.id)
        # The memory is one bit per starter and one walk per cell: bounded by the library.
        top = max(s.number for s in library if s.moment is starter.moment)
        assert int(household.heard[starter.moment.value]).bit_length() <= max(top, 60) + 1
        assert len(household.walks) <= 5 * 3 * 3
