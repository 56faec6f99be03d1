"""The files the main config names: the questionnaire (questions, their wording per
language and their hints) and the intent categories of a first mail.
"""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from mailagent.config.base import KEY_RE, Section


class IntentCategory(Section):
    """One kind of first mail and the evidence for it (see config/intent.toml)."""

    name: str
    phrases: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    strong: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    prior: float = Field(default=0.0, ge=0, le=5)
    attachment_words: tuple[str, ...] = ()

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not KEY_RE.match(value):
            raise ValueError("lower-case letters, digits and '_', starting with a letter")
        return value


class IntentFile(Section):
    categories: tuple[IntentCategory, ...]

    @model_validator(mode="after")
    def _known(self) -> IntentFile:
        names = [c.name for c in self.categories]
        if len(set(names)) != len(names):
            raise ValueError("category names must be unique")
        if not {"request", "application"} <= set(names):
            raise ValueError("needs the categories 'request' and 'application'")
        return self


class Question(Section):
    """One questionnaire item: a stable key, its wording per language, the labels people give
    it in their replies (``labels``, per language) and words that suggest a sentence answers
    it (``hints``, per language)."""

    key: str
    required: bool = True
    text: dict[str, str]
    labels: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    hints: dict[str, tuple[str, ...]] = Field(default_factory=dict)

    @field_validator("key")
    @classmethod
    def _key(cls, value: str) -> str:
        if not KEY_RE.match(value):
            raise ValueError("lower-case letters, digits and '_', starting with a letter")
        return value

    @field_validator("text")
    @classmethod
    def _text(cls, value: dict[str, str]) -> dict[str, str]:
        if "en" not in value:
            raise ValueError("needs at least the English wording (en = ...)")
        return value

    def wording(self, language: str) -> str:
        return self.text.get(language) or self.text["en"]

    def hint_words(self, language: str) -> tuple[str, ...]:
        """Words that suggest a sentence answers this question (for answers in prose): the
        thread language's first, then every other language's (guests answer in theirs)."""
        rest = (h for lang, words in self.hints.items() if lang != language for h in words)
        return tuple(dict.fromkeys((*self.hints.get(language, ()), *rest)))

    def all_labels(self) -> tuple[str, ...]:
        """The labels in every language: a German guest labels an English thread in German."""
        return tuple(dict.fromkeys(label for labels in self.labels.values() for label in labels))

    def all_texts(self) -> tuple[str, ...]:
        """The wording in every language (a guest may quote or copy either)."""
        return tuple(dict.fromkeys(self.text.values()))


class Questionnaire(Section):
    questions: tuple[Question, ...]

    @model_validator(mode="after")
    def _unique(self) -> Questionnaire:
        keys = [q.key for q in self.questions]
        if not keys:
            raise ValueError("needs at least one [[questions]] entry")
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        if dupes:
            raise ValueError(f"question keys must be unique; repeated: {', '.join(dupes)}")
        return self

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(q.key for q in self.questions)
