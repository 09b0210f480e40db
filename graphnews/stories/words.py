"""The words of a text that story detection compares: `tokens` for the text cosines, `names`
for the cosine of names, `CAPITALISED` for the titles' actors.

A word is a run of three letters or more of any alphabet; a name starts with a capital of any
alphabet ("Élysée", "Österreich", "Москва"), not only A-Z. Stop words are English only; in a
corpus of another language its common words are dropped by the TF-IDF vectors instead (terms
in more than a fifth of the texts).

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
>>> unfitted_script("微软发布人工智能模型"), unfitted_script("Microsoft's AI model")
(True, False)
"""

from __future__ import annotations

import re

__all__ = ["CAPITALISED", "names", "tokens", "unfitted_script"]

#: Characters of the scripts written without spaces between words: CJK ideographs (with the
#: extensions and compatibility forms), Hiragana, Katakana (and its half-width forms), Hangul.
_CJK = (
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef"
    "\u3040-\u309f\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f"
    "\u1100-\u11ff\u3130-\u318f\uac00-\ud7af"
)
_TOKEN = re.compile(r"[^\W\d_]{3,}")
_LETTER = re.compile(r"[^\W\d_]")
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

_STOPWORDS = frozenset(
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


def tokens(text: str) -> list[str]:
    """Lower-case words of three letters or more, without stop words."""
    return [t for t in _TOKEN.findall(text.lower()) if t not in _STOPWORDS]


def unfitted_script(text: str) -> bool:
    """Whether most of the letters of ``text`` are Chinese, Japanese or Korean characters."""
    if _CJK_LETTER.search(text) is None:  # (most texts: one scan, no counting)
        return False
    letters = len(_LETTER.findall(text))
    return letters > 0 and 2 * len(_CJK_LETTER.findall(text)) >= letters


def names(text: str) -> list[str]:
    """Capitalised words, figures and quoted phrases: what tells one event from another.

    >>> names('Microsoft cuts 1,800 jobs, says "a small share" of staff')
    ['microsoft', '1,800', 'a small share']
    """
    out = []
    for quoted, curly, number, unit, word in _NAME.findall(text):
        term = (quoted or curly or (number + unit) or word).lower().strip()
        if term and term not in _STOPWORDS:
            out.append(term)
    return out
