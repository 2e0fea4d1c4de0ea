from hypothesis import Phase, settings

# Loaded by scripts/mutation (`--hypothesis-profile=mutation`): the same examples for every
# mutant, so two runs give the same score, and no shrinking, since only pass or fail counts.
settings.register_profile(
    "mutation",
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
)
