"""Models of this part: written by its issue-15 work."""
