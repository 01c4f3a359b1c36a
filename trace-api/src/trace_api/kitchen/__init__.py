"""Kitchen cameras (明厨亮灶): incidents the cameras recorded and the restaurants' rectifications."""

from .models import Incident, Rectification
from .service import (
    IncidentView,
    Rectified,
    describe_incident,
    get_incident,
    image_type,
    list_incidents,
    publish_notice,
    rectify,
)

__all__ = [
    "Incident",
    "IncidentView",
    "Rectification",
    "Rectified",
    "describe_incident",
    "get_incident",
    "image_type",
    "list_incidents",
    "publish_notice",
    "rectify",
]
