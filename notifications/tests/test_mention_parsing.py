"""Finding @name in a note's text (notifications/mentions.py)."""

from dataclasses import dataclass

from notifications.mentions import mention_spans, mentioned


@dataclass
class User:
    full_name: str
    email: str = "someone@example.com"


@dataclass
class Member:
    pk: int
    user: User


ANA = Member(1, User("Ana"))
ANA_MARIA = Member(2, User("Ana Maria"))
BOB = Member(3, User("", "bob.smith@example.com"))
PEOPLE = [ANA, ANA_MARIA, BOB]


def test_the_longest_name_wins_and_case_does_not_matter():
    assert mentioned("Can @ana maria call back?", PEOPLE) == [ANA_MARIA]
    assert mentioned("@Ana, see @ANA MARIA's note", PEOPLE) == [ANA, ANA_MARIA]


def test_a_name_running_into_a_longer_word_is_no_mention():
    assert mentioned("@Anabel knows", PEOPLE) == []


def test_an_email_address_is_no_mention():
    assert mentioned("write to ana@Ana.example or x.@Ana", PEOPLE) == []


def test_someone_without_a_full_name_is_named_by_their_email():
    assert mentioned("(@bob.smith) please", PEOPLE) == [BOB]


def test_spans_cover_the_at_sign_and_the_name_once_each():
    text = "@Ana and @Ana again"
    spans = mention_spans(text, PEOPLE)
    assert [text[s.start : s.end] for s in spans] == ["@Ana", "@Ana"]
    assert mentioned(text, PEOPLE) == [ANA]
