"""Spiders: ``articles`` fetches tracked articles; discovery spiders (feeds, sitemaps, sections) find them."""
