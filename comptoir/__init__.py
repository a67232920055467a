"""comptoir: one GraphQL surface over a retailer's PIM, DAM, ERP, CRM, OMS and promotion engine."""

__version__ = "0.1.0"
