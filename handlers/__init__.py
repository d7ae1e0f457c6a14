"""What the bot does with each LINE event: one module per feature, declared in
islandos/features/."""
