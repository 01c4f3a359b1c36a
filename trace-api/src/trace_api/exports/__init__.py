"""Exports: a lot's trace as a GS1 EPCIS 2.0 document, and the FSMA 204 sortable spreadsheet (CSV, XLSX).

The HTTP routes are in :mod:`trace_api.exports.routes`, the ``suyuan export`` command line in
:mod:`trace_api.exports.cli`.
"""

from .fsma204 import COLUMNS, SheetFormat, fsma204_rows, parse_bound, to_csv, to_xlsx
from .service import ExportInvalid, epcis_trace_document

__all__ = [
    "COLUMNS",
    "ExportInvalid",
    "SheetFormat",
    "epcis_trace_document",
    "fsma204_rows",
    "parse_bound",
    "to_csv",
    "to_xlsx",
]
