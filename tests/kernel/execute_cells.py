"""Execute code cells through a Jupyter kernel with nbclient and print the result as JSON.

usage: python3 execute_cells.py <cells.json> <working dir> [kernel name]
stdout: {"outputs": [[output, ...] per cell], "html": "<the executed notebook as nbconvert HTML>",
         "metadata": <the executed notebook's metadata, with the widget state nbclient saved>}
The HTML is exported as `numlab notebooks run` does: without the widget-state metadata (so widgets
show their static text/html snapshot, with no script from a CDN).
"""
import json
import sys

import nbformat
from nbclient import NotebookClient

cells = json.load(open(sys.argv[1], encoding="utf-8"))
cwd = sys.argv[2]
kernel = sys.argv[3] if len(sys.argv) > 3 else "numlab"

nb = nbformat.v4.new_notebook()
nb.metadata["kernelspec"] = {"name": kernel, "display_name": "TypeScript (numlab)", "language": "typescript"}
nb.cells = [nbformat.v4.new_code_cell(source) for source in cells]
NotebookClient(nb, timeout=180, kernel_name=kernel, allow_errors=True, resources={"metadata": {"path": cwd}}).execute()

html = ""
try:
    import copy

    from nbconvert import HTMLExporter

    page = copy.deepcopy(nb)
    page.metadata.pop("widgets", None)
    html, _ = HTMLExporter().from_notebook_node(page)
except ImportError:
    pass
json.dump({"outputs": [cell.outputs for cell in nb.cells], "html": html, "metadata": nb.metadata}, sys.stdout)
