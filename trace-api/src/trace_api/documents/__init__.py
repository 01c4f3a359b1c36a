"""Documents: uploaded once, stored content-addressed, referred to by SHA-256."""

from .models import Document
from .service import document_path, store_document

__all__ = ["Document", "document_path", "store_document"]
