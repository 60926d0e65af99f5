"""Who moved between rounds, by partner and by return, and returns that copied last round.

"New" and "gone" are told apart two ways. By return: a partner that returned this round
but not last round either returned for the first time, or was invited last round and did
not return then (known from the Returns sheet of last round's comparison, which lists every
partner invited). By partner: one that returned last round but not this round either left
the partnership (it is not in this round's partners list) or was invited and has not
returned yet.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


@dataclass
class Movement:
    """Partners by how they moved between the rounds (names, sorted)."""

    #: Returned this round, and neither returned nor was invited last round.
    returned_first: list[str] = field(default_factory=list)
    #: Returned this round; invited last round but did not return then.
    invited_silent: list[str] = field(default_factory=list)
    #: Returned last round; not in this round's partners list.
    left: list[str] = field(default_factory=list)
    #: Returned last round; in this round's partners list, no return this round.
    not_returned: list[str] = field(default_factory=list)
    #: Returned in both rounds, every rating the same as last round's.
    unchanged: list[str] = field(default_factory=list)
    #: Whether last round's invitations were known (its comparison's Returns sheet).
    invited_known: bool = False
    #: Whether this round's partners list was given (else "left" is "not this round").
    partners_known: bool = False


def movement(
    before: pd.DataFrame,
    now: pd.DataFrame,
    names: dict[str, str],
    invited: dict[str, str] | None,
    partners_now: set[str] | None,
) -> Movement:
    """How partners moved from last round's tidy table (``before``) to this round's
    (``now``), given who was invited last round (partner id casefolded -> state) and the
    ids in this round's partners list, when known."""
    then_ids, now_ids = set(before["partner_id"]), set(now["partner_id"])
    moved = Movement(invited_known=invited is not None, partners_known=partners_now is not None)
    for pid in sorted(now_ids - then_ids, key=lambda p: names.get(p, p)):
        silent = invited is not None and pid.casefold() in invited
        (moved.invited_silent if silent else moved.returned_first).append(names.get(pid, pid))
    listed = {p.casefold() for p in partners_now} if partners_now is not None else None
    for pid in sorted(then_ids - now_ids, key=lambda p: names.get(p, p)):
        stayed = listed is not None and pid.casefold() in listed
        (moved.not_returned if stayed else moved.left).append(names.get(pid, pid))
    moved.unchanged = sorted(names.get(p, p) for p in unchanged_ratings(before, now))
    return moved


def unchanged_ratings(before: pd.DataFrame, now: pd.DataFrame) -> list[str]:
    """Partner ids whose every rating this round (rated questions, at least one answered)
    is what the same partner gave last round, question by question."""

    def ratings(tidy: pd.DataFrame) -> pd.DataFrame:
        rated = tidy[tidy["rated"] == "yes"][["partner_id", "question_id", "rating_label"]]
        rated = rated.astype({"rating_label": str})
        return rated[rated["rating_label"].str.strip() != ""]

    then_r, now_r = ratings(before), ratings(now)
    both = set(then_r["partner_id"]) & set(now_r["partner_id"])
    now_r = now_r[now_r["partner_id"].isin(both)]
    merged = now_r.merge(
        then_r, on=["partner_id", "question_id"], how="left", suffixes=("", "_then")
    )
    same = merged["rating_label"] == merged["rating_label_then"]
    per_partner = same.groupby(merged["partner_id"]).all()
    return sorted(str(p) for p in per_partner[per_partner].index)


def movement_lines(moved: Movement, previous_round: str) -> list[str]:
    """The sentences the Progress sheet and the paper give on who moved."""

    def names(items: list[str]) -> str:
        return ", ".join(items) or "none"

    lines = [f"Returned for the first time: {names(moved.returned_first)}."]
    if moved.invited_known:
        lines.append(
            f"Invited in round {previous_round} but did not return then: "
            f"{names(moved.invited_silent)}."
        )
    if moved.partners_known:
        lines.append(
            f"Left the partnership (not in this round's partners list): {names(moved.left)}."
        )
    else:
        lines.append(f"Returned in round {previous_round}, not this round: {names(moved.left)}.")
    if moved.not_returned:
        lines.append(
            f"Returned in round {previous_round} but not (yet) this round: "
            f"{names(moved.not_returned)}."
        )
    for name in moved.unchanged:
        lines.append(f"{name}: ratings unchanged from {previous_round}: check they were reviewed.")
    return [line for line in lines if line]
