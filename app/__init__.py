"""qraudit's app shell: the command line (``app.main``) and the jobs it runs (check, crawl,
rescore), on top of capture (``crawler``), judgment (``detectors``) and results
(``results``).  Nothing imports it."""
