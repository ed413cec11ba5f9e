"""Direction cues for price and timeline asks, with negation: "under 400k" pushes the price down,
"we cannot go any lower" pushes it up. A learned head reads words; these rules read which way they point."""

from __future__ import annotations

import re

_NEG = r"(?:can't|cannot|can not|won't|will not|not|no|never|don't|do not|isn't|aren't|couldn't|wouldn't|shouldn't)"

# (pattern, direction) in the order they are tried; negated forms first
_PRICE = [
    # a discount is a lower price: "at least twelve percent off", "ten percent off", "down to 4.2"
    (r"\b(?:\w+ (?:percent|%|k|grand|thousand|million)|\d+%?) off\b|\bat least [\w .,-]{0,25}\b(?:off|discount)\b|\b(?:down|back) to\b|\bsharpen", "less"),
    # a cap on the discount keeps the price up
    (r"\bdiscount (?:\w+ )?(?:capped|cap|limited)\b|\bcap (?:on )?the discount\b|\bno (?:more )?discount", "more"),
    (rf"\b{_NEG}\s+(?:\w+\s+){{0,3}}(?:lower|below|down|less|cheaper|under|discount\w*|cut\w*|reduc\w*)\b", "more"),
    (rf"\b{_NEG}\s+(?:\w+\s+){{0,3}}(?:higher|above|over|more|up|exceed\w*|increase\w*|raise\w*|absorb|afford|approve|take)\b", "less"),
    (r"\b(?:floor|minimum price|no less than|not a (?:penny|cent|dollar) less|full price|list price|hold(?:ing)? the price|raise the price|increase the price|price increase|uplift)\b", "more"),
    (r"\b(?:under|below|less than|at most|no more than|cap(?:ped)?|ceiling|maximum|max|lower|reduc\w*|cut\w*|cheaper|discount\w*|bring (?:it |that |the \w+ )?down|come down|knock\w* off|savings?|too (?:high|expensive|much)|over budget|within (?:the )?budget)\b", "less"),
]
_TIMELINE = [
    (rf"\b{_NEG}\s+(?:\w+\s+){{0,4}}(?:by|before|earlier|sooner|faster|rush\w*)\b", "more"),
    (rf"\b{_NEG}\s+(?:\w+\s+){{0,3}}(?:slip\w*|delay\w*|later|push\w*|extend\w*|wait\w*|move\w*)\b", "less"),
    (r"\b(?:at least \w+ (?:more )?(?:days|weeks|months|years)|more time|longer|extend\w*|extension|push(?:ed|ing)? (?:it |that |the \w+ )?(?:back|out)|delay\w*|postpone\w*|later|buffer|no earlier than|slow\w* down)\b", "more"),
    (r"\b(?:by (?:the )?(?:end of |next |this |early |mid |the first of )?(?:monday|tuesday|wednesday|thursday|friday|week|month|quarter|q[1-4]|january|february|march|april|may|june|july|august|september|october|november|december|first|\d)|before (?:the )?(?:end|audit|launch|holiday|summer|christmas|year)|sooner|earlier|faster|quick\w*|asap|as soon as possible|right away|immediately|fixed|firm date|no later than|deadline|next (?:monday|week)|this week|accelerat\w*|compress\w*|on time|on schedule|hold the date|stick to|go[- ]live is|start (?:on )?(?:monday|tomorrow|next))\b", "less"),
]


def rule_direction(text: str, topic: str | None) -> str | None:
    """'more', 'less', or None when no rule speaks for this topic."""
    rules = {"price": _PRICE, "timeline": _TIMELINE}.get(topic or "")
    if not rules:
        return None
    low = text.lower().replace("’", "'")
    for pattern, direction in rules:
        if re.search(pattern, low):
            return direction
    return None
