"""Direction cues for price and timeline asks, with negation: "under 400k" pushes the price down,
"we cannot go any lower" pushes it up; "we can't be ready by May" asks for more time, "if we're
not live by May we lose the contract" for less. A learned head reads words; these rules read which way they point."""

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
_ORDINAL = (r"(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|\w+teenth|"
            r"twentieth|thirtieth|(?:twenty|thirty)-\w+|\d+(?:st|nd|rd|th)?)")
_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_CANNOT_BY = rf"\b{_NEG}\s+(?:\w+\s+){{0,6}}(?:by|before|earlier|sooner|faster|rush\w*)\b"   # "can't be ready by May"
_TIMELINE = [
    # "no longer", "no extension", "not one day more", "no later than": a limit, so less time
    (r"\b(?:no|not any|not one (?:day|week|month)) (?:longer|later than|extension|more (?:time|days|weeks)|slip\w*|delay\w*)\b"
     r"|\bnot one (?:day|week|month) (?:more|longer|over)\b", "less"),
    (_CANNOT_BY, "more"),
    (rf"\b{_NEG}\s+(?:\w+\s+){{0,3}}(?:slip\w*|delay\w*|later|push\w*|extend\w*|wait\w*|move\w*)\b", "less"),
    # lead time asked for ahead of an event, a date called unrealistic, time asked for until a date
    (r"\b(?:days?|weeks?|months?)(?:'|'s)? (?:of|for|notice|to)\b[^.;!?]{0,60}\bbefore\b"
     r"|\b(?:not|isn't|is not|never) (?:realistic|doable|achievable|possible)\b|\bunrealistic\b|\bno way\b|\bfiction\b"
     r"|\b(?:want|need|asking for|ask for|give (?:us|me|them))(?: at least)? until\b", "more"),
    (r"\b(?:at least \w+ (?:more )?(?:days|weeks|months|years)|more time|longer|extend\w*|extension|push(?:ed|ing)? (?:it |that |the \w+ )?(?:back|out)|delay\w*|postpone\w*|(?:a |the )?later (?:date|start|go[- ]live|launch|cutover|phase|deadline)|(?:go(?:es|ing)? live|start\w*|launch\w*) later|buffer|no earlier than|slow\w* down)\b", "more"),
    (rf"\b(?:by (?:the )?(?:end of |next |this |early |mid |the first of )?(?:monday|tuesday|wednesday|thursday|friday|week|month|quarter|q[1-4]|{_MONTHS}|first|\d)|by (?:the )?{_ORDINAL}\b|by then|before (?:the |that\b|then\b|it\b|winter|spring|summer|autumn|christmas|easter|peak|year)|sooner|earlier|faster|quick\w*|asap|as soon as possible|right away|immediately|fixed|firm date|no later than|deadline|next (?:monday|week)|this week|accelerat\w*|compress\w*|on time|on schedule|hold the date|stick to|go[- ]live is|start (?:on )?(?:monday|tomorrow|next)|within (?:\w+ )?(?:days|weeks|months)|in time for)\b", "less"),
]
# "If we're not live by October, we lose the contract": a negation inside a condition states a
# deadline, not a wish for more time.
_CONDITION = re.compile(r"\b(?:if|unless|otherwise|or else)\b[^.;:!?—]*$")


def rule_direction(text: str, topic: str | None) -> str | None:
    """'more', 'less', or None when no rule speaks for this topic."""
    rules = {"price": _PRICE, "timeline": _TIMELINE}.get(topic or "")
    if not rules:
        return None
    low = text.lower().replace("’", "'")
    for pattern, direction in rules:
        for m in re.finditer(pattern, low):
            if pattern is _CANNOT_BY and _CONDITION.search(low[: m.start()]):
                continue   # the negation is a condition's: another rule reads the deadline
            return direction
    return None
