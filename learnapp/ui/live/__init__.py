"""UI: the live channel: every change of a learner's progress shown in each of their open tabs (channel.py)."""
