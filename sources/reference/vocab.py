"""The catalogue's vocabulary: category tree, colours, brands, taglines, image views."""

from __future__ import annotations

T3 = tuple[str, str, str]
"""A text in English, French and German."""

CATEGORIES: tuple[tuple[str, str | None, T3], ...] = (
    ("C-women", None, ("Women", "Femme", "Damen")),
    ("C-knitwear", "C-women", ("Knitwear", "Maille", "Strick")),
    ("C-dresses", "C-women", ("Dresses", "Robes", "Kleider")),
    ("C-tops", "C-women", ("Tops & blouses", "Hauts & chemisiers", "Oberteile & Blusen")),
    ("C-shoes", "C-women", ("Shoes", "Chaussures", "Schuhe")),
    ("C-boots", "C-shoes", ("Boots", "Bottes & bottines", "Stiefel")),
    ("C-sneakers", "C-shoes", ("Sneakers", "Baskets", "Sneaker")),
    ("C-men", None, ("Men", "Homme", "Herren")),
    ("C-shirts", "C-men", ("Shirts", "Chemises", "Hemden")),
    ("C-trousers", "C-men", ("Trousers", "Pantalons", "Hosen")),
    ("C-jackets", "C-men", ("Jackets & coats", "Vestes & manteaux", "Jacken & Mäntel")),
    ("C-mens-knitwear", "C-men", ("Knitwear", "Maille", "Strick")),
    ("C-home", None, ("Home", "Maison", "Wohnen")),
    ("C-bedding", "C-home", ("Bedding", "Linge de lit", "Bettwäsche")),
    ("C-lighting", "C-home", ("Lighting", "Luminaires", "Leuchten")),
    ("C-tableware", "C-home", ("Tableware", "Arts de la table", "Geschirr")),
    ("C-cushions", "C-home", ("Cushions & throws", "Coussins & plaids", "Kissen & Plaids")),
    ("C-accessories", None, ("Accessories", "Accessoires", "Accessoires")),
    ("C-scarves", "C-accessories", ("Scarves", "Écharpes & foulards", "Schals & Tücher")),
    ("C-bags", "C-accessories", ("Bags", "Sacs", "Taschen")),
    ("C-socks", "C-accessories", ("Socks", "Chaussettes", "Socken")),
    ("C-gifts", None, ("Gift ideas", "Idées cadeaux", "Geschenkideen")),
)
"""``(id, parent_id, name)`` of every category, parents first."""

COLOURS: tuple[tuple[str, T3], ...] = (
    ("teal", ("Teal", "Bleu canard", "Petrol")),
    ("navy", ("Navy", "Marine", "Marineblau")),
    ("black", ("Black", "Noir", "Schwarz")),
    ("white", ("White", "Blanc", "Weiß")),
    ("ecru", ("Ecru", "Écru", "Ecru")),
    ("camel", ("Camel", "Camel", "Camel")),
    ("grey", ("Grey", "Gris chiné", "Grau")),
    ("red", ("Red", "Rouge", "Rot")),
    ("green", ("Forest green", "Vert sapin", "Tannengrün")),
    ("pink", ("Pink", "Rose", "Rosa")),
    ("mustard", ("Mustard", "Moutarde", "Senfgelb")),
    ("sand", ("Sand", "Sable", "Sand")),
    ("brass", ("Brass", "Laiton", "Messing")),
    ("terracotta", ("Terracotta", "Terre cuite", "Terrakotta")),
    ("sky", ("Sky blue", "Bleu ciel", "Himmelblau")),
    ("burgundy", ("Burgundy", "Bordeaux", "Bordeaux")),
)

BRANDS: tuple[str, ...] = (
    "Maison Nord",
    "Atelier Sève",
    "Côte Sauvage",
    "Bruyère",
    "Les Filatures",
    "Oslo Studio",
    "Terre d'Argile",
    "Lumen & Co",
    "Rive Gauche Basics",
)

TAGLINES: tuple[T3, ...] = (
    (
        "A timeless piece for every season.",
        "Une pièce intemporelle pour toutes les saisons.",
        "Ein zeitloses Stück für jede Saison.",
    ),
    (
        "Designed in our Lyon studio.",
        "Dessiné dans notre atelier lyonnais.",
        "Entworfen in unserem Atelier in Lyon.",
    ),
    ("Made to last, easy to love.", "Fait pour durer, facile à aimer.", "Gemacht, um zu bleiben."),
    (
        "Responsibly sourced materials.",
        "Des matières sourcées de façon responsable.",
        "Verantwortungsvoll beschaffte Materialien.",
    ),
    (
        "A relaxed fit with clean lines.",
        "Une coupe décontractée aux lignes épurées.",
        "Lockere Passform mit klaren Linien.",
    ),
)

VIEWS: tuple[T3, ...] = (
    ("front view", "vue de face", "Vorderansicht"),
    ("back view", "vue de dos", "Rückansicht"),
    ("detail", "détail", "Detail"),
    ("worn", "portée", "getragen"),
    ("in situ", "en situation", "in Szene"),
)
