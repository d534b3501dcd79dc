"""The REST API at /api/v1: personal access tokens, JSON in and out, OpenAPI at /api/v1/openapi.json."""

from aurenlm.web.api.app import create_api, mount

__all__ = ['create_api', 'mount']
