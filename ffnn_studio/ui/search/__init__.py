"""The hyper-parameter search window: space, budget and strategy; trials, plots and Apply best."""
