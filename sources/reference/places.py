"""Real French places and common French names for the demo's locations, customers and addresses."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Place:
    """A warehouse or a store with its real city-centre coordinates."""

    id: str
    kind: str
    name: str
    city: str
    postal_code: str
    latitude: float
    longitude: float
    ship_from: bool
    click_and_collect: bool
    accepts_returns: bool = False


def _store(
    code: str,
    name: str,
    city: str,
    postal: str,
    lat: float,
    lon: float,
    ship_from: bool = False,
    returns: bool = True,
) -> Place:
    return Place(f"L-STORE-{code}", "store", name, city, postal, lat, lon, ship_from, True, returns)


WAREHOUSES: tuple[Place, ...] = (
    Place(
        "L-WH-LYON",
        "warehouse",
        "Entrepôt Lyon Saint-Priest",
        "Saint-Priest",
        "69800",
        45.6963,
        4.9437,
        True,
        False,
    ),
    Place(
        "L-WH-LILLE",
        "warehouse",
        "Entrepôt Lille Lesquin",
        "Lesquin",
        "59810",
        50.5891,
        3.1112,
        True,
        False,
    ),
)

STORES: tuple[Place, ...] = (
    _store("PARIS-01", "Paris Opéra", "Paris", "75009", 48.8719, 2.3316),
    _store("PARIS-02", "Paris Rivoli", "Paris", "75001", 48.8606, 2.3470, ship_from=True),
    _store("PARIS-03", "Paris Saint-Germain", "Paris", "75006", 48.8539, 2.3338),
    _store("PARIS-04", "Paris Bastille", "Paris", "75011", 48.8532, 2.3693),
    _store("PARIS-05", "Paris Montparnasse", "Paris", "75015", 48.8422, 2.3211),
    _store("PARIS-06", "Paris Batignolles", "Paris", "75017", 48.8836, 2.3193, returns=False),
    _store("LYON-01", "Lyon Bellecour", "Lyon", "69002", 45.7578, 4.8320),
    _store("LYON-02", "Lyon Part-Dieu", "Lyon", "69003", 45.7606, 4.8596, returns=False),
    _store(
        "MARSEILLE-01",
        "Marseille Vieux-Port",
        "Marseille",
        "13001",
        43.2951,
        5.3740,
        ship_from=True,
    ),
    _store(
        "BORDEAUX-01",
        "Bordeaux Sainte-Catherine",
        "Bordeaux",
        "33000",
        44.8412,
        -0.5737,
        ship_from=True,
    ),
    _store("LILLE-01", "Lille Grand-Place", "Lille", "59000", 50.6366, 3.0635),
    _store("NANTES-01", "Nantes Commerce", "Nantes", "44000", 47.2133, -1.5606),
    _store(
        "TOULOUSE-01", "Toulouse Capitole", "Toulouse", "31000", 43.6045, 1.4440, ship_from=True
    ),
    _store("STRASBOURG-01", "Strasbourg Kléber", "Strasbourg", "67000", 48.5834, 7.7458),
    _store("NICE-01", "Nice Masséna", "Nice", "06000", 43.6975, 7.2700, returns=False),
    _store("RENNES-01", "Rennes République", "Rennes", "35000", 48.1098, -1.6790),
    _store("MONTPELLIER-01", "Montpellier Comédie", "Montpellier", "34000", 43.6085, 3.8797),
    _store("GRENOBLE-01", "Grenoble Victor-Hugo", "Grenoble", "38000", 45.1885, 5.7245),
    _store("DIJON-01", "Dijon Darcy", "Dijon", "21000", 47.3226, 5.0355),
    _store("TOURS-01", "Tours Nationale", "Tours", "37000", 47.3931, 0.6880),
    _store("ANGERS-01", "Angers Ralliement", "Angers", "49100", 47.4712, -0.5518),
    _store("REIMS-01", "Reims Cathédrale", "Reims", "51100", 49.2535, 4.0336),
    _store("LE-HAVRE-01", "Le Havre Coty", "Le Havre", "76600", 49.4944, 0.1079, returns=False),
    _store("BREST-01", "Brest Siam", "Brest", "29200", 48.3890, -4.4869),
    _store("METZ-01", "Metz Serpenoise", "Metz", "57000", 49.1163, 6.1757),
    _store("NANCY-01", "Nancy Stanislas", "Nancy", "54000", 48.6936, 6.1832),
    _store("ROUEN-01", "Rouen Gros-Horloge", "Rouen", "76000", 49.4406, 1.0937),
    _store("CAEN-01", "Caen Saint-Pierre", "Caen", "14000", 49.1829, -0.3650),
    _store("ORLEANS-01", "Orléans Martroi", "Orléans", "45000", 47.9029, 1.9093),
    _store("LIMOGES-01", "Limoges République", "Limoges", "87000", 45.8315, 1.2578),
    _store(
        "CLERMONT-FERRAND-01",
        "Clermont-Ferrand Jaude",
        "Clermont-Ferrand",
        "63000",
        45.7772,
        3.0820,
    ),
    _store("PERPIGNAN-01", "Perpignan Castillet", "Perpignan", "66000", 42.7003, 2.8946),
    _store("BESANCON-01", "Besançon Granges", "Besançon", "25000", 47.2380, 6.0243),
    _store("AMIENS-01", "Amiens Gambetta", "Amiens", "80000", 49.8941, 2.2958),
    _store("POITIERS-01", "Poitiers Notre-Dame", "Poitiers", "86000", 46.5802, 0.3404),
    _store("PAU-01", "Pau Clemenceau", "Pau", "64000", 43.2951, -0.3708),
    _store("LA-ROCHELLE-01", "La Rochelle Vieux-Port", "La Rochelle", "17000", 46.1591, -1.1520),
    _store("ANNECY-01", "Annecy Vieille-Ville", "Annecy", "74000", 45.8992, 6.1294),
    _store("AVIGNON-01", "Avignon République", "Avignon", "84000", 43.9493, 4.8055),
    _store("NIMES-01", "Nîmes Arènes", "Nîmes", "30000", 43.8367, 4.3601),
    _store("TOULON-01", "Toulon Liberté", "Toulon", "83000", 43.1242, 5.9280),
    _store(
        "SAINT-ETIENNE-01", "Saint-Étienne Jean-Jaurès", "Saint-Étienne", "42000", 45.4397, 4.3872
    ),
    _store("MULHOUSE-01", "Mulhouse Réunion", "Mulhouse", "68100", 47.7508, 7.3359),
    _store("BAYONNE-01", "Bayonne Port-Neuf", "Bayonne", "64100", 43.4929, -1.4748, returns=False),
    _store("LE-MANS-01", "Le Mans Jacobins", "Le Mans", "72000", 48.0061, 0.1996),
)
"""Stores drawn at random for customers' homes, random orders and random stock. A few take no
returns (``accepts_returns`` false): small formats without a returns counter."""

CASE_STORES: tuple[Place, ...] = (
    _store("BRIVE-01", "Brive Guierle", "Brive-la-Gaillarde", "19100", 45.1582, 1.5321),
    _store("BRIVE-02", "Brive Gare", "Brive-la-Gaillarde", "19100", 45.1497, 1.5298, returns=False),
)
"""Stores that only the guaranteed cases use: the random draws leave them out, so they hold
only the stock :mod:`~comptoir.sources.reference.gen_erp` gives the guaranteed products."""

LOCATIONS: tuple[Place, ...] = WAREHOUSES + STORES + CASE_STORES

HUBS: dict[str, str] = {
    "colissimo": "Chilly-Mazarin",
    "chronopost": "Alfortville",
    "dpd": "Bonneuil-sur-Marne",
    "ups": "Roissy-en-France",
    "mondial-relay": "Bondoufle",
}
"""The sorting hub each carrier's parcels pass through, named in tracking events."""

