"""The run report: aggregates computed once (``report.json``), rendered as one offline HTML file."""
