"""Students as the Command Center names them, through the students service's use cases."""

import pytest

from scholarlink.core.errors import NotFound, ValidationFailed
from scholarlink.core.settings import get_settings
from scholarlink.services import students


def test_a_student_introduced_once_is_found_by_public_id(db: str) -> None:
    made = students.introduced_student(ref="cc-4711")
    assert made.public_id == "cc-4711" and made.id > 0
    assert students.introduced_student(ref=4711) != made  # an int names "4711", another student
    assert students.introduced_student(ref="cc-4711") == made  # the same one, not a second
    assert students.student(ref="cc-4711") == made
    with pytest.raises(NotFound):
        students.student(ref="nobody")
    with pytest.raises(ValidationFailed):
        students.student(ref="x" * 65)


def test_the_agent_billing_account_is_not_a_student(db: str) -> None:
    account = students.billing_account()
    assert account == students.billing_account()
    assert account.public_id == get_settings().agent_billing_user
    with pytest.raises(NotFound):
        students.student(ref=account.public_id)
