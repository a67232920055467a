"""Materials of the catalogue: their names in product names, composition texts and care."""

from __future__ import annotations

from dataclasses import dataclass

from comptoir.sources.reference.vocab import T3

CARES: dict[str, T3] = {
    "hand_wash": ("Hand wash", "Lavage à la main", "Handwäsche"),
    "wool_wash": ("Wool cycle 30 °C", "Cycle laine 30 °C", "Wollwaschgang 30 °C"),
    "wash_30": ("Machine wash 30 °C", "Lavage en machine à 30 °C", "Maschinenwäsche 30 °C"),
    "wash_40": ("Machine wash 40 °C", "Lavage en machine à 40 °C", "Maschinenwäsche 40 °C"),
    "wash_60": ("Machine wash 60 °C", "Lavage en machine à 60 °C", "Maschinenwäsche 60 °C"),
    "dry_clean": ("Dry clean only", "Nettoyage à sec uniquement", "Nur chemische Reinigung"),
    "leather": (
        "Wipe with a dry cloth, feed with leather balm",
        "Essuyer avec un chiffon sec, nourrir avec un baume",
        "Mit trockenem Tuch abwischen, mit Lederbalsam pflegen",
    ),
    "dust": (
        "Dust with a soft cloth",
        "Dépoussiérer avec un chiffon doux",
        "Mit weichem Tuch abstauben",
    ),
    "dishwasher": ("Dishwasher safe", "Passe au lave-vaisselle", "Spülmaschinenfest"),
    "hand_dishes": ("Wash by hand", "Laver à la main", "Von Hand spülen"),
}


@dataclass(frozen=True)
class Material:
    """A material: its name in product names, its composition text and its care key."""

    name: T3
    composition: T3
    care: str


