"""Three-way merge: base → mine applied onto base → theirs, conflicts reported by path."""

import pytest

from inspector.document.merge import ABSENT, ItemSpan, Side, three_way_merge


def test_unchanged_on_both_sides_is_base() -> None:
    result = three_way_merge({"a": 1}, {"a": 1}, {"a": 1})
    assert result.clean
    assert result.merged == {"a": 1}


def test_only_mine_changed() -> None:
    result = three_way_merge({"a": 1}, {"a": 2}, {"a": 1})
    assert result.clean
    assert result.merged == {"a": 2}


def test_only_theirs_changed() -> None:
    result = three_way_merge({"a": 1}, {"a": 1}, {"a": 3})
    assert result.clean
    assert result.merged == {"a": 3}


def test_changes_to_different_keys_merge() -> None:
    base = {"theme": "dark", "counter": 1}
    result = three_way_merge(
        base, {"theme": "light", "counter": 1}, {"theme": "dark", "counter": 7}
    )
    assert result.clean
    assert result.merged == {"theme": "light", "counter": 7}


def test_same_change_on_both_sides_is_not_a_conflict() -> None:
    result = three_way_merge({"a": 1}, {"a": 2}, {"a": 2})
    assert result.clean
    assert result.merged == {"a": 2}


def test_both_change_same_key_conflicts_with_path() -> None:
    result = three_way_merge({"a": 1, "b": 0}, {"a": 2, "b": 0}, {"a": 3, "b": 5})
    assert not result.clean
    [conflict] = result.conflicts
    assert conflict.path == ("a",)
    assert (conflict.base, conflict.mine, conflict.theirs) == (1, 2, 3)
    assert result.merged == {"a": 3, "b": 5}  # a conflicted merge proposes nothing new


def test_key_added_by_me_and_key_added_by_them() -> None:
    result = three_way_merge({"a": 1}, {"a": 1, "mine": True}, {"a": 1, "theirs": True})
    assert result.clean
    assert result.merged == {"a": 1, "mine": True, "theirs": True}


def test_added_key_keeps_its_place_after_its_predecessor() -> None:
    result = three_way_merge({"a": 1, "z": 2}, {"a": 1, "new": 0, "z": 2}, {"a": 1, "z": 2, "t": 3})
    assert list(result.merged) == ["a", "new", "z", "t"]


def test_both_add_same_key_with_different_values_conflicts() -> None:
    result = three_way_merge({}, {"k": 1}, {"k": 2})
    assert [c.path for c in result.conflicts] == [("k",)]
    assert result.conflicts[0].base is ABSENT


def test_key_removed_by_me_while_they_change_another() -> None:
    result = three_way_merge({"a": 1, "b": 2}, {"b": 2}, {"a": 1, "b": 3})
    assert result.clean
    assert result.merged == {"b": 3}


def test_key_removed_by_them_while_i_change_another() -> None:
    result = three_way_merge({"a": 1, "b": 2}, {"a": 5, "b": 2}, {"a": 1})
    assert result.clean
    assert result.merged == {"a": 5}


def test_delete_versus_modify_conflicts() -> None:
    result = three_way_merge({"a": 1}, {}, {"a": 2})
    [conflict] = result.conflicts
    assert conflict.path == ("a",)
    assert conflict.mine is ABSENT


def test_both_delete_same_key() -> None:
    result = three_way_merge({"a": 1, "b": 2}, {"b": 2}, {"b": 2})
    assert result.clean
    assert result.merged == {"b": 2}


def test_nested_paths_merge_and_conflict_deep() -> None:
    base = {"db": {"host": "h", "port": 1, "opts": {"ssl": False}}}
    mine = {"db": {"host": "mine", "port": 1, "opts": {"ssl": True}}}
    theirs = {"db": {"host": "h", "port": 2, "opts": {"ssl": False}}}
    result = three_way_merge(base, mine, theirs)
    assert result.clean
    assert result.merged == {"db": {"host": "mine", "port": 2, "opts": {"ssl": True}}}

    theirs_conflict = {"db": {"host": "h", "port": 1, "opts": {"ssl": None}}}
    result = three_way_merge(base, mine, theirs_conflict)
    assert [c.path for c in result.conflicts] == [("db", "opts", "ssl")]
    assert result.conflicts[0].path_text == "db.opts.ssl"


def test_lists_of_same_length_merge_item_by_item() -> None:
    base = {"agents": [{"name": "a", "pid": 1}, {"name": "b", "pid": 2}]}
    mine = {"agents": [{"name": "A", "pid": 1}, {"name": "b", "pid": 2}]}
    theirs = {"agents": [{"name": "a", "pid": 1}, {"name": "b", "pid": 9}]}
    result = three_way_merge(base, mine, theirs)
    assert result.clean
    assert result.merged == {"agents": [{"name": "A", "pid": 1}, {"name": "b", "pid": 9}]}


def test_insertions_and_deletions_by_different_sides_merge() -> None:
    result = three_way_merge({"l": [1, 2]}, {"l": [1, 2, 3]}, {"l": [0, 2]})
    assert result.clean
    assert result.merged == {"l": [0, 2, 3]}
    result = three_way_merge([1, 2, 3, 4], [0, 1, 2, 4], [1, 3, 4, 5])
    assert result.clean
    assert result.merged == [0, 1, 4, 5]


def test_insertion_next_to_an_item_the_other_side_changed_merges() -> None:
    result = three_way_merge(["a", "b"], ["a", "new", "b"], ["a", "B"])
    assert result.clean
    assert result.merged == ["a", "new", "B"]


