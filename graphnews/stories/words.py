"""The words of a text that story detection compares: `tokens` for the text cosines, `names`
for the cosine of names, `CAPITALISED` for the titles' actors.

A word is a run of three letters or more of any alphabet; a name starts with a capital of any
alphabet ("Élysée", "Österreich", "Москва"), not only A-Z. Stop words are `ENGLISH`, and, in a
corpus that reads as German, French, Spanish, Italian, Portuguese or Dutch (`corpus_language`),
that language's too (`OTHER`, `stop_words`); any other language's common words are dropped by
the TF-IDF vectors alone (terms in more than a fifth of the texts).

Chinese, Japanese and Korean are written without spaces between words, so a run of their
characters between punctuation is one "word". Cutting such runs into overlapping pairs or
triples of characters (as Lucene's CJK analyzer does) was measured on three hand-labelled
Chinese and Japanese sets and made stories worse: the model, fitted on English news, takes
two headlines that share one word for one story (docs/stories.md, "Chinese and Japanese").
`unfitted_script` finds such texts, so that the stories' report can say so.

>>> tokens("Microsoft unveils new AI model")
['microsoft', 'unveils', 'model']
>>> names("Macron: l'Élysée annonce la réforme")
['macron', 'élysée']
>>> tokens("Le gouvernement annonce une réforme des retraites", stop=stop_words("fr"))
['gouvernement', 'annonce', 'réforme', 'retraites']
>>> unfitted_script("微软发布人工智能模型"), unfitted_script("Microsoft's AI model")
(True, False)
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = [
    "CAPITALISED",
    "ENGLISH",
    "LANGUAGE_NAMES",
    "OTHER",
    "corpus_language",
    "names",
    "stop_words",
    "tokens",
    "unfitted_script",
]

#: Characters of the scripts written without spaces between words: CJK ideographs (with the
#: extensions and compatibility forms), Hiragana, Katakana (and its half-width forms), Hangul.
_CJK = (
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef"
    "\u3040-\u309f\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f"
    "\u1100-\u11ff\u3130-\u318f\uac00-\ud7af"
)
_TOKEN = re.compile(r"[^\W\d_]{3,}")
_WORD = re.compile(r"[^\W\d_]+")
_CJK_LETTER = re.compile(f"[{_CJK}]")


def _capitals() -> str:
    """Every capital letter of the Basic Multilingual Plane, as ranges of a character class."""
    ranges: list[list[int]] = []
    for code in range(0x10000):
        char = chr(code)
        if char.isupper() or char.istitle():
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1][1] = code
            else:
                ranges.append([code, code])
    return "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for a, b in ranges
    )


#: A capitalised word: a capital of any alphabet, then letters, digits and ``&'’.-``.
CAPITALISED = re.compile(f"\\b([{_capitals()}][\\w&'’.-]*[\\w&])")
_NAME = re.compile(
    r"\"([^\"]{3,60})\"|“([^”]{3,60})”|\b(\d[\d.,]*\d|\d)(%| ?[mb]n?\b)?|" + CAPITALISED.pattern
)

#: English stop words: the words no event is told by.
ENGLISH = frozenset(
    (
        "the",
        "and",
        "for",
        "are",
        "but",
        "not",
        "you",
        "all",
        "any",
        "can",
        "had",
        "her",
        "was",
        "one",
        "our",
        "out",
        "has",
        "have",
        "him",
        "his",
        "how",
        "its",
        "may",
        "new",
        "now",
        "old",
        "see",
        "two",
        "who",
        "did",
        "get",
        "got",
        "let",
        "say",
        "she",
        "too",
        "use",
        "that",
        "this",
        "with",
        "from",
        "they",
        "will",
        "what",
        "when",
        "your",
        "more",
        "into",
        "over",
        "than",
        "then",
        "them",
        "these",
        "those",
        "been",
        "were",
        "which",
        "their",
        "there",
        "about",
        "would",
        "could",
        "after",
        "before",
        "while",
        "where",
        "also",
        "just",
        "only",
        "some",
        "such",
        "very",
        "most",
        "other",
        "said",
        "says",
        "why",
        "here",
        "its",
        "it's",
        "how",
        "a",
        "an",
        "in",
        "on",
        "of",
        "to",
        "is",
        "as",
        "at",
        "by",
        "be",
        "or",
        "it",
        "we",
        "if",
        "so",
        "up",
        "no",
        "do",
    )
)


#: Stop words of other languages (articles, pronouns, prepositions, conjunctions, auxiliaries,
#: common adverbs), added to `ENGLISH` for a corpus written in that language
#: (`corpus_stopwords`). Only German was measured (docs/stories.md, "German").
OTHER = {
    "de": frozenset(
        "der die das den dem des ein eine einen einem einer eines und oder aber auch als am an "  # noqa: SIM905
        "auf aus bei bis da dass durch er es für gegen hat haben hatte ich ihr ihre ihren im "
        "in ist ja kann man mehr mit nach nicht noch nun nur ob ohne sein seine seinen sich "
        "sie sind so soll über um und uns unter vom von vor war waren was weil wenn wer werden "
        "wie wieder will wir wird wurde wurden zu zum zur zwei alle beim bereits dabei damit "
        "dann dazu denn diese diesem diesen dieser dieses doch dort etwa gibt ihm ihn immer "
        "jetzt kein keine können kommt mal muss neue neuen schon sehr seit sollen viele weiter "
        "wegen welche zwischen heute gestern neu mehrere".split()
    ),
    "fr": frozenset(
        "le la les un une des du de et ou mais au aux ce cet cette ces son sa ses leur leurs "  # noqa: SIM905
        "il elle ils elles on nous vous je se qui que quoi dont où en dans par pour sur sous "
        "avec sans entre vers chez est sont été être avoir ont fait faire plus moins pas ne "
        "tout tous toute toutes aussi après avant comme depuis encore selon même deux très "
        "peut doit bien lors contre".split()
    ),
    "es": frozenset(
        "el la los las un una unos unas del al de y o pero que en por para con sin sobre entre "  # noqa: SIM905
        "se su sus lo le les es son fue ha han está están ser como más menos muy ya no este "
        "esta estos estas ese esa eso tras desde hasta hay tiene según dos cuando donde quien "
        "también sido puede".split()
    ),
    "it": frozenset(
        "il lo la i gli le un uno una di del della dei delle degli da dal dalla in nel nella "  # noqa: SIM905
        "con su sul sulla per tra fra e o ma che chi non più meno come anche è sono stato "
        "stata essere ha hanno si ci suo sua suoi sue dopo prima due molto già ancora".split()
    ),
    "pt": frozenset(
        "o a os as um uma uns umas de do da dos das em no na nos nas por para com sem sobre "  # noqa: SIM905
        "entre e ou mas que se seu sua seus suas é são foi ser está estão ter tem como mais "
        "menos muito já não ao aos após até desde dois também pode quando onde".split()
    ),
    "nl": frozenset(
        "de het een en of maar van in op aan met voor door over bij naar uit tot om als dat "  # noqa: SIM905
        "die dit deze er is zijn was waren wordt worden heeft hebben had niet geen ook nog "
        "meer dan wel al zo hij zij ze we wij ik je u haar hun ons na twee".split()
    ),
}
#: The languages of `OTHER`, by name.
LANGUAGE_NAMES = {
    "de": "German",
    "fr": "French",
    "es": "Spanish",
    "it": "Italian",
    "pt": "Portuguese",
    "nl": "Dutch",
}
#: A corpus's language is told by the stop words of this many of its texts, spread over it:
#: a language of `OTHER` needs more of its stop words than English has, and at least this share
#: of the words (no language detector: py3langid takes ~0.5 s to load its model; the generated
#: corpora's invented words have next to no stop word of any language).
LANGUAGE_SAMPLE = 200
LANGUAGE_SHARE = 0.05


def tokens(text: str, *, stop: frozenset[str] = ENGLISH) -> list[str]:
    """Lower-case words of three letters or more, without stop words (``stop``)."""
    return [t for t in _TOKEN.findall(text.lower()) if t not in stop]


def unfitted_script(text: str) -> bool:
    """Whether most of the letters of ``text`` are Chinese, Japanese or Korean characters."""
    if _CJK_LETTER.search(text) is None:  # (most texts: one scan, no counting)
        return False
    letters = sum(map(len, _WORD.findall(text)))
    return letters > 0 and 2 * len(_CJK_LETTER.findall(text)) >= letters


def names(text: str, *, stop: frozenset[str] = ENGLISH) -> list[str]:
    """Capitalised words, figures and quoted phrases: what tells one event from another.

    >>> names('Microsoft cuts 1,800 jobs, says "a small share" of staff')
    ['microsoft', '1,800', 'a small share']
    """
    out = []
    for quoted, curly, number, unit, word in _NAME.findall(text):
        term = (quoted or curly or (number + unit) or word).lower().strip()
        if term and term not in stop:
            out.append(term)
    return out


def corpus_language(titles: Sequence[str], excerpts: Sequence[str]) -> str:
    """The language a corpus is mostly written in, as far as stop words go: the language of
    `OTHER` whose stop words are the most frequent words of `LANGUAGE_SAMPLE` texts spread
    over the corpus (title and the excerpt's first 100 characters), if they are more frequent
    than the English ones and at least `LANGUAGE_SHARE` of the words; else ``en``.

    >>> corpus_language(["Die Regierung will die Steuern senken"], ["Der Bundesrat entschied"])
    'de'
    >>> corpus_language(["Microsoft cuts 1,800 jobs", "Azure outage hits Europe"], ["", ""])
    'en'
    """
    step = max(1, len(titles) // LANGUAGE_SAMPLE)
    words = _WORD.findall(
        " ".join(f"{titles[k]} {excerpts[k][:100]}" for k in range(0, len(titles), step)).lower()
    )
    english = sum(w in ENGLISH for w in words)
    hits = {language: sum(w in stop for w in words) for language, stop in OTHER.items()}
    best = max(hits, key=lambda language: hits[language])
    return best if hits[best] > max(english, LANGUAGE_SHARE * len(words)) else "en"


def stop_words(language: str) -> frozenset[str]:
    """The stop words of a corpus in ``language``: `ENGLISH`, with that language's own."""
    return ENGLISH | OTHER[language] if language in OTHER else ENGLISH
