"""The Scrapy project: settings, spiders, items, decoding, extraction and the storage pipeline."""
