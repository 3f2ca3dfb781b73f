"""The Stage 3 report: rendered from the Word template (``build``), measured (``printed``)."""

# The report template, by its path under templates/ (a workspace's own copy wins). Here, not in
# ``build``, so that validate and status, which measure it, need not import the renderer.
TEMPLATE = "docx/self-assessment.docx"
