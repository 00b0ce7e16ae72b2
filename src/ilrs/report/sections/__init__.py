"""Report sections: one module per layer, each ``build(products, ctx) -> Section``.

A section renders the study's :class:`ilrs.report.products.RunProducts` (computed once, before any
section runs); it computes nothing another section needs. The order and the list live in
:mod:`ilrs.report.build`.
"""
