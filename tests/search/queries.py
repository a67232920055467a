"""GraphQL documents of the search tests."""

FACETED_PAGE_QUERY = """
query FacetedPage($query: String, $categoryId: ID, $filters: ProductFilterInput,
                  $sort: ProductSortKey, $first: Int, $after: String) {
  productSearch(query: $query, categoryId: $categoryId, filters: $filters, sort: $sort,
                first: $first, after: $after) {
    totalCount
    facets { key label values { value label count selected } }
    edges { cursor node {
      id name brand
      priceRange { min { amount currencyCode } max { amount } }
      availableForSale
      media { id url }
      variants {
        sku color size
        price { amount { amount } priceList }
        availability { inStock quantity }
      }
    } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

IDS_QUERY = """
query Ids($query: String, $categoryId: ID, $filters: ProductFilterInput,
          $sort: ProductSortKey, $first: Int, $after: String) {
  productSearch(query: $query, categoryId: $categoryId, filters: $filters, sort: $sort,
                first: $first, after: $after) {
    totalCount
    edges { node { id } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
