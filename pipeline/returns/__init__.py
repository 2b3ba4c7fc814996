"""The international returns: UNODC GLOTIP, Eurostat crim_thb and SDG 16.2.2, cut from the warehouse's
figures (cells.py) with the public edition's disclosure control, in each collection's layout."""
