"""Kitchen cameras (明厨亮灶): incidents the cameras recorded, the restaurants' rectifications and
the regulators' reviews of them."""

from .models import Incident, Rectification, RectificationReview, ReviewDecision
from .reviews import Reviewed, ReviewIn, review_rectification
from .service import (
    Answer,
    IncidentView,
    Rectified,
    describe_incident,
    get_incident,
    image_type,
    incident_status,
    list_incidents,
    rectify,
)

__all__ = [
    "Answer",
    "Incident",
    "IncidentView",
    "Rectification",
    "RectificationReview",
    "Rectified",
    "ReviewDecision",
    "ReviewIn",
    "Reviewed",
    "describe_incident",
    "get_incident",
    "image_type",
    "incident_status",
    "list_incidents",
    "rectify",
    "review_rectification",
]
