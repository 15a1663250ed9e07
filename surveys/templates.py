"""Ready-made surveys. One for now: ``network_usage``, the regular survey the
article this product grew from recommends ("how is our internal network
working for you?"), in Japanese and English. Its key is stable: links name it
(``#/surveys/template/network_usage``, ``GET /api/surveys?template=network_usage``)
and every survey made from it carries it (``survey.template``), so a usage
page can point "features nobody uses" at "the survey that asks why"."""

from __future__ import annotations

from typing import Any, Literal

from surveys.models import QuestionCreate, QuestionKind, TemplatePublic

NETWORK_USAGE = "network_usage"

_T = dict[str, str]

TITLE: _T = {
    "ja": "社内SNSの使い心地アンケート",
    "en": "How is our internal network working for you?",
}
DESCRIPTION: _T = {
    "ja": "社内SNSをもっと役立つ場にするため、率直なご意見をお聞かせください。"
    "所要時間は2分ほどです。",
    "en": "Help us make the internal network more useful: tell us frankly how it works for you."
    " It takes about two minutes.",
}

# (kind, required, text {ja, en}, options [{ja, en}])
QUESTIONS: list[tuple[QuestionKind, bool, _T, list[_T]]] = [
    (
        QuestionKind.scale,
        True,
        {
            "ja": "社内SNSは仕事に役立っていますか?"
            "(1: まったく役立っていない 〜 5: とても役立っている)",
            "en": "How useful is the internal network for your work? (1: not at all – 5: very)",
        },
        [],
    ),
    (
        QuestionKind.single,
        True,
        {"ja": "どのくらいの頻度で使っていますか?", "en": "How often do you use it?"},
        [
            {"ja": "毎日", "en": "Every day"},
            {"ja": "週に数回", "en": "A few times a week"},
            {"ja": "月に数回", "en": "A few times a month"},
            {"ja": "ほとんど使わない", "en": "Hardly ever"},
        ],
    ),
    (
        QuestionKind.multiple,
        False,
        {
            "ja": "よく使う機能を選んでください(複数可)",
            "en": "Which parts do you use? (any number)",
        },
        [
            {"ja": "部署のチャンネル", "en": "Department channels"},
            {"ja": "趣味・関心のグループ", "en": "Interest groups"},
            {"ja": "質問", "en": "Questions"},
            {"ja": "ダイレクトメッセージ", "en": "Direct messages"},
            {"ja": "検索", "en": "Search"},
            {"ja": "ファイル共有", "en": "File sharing"},
            {"ja": "アンケート", "en": "Surveys"},
        ],
    ),
    (
        QuestionKind.multiple,
        False,
        {
            "ja": "使わない機能がある場合、その理由は?(複数可)",
            "en": "If there are parts you do not use, why not? (any number)",
        },
        [
            {"ja": "必要がない", "en": "I do not need them"},
            {"ja": "使い方がわからない", "en": "I do not know how to use them"},
            {"ja": "知らなかった", "en": "I did not know they existed"},
            {"ja": "通知が多すぎる", "en": "Too many notifications"},
            {"ja": "時間がない", "en": "No time"},
            {"ja": "ほかのツールを使っている", "en": "I use other tools"},
        ],
    ),
    (
        QuestionKind.scale,
        True,
        {
            "ja": "他の部署の人とつながりやすくなりましたか?(1: まったく 〜 5: とても)",
            "en": "Has it made it easier to reach people in other departments?"
            " (1: not at all – 5: very)",
        },
        [],
    ),
    (
        QuestionKind.text,
        False,
        {
            "ja": "改善してほしいこと、ご意見があれば自由にお書きください",
            "en": "What should we improve? Anything else you would like to say?",
        },
        [],
    ),
]

Language = Literal["ja", "en", "both"]


def _say(text: _T, language: Language) -> str:
    if language == "both":
        return f"{text['ja']} / {text['en']}"
    return text[language]


def network_usage(language: Language) -> tuple[str, str, list[QuestionCreate]]:
    """The template's title, description and questions in ``language``."""
    questions = [
        QuestionCreate(
            kind=kind,
            text=_say(text, language),
            required=required,
            options=[_say(o, language) for o in options],
        )
        for kind, required, text, options in QUESTIONS
    ]
    return _say(TITLE, language), _say(DESCRIPTION, language), questions


def network_usage_public(sent: list[int]) -> TemplatePublic:
    questions: list[dict[str, Any]] = [
        {"kind": kind.value, "required": required, "text": text, "options": options}
        for kind, required, text, options in QUESTIONS
    ]
    return TemplatePublic(
        key=NETWORK_USAGE, title=TITLE, description=DESCRIPTION, questions=questions, sent=sent
    )
