"""Contracts of the four sources of DATA-SPEC v1.3, and the code lists and statute table as data."""
from contracts.investigations import SOURCE as INVESTIGATIONS
from contracts.judgments import SOURCE as JUDGMENTS
from contracts.prosecutions import SOURCE as PROSECUTIONS
from contracts.victims import SOURCE as VICTIMS

SOURCES = {s.name: s for s in (INVESTIGATIONS, PROSECUTIONS, JUDGMENTS, VICTIMS)}
