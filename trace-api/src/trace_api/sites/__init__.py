"""The regulators' map: the network's positioned sites (organisations and devices) and their alerts."""

from .service import device_site_kind, get_site, list_sites
from .views import EquipmentSite, EquipmentSiteDetail, OpenAlert, Site, SiteDetail, SitePage

__all__ = [
    "EquipmentSite",
    "EquipmentSiteDetail",
    "OpenAlert",
    "Site",
    "SiteDetail",
    "SitePage",
    "device_site_kind",
    "get_site",
    "list_sites",
]
