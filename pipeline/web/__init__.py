"""``selfassess serve``: the pen holder's local web pages, on top of the library API."""
