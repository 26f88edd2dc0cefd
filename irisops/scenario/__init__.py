"""The iris scenario that ``irisops demo`` runs: its steps (:mod:`.iris`), the runner
that times them (:mod:`.runner`), the progress interface observers implement
(:mod:`.progress`) and the console printer (:mod:`.console`)."""
