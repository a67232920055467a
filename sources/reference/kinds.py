"""Product kinds: per leaf category, what products are called, made of, sized and priced."""

from __future__ import annotations

from dataclasses import dataclass

from comptoir.sources.reference.vocab import T3

APPAREL = ("XS", "S", "M", "L", "XL", "XXL")
SHOES = ("36", "37", "38", "39", "40", "41", "42", "43", "44", "45")
ONE_SIZE = ("ONE",)


@dataclass(frozen=True)
class Kind:
    """The products of one leaf category: what they are called, made of, sized and priced."""

    category_id: str
    nouns: tuple[T3, ...]
    styles: tuple[T3, ...]
    materials: tuple[str, ...]
    sizes: tuple[str, ...]
    size_span: tuple[int, int]
    colours: tuple[int, int]
    price: tuple[int, int]


_KNIT_NOUNS: tuple[T3, ...] = (
    ("jumper", "Pull", "Pullover"),
    ("cardigan", "Cardigan", "Strickjacke"),
    ("sleeveless jumper", "Pull sans manches", "Pullunder"),
)
_KNIT_STYLES: tuple[T3, ...] = (
    ("crew-neck", "col rond", "mit Rundhals"),
    ("V-neck", "col V", "mit V-Ausschnitt"),
    ("cable-knit", "à torsades", "mit Zopfmuster"),
    ("roll-neck", "col roulé", "mit Rollkragen"),
    ("oversized", "oversize", "in Oversize-Passform"),
)

