"""Dependency aliases for route handlers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from model.bundle import Bundle
from service.settings import Settings


def get_bundle(request: Request) -> Bundle:
    return request.app.state.bundle


def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


BundleDep = Annotated[Bundle, Depends(get_bundle)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
