"""The key layout against the shared vectors that the TypeScript tests read too."""

import json

import pytest

from conftest import REPO
from prescaler_progress import TargetKeys, holder_member

VECTORS = json.loads((REPO / "test" / "vectors" / "progress-keys.json").read_text())


@pytest.mark.parametrize("case", VECTORS["cases"], ids=lambda c: c["target"])
def test_keys_match_the_shared_vectors(case):
    keys = TargetKeys(case["prefix"], case["target"])
    assert {
        "tag": keys.tag,
        "done": keys.done,
        "failed": keys.failed,
        "pod": keys.pod(case["pod"]),
        "holders": keys.holders(case["pod"]),
    } == case["keys"]
    assert holder_member(case["holder"], case["images"]) == case["holderMember"]


def test_refuses_what_the_contract_cannot_carry():
    for holder in VECTORS["invalidHolderIds"]:
        with pytest.raises(ValueError, match="holder id"):
            holder_member(holder, 1)
    for images in VECTORS["invalidImages"]:
        with pytest.raises(ValueError, match="whole number"):
            holder_member("h", images)
