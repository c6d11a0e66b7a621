"""Campaign detection: find cue evidence, then judge whether the campaign is a *theme*."""

from __future__ import annotations

from tinbai.model.campaigns.detector import CampaignDecision, CampaignDetector, ThemeModel
from tinbai.model.campaigns.matcher import CampaignHits, CueMatcher

__all__ = ["CampaignDecision", "CampaignDetector", "CampaignHits", "CueMatcher", "ThemeModel"]