KINDS: tuple[Kind, ...] = (
    Kind(
        "C-knitwear",
        _KNIT_NOUNS,
        _KNIT_STYLES,
        ("cashmere", "merino", "alpaca", "cotton"),
        APPAREL,
        (3, 5),
        (1, 3),
        (49, 249),
    ),
    Kind(
        "C-dresses",
        (
            ("dress", "Robe", "Kleid"),
            ("midi dress", "Robe midi", "Midikleid"),
            ("shirt dress", "Robe chemise", "Hemdblusenkleid"),
        ),
        (
            ("wrap", "portefeuille", "in Wickeloptik"),
            ("pleated", "à plis", "mit Falten"),
            ("floral", "à fleurs", "mit Blumenmuster"),
            ("sleeveless", "sans manches", "ohne Ärmel"),
        ),
        ("linen", "viscose", "cotton", "silk"),
        APPAREL,
        (3, 5),
        (1, 3),
        (59, 229),
    ),
    Kind(
        "C-tops",
        (
            ("blouse", "Blouse", "Bluse"),
            ("T-shirt", "T-shirt", "T-Shirt"),
            ("tank top", "Débardeur", "Tanktop"),
        ),
        (
            ("striped", "à rayures", "mit Streifen"),
            ("embroidered", "à broderies", "mit Stickerei"),
            ("short-sleeved", "à manches courtes", "mit kurzen Ärmeln"),
            ("long-sleeved", "à manches longues", "mit langen Ärmeln"),
        ),
        ("cotton", "organic_cotton", "linen", "silk"),
        APPAREL,
        (3, 5),
        (1, 3),
        (19, 119),
    ),
    Kind(
        "C-boots",
        (
            ("ankle boots", "Bottines", "Stiefeletten"),
            ("knee boots", "Bottes hautes", "Stiefel"),
            ("Chelsea boots", "Boots Chelsea", "Chelsea-Boots"),
        ),
        (
            ("lace-up", "à lacets", "zum Schnüren"),
            ("heeled", "à talons", "mit Absatz"),
            ("shearling-lined", "doublure mouton", "mit Lammfellfutter"),
        ),
        ("leather", "suede"),
        SHOES,
        (4, 7),
        (1, 2),
        (119, 329),
    ),
    Kind(
        "C-sneakers",
        (
            ("sneakers", "Baskets", "Sneaker"),
            ("running shoes", "Chaussures de running", "Laufschuhe"),
        ),
        (
            ("retro", "style rétro", "im Retro-Stil"),
            ("chunky-sole", "à semelle épaisse", "mit dicker Sohle"),
            ("slip-on", "à enfiler", "zum Reinschlüpfen"),
        ),
        ("leather", "canvas", "recycled_knit"),
        SHOES,
        (4, 7),
        (1, 2),
        (69, 169),
    ),
    Kind(
        "C-shirts",
        (
            ("shirt", "Chemise", "Hemd"),
            ("overshirt", "Surchemise", "Overshirt"),
            ("polo shirt", "Polo", "Poloshirt"),
        ),
        (
            ("button-down", "col boutonné", "mit Button-down-Kragen"),
            ("checked", "à carreaux", "kariert"),
            ("slim-fit", "coupe ajustée", "in Slim Fit"),
            ("short-sleeved", "à manches courtes", "mit kurzen Ärmeln"),
        ),
        ("cotton", "linen", "flannel", "organic_cotton"),
        APPAREL,
        (3, 5),
        (1, 3),
        (39, 139),
    ),
    Kind(
        "C-trousers",
        (
            ("trousers", "Pantalon", "Hose"),
            ("chinos", "Chino", "Chinohose"),
            ("jeans", "Jean", "Jeans"),
        ),
        (
            ("straight-leg", "coupe droite", "mit geradem Bein"),
            ("tapered", "coupe fuselée", "mit schmalem Bein"),
            ("pleated", "à pinces", "mit Bundfalten"),
        ),
        ("twill", "denim", "wool", "corduroy"),
        APPAREL,
        (3, 5),
        (1, 3),
        (49, 179),
    ),
    Kind(
        "C-jackets",
        (
            ("coat", "Manteau", "Mantel"),
            ("jacket", "Veste", "Jacke"),
            ("parka", "Parka", "Parka"),
            ("blazer", "Blazer", "Sakko"),
        ),
        (
            ("double-breasted", "à double boutonnage", "zweireihig"),
            ("hooded", "à capuche", "mit Kapuze"),
            ("padded", "ouatiné", "wattiert"),
            ("belted", "à ceinture", "mit Gürtel"),
        ),
        ("wool", "recycled_polyester", "gabardine", "leather"),
        APPAREL,
        (3, 5),
        (1, 2),
        (129, 449),
    ),
    Kind(
        "C-mens-knitwear",
        _KNIT_NOUNS,
        _KNIT_STYLES,
        ("merino", "cashmere", "cotton", "alpaca"),
        APPAREL,
        (3, 5),
        (1, 3),
        (59, 259),
    ),
    Kind(
        "C-bedding",
        (
            ("duvet cover", "Housse de couette", "Bettbezug"),
            ("fitted sheet", "Drap housse", "Spannbettlaken"),
            ("bedding set", "Parure de lit", "Bettwäsche-Set"),
        ),
        (
            ("stonewashed", "effet lavé", "stonewashed"),
            ("striped", "à rayures", "mit Streifen"),
            ("herringbone", "à chevrons", "mit Fischgrätmuster"),
        ),
        ("linen", "percale", "sateen"),
        ("140x200", "160x200", "200x200", "240x220"),
        (2, 4),
        (1, 3),
        (39, 259),
    ),
    Kind(
        "C-lighting",
        (
            ("table lamp", "Lampe à poser", "Tischleuchte"),
            ("pendant light", "Suspension", "Pendelleuchte"),
            ("floor lamp", "Lampadaire", "Stehleuchte"),
        ),
        (
            ("pleated", "à abat-jour plissé", "mit Plisseeschirm"),
            ("adjustable", "orientable", "verstellbar"),
            ("mushroom", "champignon", "in Pilzform"),
            ("dimmable", "à variateur", "dimmbar"),
        ),
        ("brass", "rattan", "ceramic", "opal_glass"),
        ONE_SIZE,
        (1, 1),
        (1, 3),
        (49, 399),
    ),
    Kind(
        "C-tableware",
        (
            ("plate", "Assiette", "Teller"),
            ("bowl", "Bol", "Schale"),
            ("mug", "Mug", "Becher"),
            ("carafe", "Carafe", "Karaffe"),
        ),
        (
            ("reactive-glaze", "à émail réactif", "mit Reaktivglasur"),
            ("rimmed", "à rebord", "mit Rand"),
            ("stackable", "empilable", "stapelbar"),
        ),
        ("stoneware", "porcelain", "glass", "terracotta"),
        ONE_SIZE,
        (1, 1),
        (1, 4),
        (9, 59),
    ),
    Kind(
        "C-cushions",
        (("cushion cover", "Housse de coussin", "Kissenbezug"), ("throw", "Plaid", "Plaid")),
        (
            ("fringed", "à franges", "mit Fransen"),
            ("embroidered", "à broderies", "mit Stickerei"),
            ("waffle-knit", "nid d'abeille", "mit Waffelstruktur"),
        ),
        ("linen", "wool", "velvet", "cotton"),
        ("40x40", "45x45", "30x50", "130x170"),
        (1, 3),
        (1, 3),
        (19, 119),
    ),
    Kind(
        "C-scarves",
        (
            ("scarf", "Écharpe", "Schal"),
            ("square scarf", "Carré", "Tuch"),
            ("snood", "Snood", "Loop-Schal"),
        ),
        (
            ("fringed", "à franges", "mit Fransen"),
            ("paisley", "motif cachemire", "mit Paisleymuster"),
            ("checked", "à carreaux", "kariert"),
        ),
        ("wool", "silk", "cashmere", "modal"),
        ONE_SIZE,
        (1, 1),
        (1, 4),
        (29, 189),
    ),
    Kind(
        "C-bags",
        (
            ("tote bag", "Cabas", "Shopper"),
            ("crossbody bag", "Sac bandoulière", "Umhängetasche"),
            ("backpack", "Sac à dos", "Rucksack"),
        ),
        (
            ("quilted", "matelassé", "gesteppt"),
            ("woven", "tressé", "geflochten"),
            ("structured", "structuré", "formstabil"),
        ),
        ("leather", "canvas", "nylon"),
        ONE_SIZE,
        (1, 1),
        (1, 3),
        (49, 349),
    ),
    Kind(
        "C-socks",
        (("socks", "Chaussettes", "Socken"), ("ankle socks", "Socquettes", "Sneakersocken")),
        (
            ("ribbed", "côtelées", "gerippt"),
            ("striped", "rayées", "gestreift"),
            ("patterned", "à motifs", "gemustert"),
        ),
        ("organic_cotton", "merino", "cotton_blend"),
        ("35-38", "39-42", "43-46"),
        (2, 3),
        (1, 3),
        (9, 19),
    ),
)

KIND_BY_CATEGORY: dict[str, Kind] = {kind.category_id: kind for kind in KINDS}
