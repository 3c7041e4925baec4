"""What a reader of the study's results reads: the summary page (``summary``: its number formats,
the prose of each question, the assembly of the page) and the HTML report's pages of tables,
Markdown and figures (``pages``)."""
