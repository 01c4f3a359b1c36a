"""What ``suyuan up --demo`` seeds, once per data directory: the demo network through the running
API (:mod:`suyuan.demo.network`, with the small food business filings of :mod:`suyuan.demo.filings`),
its farmers' market (:mod:`suyuan.demo.markets`), the kitchen-camera feed
(:mod:`suyuan.demo.kitchen`) and a first pass of the credit grader (:mod:`suyuan.demo.credit`)."""
