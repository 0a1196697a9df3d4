"""The interfaces: the JSON API, the web pages and the ``tally`` command line."""
