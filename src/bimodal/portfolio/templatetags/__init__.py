"""Template tags of the portfolio app."""
