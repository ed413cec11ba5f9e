"""Training defaults that the command line shares with the trainer. This module imports nothing,
so `talkscan --help` can read them without loading the trainer."""

# Asks said alone are rare in the training writers' meetings: every ask-only turn also trains cut to
# its ask sentences (evaluate.ask_cut_meeting; models/moves.md, "Asks said alone").
ASK_CUTS = True
