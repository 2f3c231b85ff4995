"""One HTML page per flagged cluster, with its graph drawn as inline SVG (no plotting library).

Applications are circles, the identifiers they share are squares labelled with their kind and
masked value; positions come from networkx's spring layout, so the page is self-contained.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import networkx as nx  # type: ignore[import-untyped]

from graph.sweep import Cluster

_SIZE = 640
_MARGIN = 60
_KIND_COLOURS = {"phone": "#d9480f", "email": "#5f3dc4", "address": "#2b8a3e", "account": "#c2255c",
                 "id_number": "#1864ab", "doc_file": "#495057", "doc_content": "#495057", "employer": "#868e96",
                 "doc_template": "#868e96"}


def cluster_graph(cluster: Cluster) -> nx.Graph:
    """Applications joined to the identifiers they share."""
    graph = nx.Graph()
    for member in cluster.members:
        graph.add_node(f"a{member['pk']}", label=f"{member['application_id']} ({member['lender_id']})", kind="app")
    for pk, kind, masked in cluster.links:
        node = f"{kind}:{masked}"
        graph.add_node(node, label=f"{kind} {masked}", kind=kind)
        graph.add_edge(f"a{pk}", node)
    return graph


def cluster_svg(cluster: Cluster) -> str:
    """The cluster graph as an inline SVG drawing."""
    graph = cluster_graph(cluster)
    layout = nx.spring_layout(graph, seed=7)
    scale = (_SIZE - 2 * _MARGIN) / 2

    def at(node: str) -> tuple[float, float]:
        x, y = layout[node]
        return _MARGIN + (x + 1) * scale, _MARGIN + (y + 1) * scale

    header = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{_SIZE}" height="{_SIZE}" '
              f'font-family="sans-serif" font-size="11">')
    parts = [header]
    for a, b in graph.edges:
        (x1, y1), (x2, y2) = at(a), at(b)
        parts.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="#adb5bd"/>')
    for node, data in graph.nodes(data=True):
        x, y = at(node)
        label = escape(data["label"])
        if data["kind"] == "app":
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="14" fill="#1971c2"/>')
        else:
            colour = _KIND_COLOURS.get(data["kind"], "#868e96")
            parts.append(f'<rect x="{x - 8:.1f}" y="{y - 8:.1f}" width="16" height="16" fill="{colour}"/>')
        parts.append(f'<text x="{x + 16:.1f}" y="{y + 4:.1f}">{label}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def cluster_html(cluster: Cluster) -> str:
    """A self-contained page: the cluster's figures, its picture and its member applications."""
    rows = "".join(f"<tr><td>{escape(str(m['application_id']))}</td><td>{escape(str(m['lender_id']))}</td>"
                   f"<td>{escape(str(m['submitted_at']))}</td></tr>" for m in cluster.members)
    facts = (f"score {cluster.score} &middot; {cluster.identities} identities &middot; {cluster.lenders} lenders "
             f"&middot; shared: {escape(', '.join(cluster.shared_kinds))} &middot; supporting: "
             f"{escape(', '.join(cluster.supporting_kinds) or 'none')} &middot; {cluster.first} to {cluster.last} "
             f"({cluster.span_days} days, {cluster.velocity} in the last week)")
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>Cluster {cluster.cluster_id}</title></head>"
            f"<body><h1>Cluster {cluster.cluster_id}</h1><p>{facts}</p>{cluster_svg(cluster)}"
            f"<table border='1' cellpadding='4'><tr><th>application</th><th>lender</th><th>submitted</th></tr>"
            f"{rows}</table></body></html>")


def write_cluster_pages(clusters: list[Cluster], out: Path) -> list[Path]:
    """``out/<cluster id>.html`` for every cluster; returns the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for cluster in clusters:
        path = out / f"{cluster.cluster_id}.html"
        path.write_text(cluster_html(cluster))
        written.append(path)
    return written
