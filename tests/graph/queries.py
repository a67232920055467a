"""GraphQL documents under test, as module constants."""

PLP_QUERY = """
query CategoryPage($categoryId: ID, $first: Int, $after: String) {
  productSearch(categoryId: $categoryId, first: $first, after: $after) {
    edges { cursor node {
      id name brand
      priceRange { min { amount currencyCode } max { amount currencyCode } }
      availableForSale
      media { id url kind }
      variants {
        sku color size
        price { amount { amount currencyCode } compareAt { amount } priceList }
        availability { inStock quantity }
        media { id }
      }
    } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

PDP_QUERY = """
query ProductPage($id: ID!, $locale: String) {
  product(id: $id) {
    id
    name(locale: $locale)
    description(locale: $locale)
    brand
    categories { id name parent { id } }
    attributes(locale: $locale) { key value }
    media { id kind url alt }
    priceRange { min { amount } max { amount } }
    availableForSale
    variants {
      sku gtin color(locale: $locale) size
      price { amount { amount currencyCode } compareAt { amount } priceList }
      availability { inStock quantity }
      media { id }
    }
  }
}
"""

VARIANT_QUERY = """
query Variant($sku: ID!, $lat: Float!, $lon: Float!, $radius: Float) {
  variant(sku: $sku) {
    sku
    product { id }
    price { amount { amount } compareAt { amount } priceList }
    availability {
      inStock quantity
      stores(near: {latitude: $lat, longitude: $lon}, radiusKm: $radius) {
        location { id name } quantity distanceKm
      }
    }
  }
}
"""

ME_QUERY = """
query Account($first: Int, $after: String) {
  me {
    id email firstName lastName
    identities { system externalId }
    loyalty { points tier lifetimePoints transactions(first: 3) { edges { node { id kind points } } } }
    orders(first: $first, after: $after) {
      edges { cursor node { id channel status placedAt totals { grandTotal { amount } } } }
      pageInfo { hasNextPage endCursor }
    }
  }
}
"""

ORDER_QUERY = """
query Order($id: ID!) {
  order(id: $id) { id channel status customer { id email } lines { sku quantity unitPrice { amount } } }
}
"""

CUSTOMER_QUERY = """
query Customer($id: ID!) { customer(id: $id) { id email } }
"""

ENTITIES_QUERY = """
query Entities($representations: [_Any!]!) {
  _entities(representations: $representations) {
    __typename
    ... on Order { id channel }
    ... on Customer { id email }
    ... on Product { id name }
    ... on Variant { sku price { amount { amount } } }
  }
}
"""

LOCATIONS_QUERY = """
query Stores($lat: Float!, $lon: Float!, $radius: Float) {
  locations(near: {latitude: $lat, longitude: $lon}, radiusKm: $radius, kind: STORE) {
    id name city distanceKm
  }
}
"""