MATERIALS: dict[str, Material] = {
    "cashmere": Material(
        ("Cashmere", "cachemire", "Kaschmir"),
        ("100% cashmere", "100% cachemire", "100% Kaschmir"),
        "hand_wash",
    ),
    "merino": Material(
        ("Merino wool", "laine mérinos", "Merinowolle"),
        ("100% merino wool", "100% laine mérinos", "100% Merinowolle"),
        "wool_wash",
    ),
    "alpaca": Material(
        ("Alpaca", "alpaga", "Alpaka"),
        ("60% alpaca, 40% wool", "60% alpaga, 40% laine", "60% Alpaka, 40% Wolle"),
        "hand_wash",
    ),
    "cotton": Material(
        ("Cotton", "coton", "Baumwolle"), ("100% cotton", "100% coton", "100% Baumwolle"), "wash_40"
    ),
    "organic_cotton": Material(
        ("Organic cotton", "coton bio", "Bio-Baumwolle"),
        ("100% organic cotton", "100% coton biologique", "100% Bio-Baumwolle"),
        "wash_30",
    ),
    "linen": Material(
        ("Linen", "lin", "Leinen"), ("100% linen", "100% lin", "100% Leinen"), "wash_40"
    ),
    "viscose": Material(
        ("Viscose", "viscose", "Viskose"),
        ("100% viscose", "100% viscose", "100% Viskose"),
        "wash_30",
    ),
    "silk": Material(
        ("Silk", "soie", "Seide"), ("100% silk", "100% soie", "100% Seide"), "dry_clean"
    ),
    "leather": Material(
        ("Leather", "cuir", "Leder"),
        ("Full-grain cowhide leather", "Cuir de vachette pleine fleur", "Vollnarbiges Rindsleder"),
        "leather",
    ),
    "suede": Material(
        ("Suede", "daim", "Veloursleder"),
        ("Goat suede", "Daim de chèvre", "Ziegenveloursleder"),
        "leather",
    ),
    "canvas": Material(
        ("Canvas", "toile", "Canvas"),
        ("100% cotton canvas", "Toile 100% coton", "100% Baumwoll-Canvas"),
        "wash_30",
    ),
    "recycled_knit": Material(
        ("Recycled knit", "maille recyclée", "Recycling-Strick"),
        ("100% recycled polyester", "100% polyester recyclé", "100% recyceltes Polyester"),
        "wash_30",
    ),
    "flannel": Material(
        ("Flannel", "flanelle", "Flanell"),
        ("100% brushed cotton", "100% coton gratté", "100% angeraute Baumwolle"),
        "wash_40",
    ),
    "denim": Material(
        ("Denim", "denim", "Denim"),
        ("98% cotton, 2% elastane", "98% coton, 2% élasthanne", "98% Baumwolle, 2% Elasthan"),
        "wash_30",
    ),
    "twill": Material(
        ("Cotton twill", "sergé de coton", "Baumwollköper"),
        ("100% cotton twill", "100% sergé de coton", "100% Baumwollköper"),
        "wash_40",
    ),
    "wool": Material(
        ("Wool", "laine", "Wolle"), ("100% wool", "100% laine", "100% Wolle"), "dry_clean"
    ),
    "corduroy": Material(
        ("Corduroy", "velours côtelé", "Cord"),
        ("100% cotton corduroy", "Velours 100% coton", "100% Baumwollcord"),
        "wash_30",
    ),
    "recycled_polyester": Material(
        ("Recycled-polyester", "polyester recyclé", "Recycling-Polyester"),
        ("100% recycled polyester", "100% polyester recyclé", "100% recyceltes Polyester"),
        "wash_30",
    ),
    "gabardine": Material(
        ("Gabardine", "gabardine", "Gabardine"),
        ("100% cotton gabardine", "Gabardine 100% coton", "100% Baumwollgabardine"),
        "dry_clean",
    ),
    "percale": Material(
        ("Percale", "percale de coton", "Perkal"),
        (
            "Cotton percale, 80 threads/cm²",
            "Percale de coton, 80 fils/cm²",
            "Baumwollperkal, 80 Fäden/cm²",
        ),
        "wash_60",
    ),
    "sateen": Material(
        ("Sateen", "satin de coton", "Satin"),
        ("100% cotton sateen", "100% satin de coton", "100% Baumwollsatin"),
        "wash_60",
    ),
    "brass": Material(
        ("Brass", "laiton", "Messing"),
        ("Brushed brass", "Laiton brossé", "Gebürstetes Messing"),
        "dust",
    ),
    "rattan": Material(
        ("Rattan", "rotin", "Rattan"),
        ("Hand-woven rattan", "Rotin tressé main", "Handgeflochtenes Rattan"),
        "dust",
    ),
    "ceramic": Material(
        ("Ceramic", "céramique", "Keramik"),
        ("Glazed ceramic", "Céramique émaillée", "Glasierte Keramik"),
        "dust",
    ),
    "opal_glass": Material(
        ("Opal glass", "verre opalin", "Opalglas"),
        ("Mouth-blown opal glass", "Verre opalin soufflé bouche", "Mundgeblasenes Opalglas"),
        "dust",
    ),
    "stoneware": Material(
        ("Stoneware", "grès", "Steinzeug"),
        ("Glazed stoneware", "Grès émaillé", "Glasiertes Steinzeug"),
        "dishwasher",
    ),
    "porcelain": Material(
        ("Porcelain", "porcelaine", "Porzellan"),
        ("Limoges porcelain", "Porcelaine de Limoges", "Limoges-Porzellan"),
        "dishwasher",
    ),
    "glass": Material(
        ("Recycled glass", "verre recyclé", "Recyclingglas"),
        ("100% recycled glass", "100% verre recyclé", "100% Recyclingglas"),
        "dishwasher",
    ),
    "terracotta": Material(
        ("Terracotta", "terre cuite", "Terrakotta"),
        ("Unglazed terracotta", "Terre cuite brute", "Unglasierte Terrakotta"),
        "hand_dishes",
    ),
    "velvet": Material(
        ("Velvet", "velours", "Samt"),
        ("100% cotton velvet", "Velours 100% coton", "100% Baumwollsamt"),
        "dry_clean",
    ),
    "modal": Material(
        ("Modal", "modal", "Modal"), ("100% modal", "100% modal", "100% Modal"), "wash_30"
    ),
    "nylon": Material(
        ("Recycled-nylon", "nylon recyclé", "Recycling-Nylon"),
        ("100% recycled nylon", "100% nylon recyclé", "100% recyceltes Nylon"),
        "wash_30",
    ),
    "cotton_blend": Material(
        ("Cotton-blend", "coton mélangé", "Baumwollmix"),
        (
            "80% cotton, 18% polyamide, 2% elastane",
            "80% coton, 18% polyamide, 2% élasthanne",
            "80% Baumwolle, 18% Polyamid, 2% Elasthan",
        ),
        "wash_40",
    ),
}
