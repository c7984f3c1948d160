"""Names of the Scrapy stats redline keeps, shared by the pipeline that writes and the runners that read."""

#: Prefix of the stats keys counting check outcomes (``redline/outcome/new_version`` …).
OUTCOME_STATS_PREFIX = "redline/outcome/"
#: Set to the DatabaseError that made the pipeline close the spider (the runner raises it).
FATAL_ERROR_STAT = "redline/fatal_error"
#: Prefix of the stats keys counting the work a pass did (``redline/work/parsed`` …), for reports.
WORK_STATS_PREFIX = "redline/work/"
#: Pages handed to the extractor (decoded and parsed): a 304 or unchanged bytes never count here.
PARSED_STAT = WORK_STATS_PREFIX + "parsed"
#: Prefix of the recheck fast path's counters (crawler/fastpath.py): ``redline/fastpath/same``
#: counts pages recognised as the latest version without extraction, ``redline/fastpath/<reason>``
#: those it left to the full read, by why.
FAST_PATH_STATS_PREFIX = "redline/fastpath/"