TRACKING_URLS: dict[str, str] = {
    "colissimo": "https://www.laposte.fr/outils/suivre-vos-envois?code={}",
    "chronopost": "https://www.chronopost.fr/tracking-no-cms/suivi-page?listeNumerosLT={}",
    "dpd": "https://trace.dpd.fr/fr/trace/{}",
    "ups": "https://www.ups.com/track?tracknum={}",
    "mondial-relay": "https://www.mondialrelay.fr/suivi-de-colis/?numeroExpedition={}",
}
"""Each carrier's public tracking page, ``{}`` standing for the tracking number."""

FIRST_NAMES: tuple[str, ...] = (
    "Léa",
    "Emma",
    "Chloé",
    "Manon",
    "Camille",
    "Inès",
    "Jade",
    "Louise",
    "Zoé",
    "Sarah",
    "Élodie",
    "Hélène",
    "Margaux",
    "Océane",
    "Anaïs",
    "Aurélie",
    "Céline",
    "Sophie",
    "Isabelle",
    "Juliette",
    "Lucas",
    "Hugo",
    "Louis",
    "Gabriel",
    "Arthur",
    "Jules",
    "Raphaël",
    "Nathan",
    "Théo",
    "Léo",
    "Maël",
    "Noah",
    "Adam",
    "Paul",
    "Clément",
    "Mathis",
    "Julien",
    "Nicolas",
    "Thomas",
    "Antoine",
    "François",
    "Benoît",
    "Jérôme",
    "Amélie",
    "Noémie",
    "Gaëlle",
    "Loïc",
    "Yannick",
    "Agnès",
    "Bérénice",
)

LAST_NAMES: tuple[str, ...] = (
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefèvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Lefebvre",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "François",
    "Martinez",
    "Legrand",
    "Garnier",
    "Faure",
    "Rousseau",
    "Blanc",
    "Guérin",
    "Muller",
    "Henry",
    "Roussel",
    "Nicolas",
    "Perrin",
    "Morin",
    "Mathieu",
    "Clément",
    "Gauthier",
    "Dumont",
    "Lopez",
    "Fontaine",
    "Chevalier",
    "Robin",
    "Le Gall",
    "Kerbrat",
    "Desjardins",
    "N'Diaye",
    "Besnard",
)

STREETS: tuple[str, ...] = (
    "rue de la République",
    "avenue Jean Jaurès",
    "rue Victor Hugo",
    "boulevard Gambetta",
    "rue Nationale",
    "place de la Mairie",
    "rue Pasteur",
    "rue du Général Leclerc",
    "allée des Tilleuls",
    "rue des Écoles",
    "avenue de la Gare",
    "rue du Moulin",
    "impasse des Lilas",
    "chemin des Vignes",
    "rue Émile Zola",
    "quai des Chartrons",
)

CARRIERS: tuple[str, ...] = ("colissimo", "chronopost", "dpd", "ups", "mondial-relay")
