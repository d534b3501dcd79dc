"""The mind map: the view (chart, toolbar, zoom and folding), its node menu (ask and edit) and its downloads."""

from components.mindmap.export import file_stem
from components.mindmap.view import MindMapView

__all__ = ['MindMapView', 'file_stem']