def test_item_changed_in_place_merges_with_inserts_elsewhere() -> None:
    base = [{"id": 1, "v": 0}, {"id": 2, "v": 0}]
    mine = [{"id": 0}, {"id": 1, "v": 0, "mine": True}, {"id": 2, "v": 0}]
    theirs = [{"id": 1, "v": 5}, {"id": 2, "v": 0}, {"id": 3}]
    result = three_way_merge(base, mine, theirs)
    assert result.clean
    assert result.merged == [
        {"id": 0},
        {"id": 1, "v": 5, "mine": True},
        {"id": 2, "v": 0},
        {"id": 3},
    ]


def test_both_insert_different_items_at_one_place_conflicts() -> None:
    result = three_way_merge({"l": [1, 2]}, {"l": [1, "m", 2]}, {"l": [1, "t", 2]})
    [conflict] = result.conflicts
    assert conflict.key == (("l",), ItemSpan(1, 1))
    assert (conflict.base, conflict.mine, conflict.theirs) == ([], ["m"], ["t"])
    assert conflict.path_text == "l, new items before [1]"


def test_both_insert_the_same_items_at_one_place_once() -> None:
    result = three_way_merge([1, 2], [1, "x", 2], [1, "x", 2, 3])
    assert result.clean
    assert result.merged == [1, "x", 2, 3]


def test_delete_against_change_of_one_item_conflicts_over_that_item() -> None:
    result = three_way_merge({"l": [1, 2, 3]}, {"l": [1, 3]}, {"l": [1, 20, 3, 4]})
    [conflict] = result.conflicts
    assert conflict.key == (("l",), ItemSpan(1, 2))
    assert (conflict.base, conflict.mine, conflict.theirs) == ([2], [], [20])
    assert conflict.path_text == "l[1]"


def test_resolutions_decide_each_conflict_and_merge_the_rest() -> None:
    base = {"alice": {"role": "owner"}, "bob": {"role": "editor"}, "l": [1, 2, 3]}
    mine = {"alice": {"role": "guest"}, "bob": {"role": "editor"}, "l": [1, 3]}
    theirs = {"alice": {"role": "root"}, "bob": {"role": "viewer2"}, "carol": {}, "l": [1, 9, 3]}
    result = three_way_merge(base, mine, theirs)
    keys = [c.key for c in result.conflicts]
    assert keys == [(("alice", "role"), None), (("l",), ItemSpan(1, 2))]
    choices = {keys[0]: Side.MINE, keys[1]: Side.THEIRS}
    resolved = three_way_merge(base, mine, theirs, choices)
    assert resolved.clean
    assert resolved.merged == {
        "alice": {"role": "guest"},
        "bob": {"role": "viewer2"},
        "carol": {},
        "l": [1, 9, 3],
    }
    assert [c.key for c in resolved.resolved] == keys
    assert [c.key for c in resolved.found] == keys
    only_one = three_way_merge(base, mine, theirs, {keys[0]: Side.MINE})
    assert [c.key for c in only_one.conflicts] == [keys[1]]
    assert only_one.merged == theirs  # still nothing proposed


def test_resolving_a_deletion_deletes() -> None:
    result = three_way_merge(
        {"a": 1, "b": 1}, {"b": 1}, {"a": 2, "b": 3}, {(("a",), None): Side.MINE}
    )
    assert result.clean
    assert result.merged == {"b": 3}


def test_same_item_changed_in_a_list_conflicts_at_its_index() -> None:
    result = three_way_merge([1, 2, 3], [1, 5, 3], [1, 6, 3])
    assert [c.path for c in result.conflicts] == [(1,)]


@pytest.mark.parametrize(
    ("base", "mine"),
    [(1, 1.0), (1, True), (0, False), ("1", 1), (None, False), ({}, []), (1.5, "1.5")],
)
def test_type_changes_are_changes(base: object, mine: object) -> None:
    result = three_way_merge({"v": base, "o": 0}, {"v": mine, "o": 0}, {"v": base, "o": 1})
    assert result.clean
    assert type(result.merged["v"]) is type(mine)
    assert result.merged == {"v": mine, "o": 1}


def test_type_change_against_value_change_conflicts() -> None:
    result = three_way_merge({"v": 1}, {"v": "1"}, {"v": 2})
    assert [c.path for c in result.conflicts] == [("v",)]


def test_object_replaced_by_scalar_against_nested_edit_conflicts() -> None:
    result = three_way_merge({"o": {"a": 1}}, {"o": None}, {"o": {"a": 2}})
    assert [c.path for c in result.conflicts] == [("o",)]


def test_root_scalar_documents() -> None:
    assert three_way_merge(1, 2, 1).merged == 2
    assert [c.path for c in three_way_merge(1, 2, 3).conflicts] == [()]


def test_inputs_are_not_mutated() -> None:
    base = {"a": {"b": 1}}
    mine = {"a": {"b": 1, "c": 2}}
    theirs = {"a": {"b": 3}}
    three_way_merge(base, mine, theirs)
    assert base == {"a": {"b": 1}}
    assert mine == {"a": {"b": 1, "c": 2}}
    assert theirs == {"a": {"b": 3}}


def test_items_equal_as_json_are_unchanged_whatever_their_key_order() -> None:
    base = [{"a": 1, "b": 2}, 3]
    mine = [{"b": 2, "a": 1}, 3, 4]
    theirs = [3]
    result = three_way_merge(base, mine, theirs)
    assert result.clean
    assert result.merged == [3, 4]


def test_integers_too_long_for_text_still_align() -> None:
    huge = 10**5000
    result = three_way_merge([huge, 1], [huge, 2], [0, huge, 1])
    assert result.clean
    assert result.merged == [0, huge, 2]
