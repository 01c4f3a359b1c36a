"""Documents: uploaded once, stored content-addressed, referred to by SHA-256."""

from .models import Document, DocumentHolder, HeldAs
from .service import document_path, holds_document, media_type_of, share_document, store_document

__all__ = [
    "Document",
    "DocumentHolder",
    "HeldAs",
    "document_path",
    "holds_document",
    "media_type_of",
    "share_document",
    "store_document",
]
