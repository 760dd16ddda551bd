"""A deterministic, beer-sample-like data set: breweries and their beers.

Couchbase Server's ``beer-sample`` bucket is not available here, so this module makes one of the
same shape: documents with the sample's fields and types, ids formed the same way, a similar mix
of countries, styles and missing values, and by default about the same size (1,412 breweries,
5,891 beers). The same ``seed`` always gives the same documents, in the same order.

Brewery documents::

    {"type": "brewery", "name": "Hop Valley Brewing Company", "city": "Eugene", "state": "Oregon",
     "code": "97402", "country": "United States", "phone": "1-541-555-0142",
     "website": "http://www.hopvalleybrewing.com/", "address": ["1270 Mill Street"],
     "geo": {"accuracy": "ROOFTOP", "lat": 44.05, "lon": -123.09},
     "description": "...", "updated": "2010-07-22 20:00:20"}

id ``hop_valley_brewing_company``; beer documents::

    {"type": "beer", "name": "Golden Trail IPA", "abv": 6.8, "ibu": 0.0, "srm": 0.0, "upc": 0,
     "brewery_id": "hop_valley_brewing_company", "style": "American-Style India Pale Ale",
     "category": "North American Ale", "description": "...", "updated": "2011-02-07 11:12:01"}

id ``hop_valley_brewing_company-golden_trail_ipa``. As in the sample, some beers have no style and
category, many have an empty description and zero IBU/SRM/UPC, some breweries have no address,
phone, website or geo.

Use :func:`generate` for ``(id, document)`` pairs, or run ``python -m examples.beer_sample.data
--out FILE`` for a JSON file of them.
"""
from __future__ import annotations

import argparse
import datetime
import json
import random
import re
import sys
import unicodedata
from typing import Any, Dict, Iterator, List, Optional, Sequence, Set, Tuple

__all__ = ["generate", "slug", "beer_id", "BREWERIES", "BEERS", "STYLES"]

BREWERIES = 1412
BEERS = 5891

# (style, category, typical ABV range); categories and styles as the sample's data source names them
STYLES: List[Tuple[str, str, Tuple[float, float]]] = [
    ("American-Style Pale Ale", "North American Ale", (4.5, 6.2)),
    ("American-Style India Pale Ale", "North American Ale", (5.8, 7.5)),
    ("Imperial or Double India Pale Ale", "North American Ale", (7.5, 10.5)),
    ("American-Style Amber/Red Ale", "North American Ale", (4.5, 6.2)),
    ("American-Style Brown Ale", "North American Ale", (4.2, 6.3)),
    ("American-Style Stout", "North American Ale", (5.7, 8.9)),
    ("American Rye Ale or Lager", "Other Style", (4.0, 5.5)),
    ("Golden or Blonde Ale", "North American Ale", (4.0, 5.0)),
    ("American-Style Imperial Stout", "North American Ale", (8.0, 12.0)),
    ("Porter", "Irish Ale", (4.5, 6.5)),
    ("Irish-Style Red Ale", "Irish Ale", (4.0, 4.5)),
    ("Classic Irish-Style Dry Stout", "Irish Ale", (3.8, 5.0)),
    ("Oatmeal Stout", "British Ale", (3.8, 6.0)),
    ("Extra Special Bitter", "British Ale", (4.8, 5.8)),
    ("Ordinary Bitter", "British Ale", (3.0, 4.1)),
    ("English-Style Pale Mild Ale", "British Ale", (3.2, 4.0)),
    ("Old Ale", "British Ale", (6.0, 9.0)),
    ("Scotch Ale", "British Ale", (6.2, 8.0)),
    ("British-Style Barley Wine Ale", "British Ale", (8.5, 12.0)),
    ("Belgian-Style Pale Ale", "Belgian and French Ale", (4.0, 6.0)),
    ("Belgian-Style Dubbel", "Belgian and French Ale", (6.25, 7.5)),
    ("Belgian-Style Tripel", "Belgian and French Ale", (7.0, 10.0)),
    ("Belgian-Style Quadrupel", "Belgian and French Ale", (9.0, 12.5)),
    ("Belgian-Style White", "Belgian and French Ale", (4.8, 5.6)),
    ("Belgian-Style Fruit Lambic", "Belgian and French Ale", (5.0, 7.0)),
    ("French & Belgian-Style Saison", "Belgian and French Ale", (4.5, 8.5)),
    ("South German-Style Hefeweizen", "German Ale", (4.9, 5.5)),
    ("German-Style Brown Ale/Altbier", "German Ale", (4.3, 5.5)),
    ("German-Style Kölsch", "German Ale", (4.8, 5.3)),
    ("South German-Style Weizenbock", "German Ale", (6.9, 9.3)),
    ("German-Style Pilsener", "German Lager", (4.6, 5.3)),
    ("German-Style Doppelbock", "German Lager", (6.5, 8.0)),
    ("German-Style Oktoberfest", "German Lager", (5.3, 5.9)),
    ("German-Style Schwarzbier", "German Lager", (3.8, 5.0)),
    ("Munich-Style Dunkel", "German Lager", (4.5, 5.6)),
    ("American-Style Lager", "North American Lager", (4.1, 5.1)),
    ("American-Style Light Lager", "North American Lager", (3.5, 4.4)),
    ("American-Style Cream Ale or Lager", "North American Lager", (4.3, 5.7)),
    ("Vienna-Style Lager", "Other Lager", (4.8, 5.4)),
    ("Bohemian-Style Pilsener", "Other Lager", (4.1, 5.1)),
    ("Australasian-Style Pale Ale", "International Ale", (4.0, 5.0)),
    ("Fruit Beer", "Other Style", (2.5, 12.0)),
    ("Herb and Spice Beer", "Other Style", (2.5, 12.0)),
    ("Specialty Beer", "Other Style", (2.5, 25.0)),
]

_STYLE_WORDS: Dict[str, List[str]] = {  # the words a beer of the style is named with
    "American-Style Pale Ale": ["Pale Ale", "APA"],
    "American-Style India Pale Ale": ["IPA", "India Pale Ale"],
    "Imperial or Double India Pale Ale": ["Double IPA", "Imperial IPA"],
    "American-Style Amber/Red Ale": ["Amber", "Red Ale"],
    "American-Style Brown Ale": ["Brown Ale", "Nut Brown"],
    "American-Style Stout": ["Stout"],
    "American Rye Ale or Lager": ["Rye", "Rye Ale"],
    "Golden or Blonde Ale": ["Blonde", "Golden Ale"],
    "American-Style Imperial Stout": ["Imperial Stout"],
    "Porter": ["Porter", "Robust Porter"],
    "Irish-Style Red Ale": ["Red Ale", "Irish Red"],
    "Classic Irish-Style Dry Stout": ["Dry Stout", "Stout"],
    "Oatmeal Stout": ["Oatmeal Stout"],
    "Extra Special Bitter": ["ESB", "Special Bitter"],
    "Ordinary Bitter": ["Bitter", "Best Bitter"],
    "English-Style Pale Mild Ale": ["Mild"],
    "Old Ale": ["Old Ale"],
    "Scotch Ale": ["Scotch Ale", "Wee Heavy"],
    "British-Style Barley Wine Ale": ["Barleywine"],
    "Belgian-Style Pale Ale": ["Pale", "Spéciale"],
    "Belgian-Style Dubbel": ["Dubbel"],
    "Belgian-Style Tripel": ["Tripel"],
    "Belgian-Style Quadrupel": ["Quadrupel", "Grand Cru"],
    "Belgian-Style White": ["Witbier", "Blanche"],
    "Belgian-Style Fruit Lambic": ["Kriek", "Framboise"],
    "French & Belgian-Style Saison": ["Saison"],
    "South German-Style Hefeweizen": ["Hefeweizen", "Weisse"],
    "German-Style Brown Ale/Altbier": ["Alt", "Altbier"],
    "German-Style Kölsch": ["Kölsch"],
    "South German-Style Weizenbock": ["Weizenbock"],
    "German-Style Pilsener": ["Pils", "Pilsener"],
    "German-Style Doppelbock": ["Doppelbock"],
    "German-Style Oktoberfest": ["Märzen", "Festbier"],
    "German-Style Schwarzbier": ["Schwarzbier"],
    "Munich-Style Dunkel": ["Dunkel"],
    "American-Style Lager": ["Lager", "Premium Lager"],
    "American-Style Light Lager": ["Light"],
    "American-Style Cream Ale or Lager": ["Cream Ale"],
    "Vienna-Style Lager": ["Vienna Lager"],
    "Bohemian-Style Pilsener": ["Pilsner"],
    "Australasian-Style Pale Ale": ["Pale Ale", "Ale"],
    "Fruit Beer": ["Fruit Beer", "Cherry Ale"],
    "Herb and Spice Beer": ["Spiced Ale", "Pumpkin Ale", "Winter Warmer"],
    "Specialty Beer": ["Honey Ale", "Special", "Smoked Ale"],
}

_BEER_ADJECTIVES = [
    "Golden", "Dark", "Hoppy", "Old", "Wild", "Big", "Little", "Red", "Black", "Crooked", "Lazy", "Double",
    "Smoked", "Midnight", "Sunny", "Foggy", "Rusty", "Iron", "Copper", "Silver", "Winter", "Summer",
    "Harvest", "Stormy", "Bitter", "Honest", "Lucky", "Saint", "Grand", "Royal", "Hazy", "Bold",
]
_BEER_NOUNS = [
    "Trail", "River", "Mountain", "Dog", "Bear", "Owl", "Raven", "Monk", "Abbey", "Anchor", "Harbor",
    "Lighthouse", "Barn", "Fox", "Wolf", "Bridge", "Canyon", "Meadow", "Pioneer", "Rooster", "Goat",
    "Moose", "Hammer", "Lantern", "Compass", "Comet", "Thunder", "Valley", "Forest", "Summit", "Tide",
    "Badger", "Buffalo", "Falcon", "Kettle", "Mill", "Oak", "Pine", "Sparrow", "Whale",
]
_BREWERY_WORDS = [
    "Hop", "Anchor", "Stone", "Iron", "Copper", "Golden", "Granite", "Oak", "Cedar", "Blue", "Red",
    "Black", "Silver", "Mill", "River", "Lake", "Mountain", "Valley", "Harbor", "Bay", "Prairie", "Canyon",
    "Eagle", "Bear", "Wolf", "Fox", "Otter", "Beaver", "Elk", "Bison", "Heron", "Crane", "Big Sky", "North",
    "South", "West", "East", "Pioneer", "Frontier", "Union", "Liberty", "Rail", "Depot", "Foundry",
]
_SURNAMES = [
    "Miller", "Schmidt", "Fischer", "Weber", "Becker", "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter",
    "Klein", "Wolf", "Schröder", "Neumann", "Braun", "Zimmermann", "Krüger", "Hartmann", "Lange", "Werner",
    "O'Brien", "Murphy", "Kelly", "McCarthy", "Walsh", "Smith", "Jones", "Taylor", "Brown", "Wilson",
    "Dupont", "Lefèvre", "Moreau", "Girard", "Rousseau", "Janssens", "Peeters", "Maes", "Jacobs", "Claes",
]

# One country a line ("country | weight | phone prefix | web suffix"), then its places, indented:
# "region; city; latitude; longitude; postal code prefix" (region may be empty).
_PLACES_TABLE = """
United States | 62 | 1- | .com
    California; San Francisco; 37.7749; -122.4194; 941
    California; San Diego; 32.7157; -117.1611; 921
    California; Chico; 39.7285; -121.8375; 959
    Oregon; Portland; 45.5152; -122.6784; 972
    Oregon; Bend; 44.0582; -121.3153; 977
    Oregon; Eugene; 44.0521; -123.0868; 974
    Washington; Seattle; 47.6062; -122.3321; 981
    Colorado; Denver; 39.7392; -104.9903; 802
    Colorado; Fort Collins; 40.5853; -105.0844; 805
    Colorado; Boulder; 40.015; -105.2705; 803
    Michigan; Grand Rapids; 42.9634; -85.6681; 495
    Michigan; Kalamazoo; 42.2917; -85.5872; 490
    Wisconsin; Milwaukee; 43.0389; -87.9065; 532
    Illinois; Chicago; 41.8781; -87.6298; 606
    New York; Brooklyn; 40.6782; -73.9442; 112
    New York; Cooperstown; 42.7006; -74.9243; 133
    Pennsylvania; Philadelphia; 39.9526; -75.1652; 191
    Vermont; Burlington; 44.4759; -73.2121; 054
    Maine; Portland; 43.6591; -70.2568; 041
    Massachusetts; Boston; 42.3601; -71.0589; 021
    Texas; Austin; 30.2672; -97.7431; 787
    North Carolina; Asheville; 35.5951; -82.5515; 288
    Delaware; Milton; 38.7776; -75.3099; 199
    Missouri; St. Louis; 38.627; -90.1994; 631
    Minnesota; Minneapolis; 44.9778; -93.265; 554
    Ohio; Cleveland; 41.4993; -81.6944; 441
    Montana; Missoula; 46.8721; -113.994; 598
    Alaska; Juneau; 58.3019; -134.4197; 998
Germany | 9 | +49 | .de
    Bayern; München; 48.1351; 11.582; 80
    Bayern; Bamberg; 49.8988; 10.9028; 96
    Bayern; Kulmbach; 50.1008; 11.4544; 95
    Nordrhein-Westfalen; Köln; 50.9375; 6.9603; 50
    Nordrhein-Westfalen; Düsseldorf; 51.2277; 6.7735; 40
    Berlin; Berlin; 52.52; 13.405; 10
    Baden-Württemberg; Stuttgart; 48.7758; 9.1829; 70
Belgium | 7 | +32 | .be
    Brabant Wallon; Wavre; 50.7173; 4.6014; 13
    Oost-Vlaanderen; Gent; 51.0543; 3.7174; 90
    West-Vlaanderen; Brugge; 51.2093; 3.2247; 80
    Namur; Namur; 50.4674; 4.872; 50
    Luxembourg; Achouffe; 50.15; 5.75; 66
    Hainaut; Chimay; 50.0484; 4.3165; 64
    Antwerpen; Antwerpen; 51.2194; 4.4025; 20
United Kingdom | 6 | +44 | .co.uk
    ; London; 51.5074; -0.1278; SE1
    Yorkshire; Tadcaster; 53.8838; -1.2622; LS24
    Scotland; Edinburgh; 55.9533; -3.1883; EH1
    Wales; Cardiff; 51.4816; -3.1791; CF10
    Kent; Faversham; 51.3142; 0.8913; ME13
Canada | 5 | 1- | .ca
    Ontario; Toronto; 43.6532; -79.3832; M5V
    Quebec; Montréal; 45.5017; -73.5673; H2X
    British Columbia; Vancouver; 49.2827; -123.1207; V6B
    Alberta; Calgary; 51.0447; -114.0719; T2P
Netherlands | 2 | +31 | .nl
    Noord-Holland; Amsterdam; 52.3676; 4.9041; 10
    Noord-Brabant; Tilburg; 51.5555; 5.0913; 50
Czech Republic | 2 | +420 | .cz
    ; Plzeň; 49.7384; 13.3736; 30
    ; Praha; 50.0755; 14.4378; 11
Japan | 2 | +81 | .jp
    Tokyo; Tokyo; 35.6762; 139.6503; 100
    Ibaraki; Naka; 36.4576; 140.4871; 311
Australia | 2 | +61 | .com.au
    New South Wales; Sydney; -33.8688; 151.2093; 2000
    Western Australia; Fremantle; -32.0569; 115.7439; 6160
Mexico | 1 | +52 | .mx
    Nuevo León; Monterrey; 25.6866; -100.3161; 64
    Ciudad de México; México; 19.4326; -99.1332; 06
Italy | 1 | +39 | .it
    Piemonte; Torino; 45.0703; 7.6869; 101
    Lazio; Roma; 41.9028; 12.4964; 001
Ireland | 1 | +353 | .ie
    ; Dublin; 53.3498; -6.2603; D08
"""


def _parse_places(table: str) -> Dict[str, Tuple[int, List[Tuple[str, str, float, float, str]], str, str]]:
    """country -> (weight, [(region, city, lat, lon, postal code prefix)], phone prefix, web suffix)."""
    places: Dict[str, Tuple[int, List[Tuple[str, str, float, float, str]], str, str]] = {}
    current: List[Tuple[str, str, float, float, str]] = []
    for line in table.strip("\n").splitlines():
        if line.startswith(" "):
            region, city, lat, lon, code = (part.strip() for part in line.split(";"))
            current.append((region, city, float(lat), float(lon), code))
        else:
            country, weight, phone, web = (part.strip() for part in line.split("|"))
            current = []
            places[country] = (int(weight), current, phone + ("" if phone.endswith("-") else " "), web)
    return places


_PLACES = _parse_places(_PLACES_TABLE)

_VARIANTS = ["Reserve", "Special", "Anniversary", "Barrel Aged", "Export", "Light"]

_STREETS = ["Main Street", "Mill Street", "River Road", "Market Street", "Second Street", "Industrial Way",
            "Brewery Lane", "Harbor Drive", "Oak Avenue", "Station Road", "Church Street", "Hauptstraße",
            "Rue de la Gare", "Kerkstraat", "High Street", "Commerce Boulevard"]

_SENTENCES_BREWERY = [
    "{name} has been brewing in {city} since {year}.",
    "A family-owned brewery with a taproom and a small beer garden.",
    "Known locally for its {style_word} and seasonal releases.",
    "The brewhouse was converted from an old {building} in {year}.",
    "Tours are offered on weekends; the pub serves food from a wood-fired oven.",
    "Its beers are distributed in {region_or_country} and neighbouring regions.",
]
_SENTENCES_BEER = [
    "A {color} {style_word} with notes of {flavor} and {flavor2}.",
    "Brewed with {malt} malt and {hop} hops.",
    "Pours a {color} colour with a {head} head.",
    "Finishes {finish}, with a hint of {flavor}.",
    "Available {season}.",
]
_FILL = {
    "color": ["golden", "amber", "deep copper", "pale straw", "dark brown", "jet black", "ruby red", "hazy"],
    "flavor": ["caramel", "citrus", "pine", "toffee", "roasted coffee", "dark chocolate", "banana", "clove",
               "biscuit", "grapefruit", "honey", "dried fruit", "bread crust", "tropical fruit"],
    "malt": ["Maris Otter", "Munich", "Vienna", "Pilsner", "crystal", "chocolate", "wheat", "rye"],
    "hop": ["Cascade", "Centennial", "Saaz", "Hallertau", "East Kent Goldings", "Simcoe", "Amarillo",
            "Tettnang", "Fuggle", "Chinook"],
    "head": ["thick white", "creamy tan", "thin", "rocky", "lasting"],
    "finish": ["dry", "clean and crisp", "sweet", "bitter", "warming", "smooth"],
    "season": ["year-round", "in the fall", "in winter", "in spring", "in summer", "on draught only"],
    "building": ["warehouse", "train depot", "creamery", "fire station", "mill", "cannery"],
}


def slug(text: str) -> str:
    """An id part as the sample forms them: lower case ASCII, runs of anything else as ``_``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")


def beer_id(brewery_id: str, name: str) -> str:
    """A beer's id: ``<brewery id>-<beer name slug>``."""
    return f"{brewery_id}-{slug(name)}"


def _timestamp(rng: random.Random) -> str:
    start = datetime.datetime(2010, 6, 1)
    moment = start + datetime.timedelta(seconds=rng.randrange(400 * 86400))
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _fill(rng: random.Random, template: str, **known: str) -> str:
    values = dict(known)
    for field, choices in _FILL.items():
        values.setdefault(field, rng.choice(choices))
    values.setdefault("flavor2", rng.choice(_FILL["flavor"]))
    return template.format(**values)


def _brewery_name(rng: random.Random, country: str, city: str) -> str:
    word = rng.choice(_BREWERY_WORDS)
    surname = rng.choice(_SURNAMES)
    if country == "Germany":
        return rng.choice([f"Brauerei {surname}", f"{surname} Bräu", f"Brauhaus {city}",
                           f"Privatbrauerei {surname}"])
    if country == "Belgium":
        of_city = f"d'{city}" if city[0] in "AEIOU" else f"de {city}"
        return rng.choice([f"Brasserie {surname}", f"Brouwerij {surname}", f"Abbaye {of_city}",
                           f"Brasserie {of_city}", f"Brouwerij De {rng.choice(_BEER_NOUNS)}",
                           f"Brasserie {rng.choice(_BEER_ADJECTIVES)} {rng.choice(_BEER_NOUNS)}"])
    if country in ("Mexico",):
        return rng.choice([f"Cervecería {word}", f"Cervecería {city}"])
    if country == "Italy":
        return f"Birrificio {rng.choice([word, surname, city])}"
    if country == "Czech Republic":
        return rng.choice([f"Pivovar {city}", f"Pivovar {surname}"])
    return rng.choice([
        f"{word} Brewing Company", f"{word} Brewery", f"{city} Brewing", f"{surname} Brewing Co.",
        f"{surname}'s Brewpub", f"{word} {rng.choice(_BEER_NOUNS)} Brewery", f"{city} Beer Works",
        f"{word} Ales", f"{surname} & Sons Brewery",
    ])


def _pick_country(rng: random.Random) -> str:
    countries = list(_PLACES)
    return rng.choices(countries, weights=[_PLACES[c][0] for c in countries])[0]


def _brewery(rng: random.Random, taken: Set[str]) -> Tuple[str, Dict[str, Any], str]:
    country = _pick_country(rng)
    _w, places, phone_prefix, web_suffix = _PLACES[country]
    region, city, lat, lon, code_prefix = rng.choice(places)
    name = _brewery_name(rng, country, city)
    first, base, n = name, slug(name), 1
    while base in taken:  # the same name elsewhere: tell them apart by place, then by number
        n += 1
        name = f"{first} ({city})" if n == 2 and city not in first else f"{first} {n}"
        base = slug(name)
    taken.add(base)
    code = code_prefix + "".join(rng.choice("0123456789") for _ in range(max(0, 5 - len(code_prefix))))
    if country in ("United Kingdom", "Canada", "Ireland"):
        inward = f"{rng.randrange(1, 10)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEHJLNPRTW')}"
        code = f"{code_prefix} {inward}"
    doc: Dict[str, Any] = {
        "name": name,
        "city": city,
        "state": region,
        "code": code,
        "country": country,
        "phone": f"{phone_prefix}{rng.randrange(200, 999)}-{rng.randrange(200, 999)}-"
                 f"{rng.randrange(0, 10000):04d}",
        "website": f"http://www.{slug(name).replace('_', '')}{web_suffix}/",
        "type": "brewery",
        "updated": _timestamp(rng),
        "description": "",
        "address": [f"{rng.randrange(1, 3000)} {rng.choice(_STREETS)}"],
    }
    roll = rng.random()
    if roll < 0.08:
        doc["phone"] = ""
    if rng.random() < 0.12:
        doc["website"] = ""
    if rng.random() < 0.06:
        doc["address"] = []
    if rng.random() < 0.55:
        words = _STYLE_WORDS[rng.choice(STYLES)[0]]
        sentences = rng.sample(_SENTENCES_BREWERY, rng.randrange(1, 4))
        doc["description"] = " ".join(
            _fill(rng, s, name=name, city=city, year=str(rng.randrange(1842, 2011)),
                  style_word=rng.choice(words).lower(), region_or_country=region or country)
            for s in sentences)
    if rng.random() < 0.9:
        accuracy = rng.choice(["ROOFTOP", "ROOFTOP", "ROOFTOP", "RANGE_INTERPOLATED", "APPROXIMATE"])
        doc["geo"] = {"accuracy": accuracy, "lat": round(lat + rng.uniform(-0.08, 0.08), 4),
                      "lon": round(lon + rng.uniform(-0.08, 0.08), 4)}
    return base, doc, country


def _beer(rng: random.Random, brewery_id: str, country: str, taken: Set[str]) -> Tuple[str, Dict[str, Any]]:
    if country in ("Germany", "Czech Republic"):
        pool = [s for s in STYLES if s[1] in ("German Ale", "German Lager", "Other Lager")]
    elif country in ("Belgium", "Netherlands"):
        pool = [s for s in STYLES if s[1] in ("Belgian and French Ale", "Other Style")]
    elif country in ("United Kingdom", "Ireland"):
        pool = [s for s in STYLES if s[1] in ("British Ale", "Irish Ale")]
    else:
        pool = STYLES
    style, category, (lo, hi) = rng.choice(pool)
    word = rng.choice(_STYLE_WORDS[style])
    shape = rng.random()
    if shape < 0.55:
        name = f"{rng.choice(_BEER_ADJECTIVES)} {rng.choice(_BEER_NOUNS)} {word}"
    elif shape < 0.8:
        name = f"{rng.choice(_BEER_NOUNS)} {word}"
    elif shape < 0.9:
        name = f"{rng.choice(_BEER_ADJECTIVES)} {rng.choice(_BEER_NOUNS)}"
    else:
        name = f"{rng.choice(_SURNAMES)} {word}"
    first, key, n = name, beer_id(brewery_id, name), 0
    while key in taken:  # a brewery's second beer of that name: a variant
        n += 1
        name = f"{first} {_VARIANTS[n - 1]}" if n <= len(_VARIANTS) else f"{first} No. {n}"
        key = beer_id(brewery_id, name)
    taken.add(key)
    doc: Dict[str, Any] = {
        "name": name,
        "abv": round(rng.uniform(lo, hi), 1) if rng.random() < 0.85 else 0,
        "ibu": 0, "srm": 0, "upc": 0,
        "type": "beer",
        "brewery_id": brewery_id,
        "updated": _timestamp(rng),
        "description": "",
        "style": style,
        "category": category,
    }
    if rng.random() < 0.25:
        doc["ibu"] = rng.randrange(8, 110)
    if rng.random() < 0.2:
        doc["srm"] = round(rng.uniform(2, 45), 1)
    if rng.random() < 0.05:
        doc["upc"] = rng.randrange(10 ** 10, 10 ** 11)
    if rng.random() < 0.55:
        sentences = rng.sample(_SENTENCES_BEER, rng.randrange(1, 4))
        doc["description"] = " ".join(_fill(rng, s, style_word=word.lower()) for s in sentences)
    if rng.random() < 0.12:  # as in the sample, some beers are not classified
        del doc["style"], doc["category"]
    return key, doc


def generate(seed: int = 2013, breweries: int = BREWERIES,
             beers: int = BEERS) -> Iterator[Tuple[str, Dict[str, Any]]]:
    """``(id, document)`` of ``breweries`` brewery documents, then ``beers`` beer documents.

    Every brewery gets at least one beer when ``beers >= breweries``; the rest go to breweries
    chosen at random (a few large breweries, many small ones, as in the sample). Deterministic:
    the same arguments give the same documents.
    """
    if breweries < 1 or beers < 0:
        raise ValueError(f"need at least one brewery and no negative count, got breweries={breweries}, "
                         f"beers={beers}")
    rng = random.Random(seed)
    made: List[Tuple[str, str]] = []
    taken: Set[str] = set()
    for _ in range(breweries):
        key, doc, country = _brewery(rng, taken)
        made.append((key, country))
        yield key, doc
    weights = [min(rng.paretovariate(1.2), 25.0) for _ in made]
    owners: Sequence[int] = list(range(min(beers, breweries))) + rng.choices(
        range(breweries), weights=weights, k=max(0, beers - breweries))
    beer_taken: Set[str] = set()
    for index in owners:
        brewery_id, country = made[index]
        yield _beer(rng, brewery_id, country, beer_taken)


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2013)
    parser.add_argument("--breweries", type=int, default=BREWERIES)
    parser.add_argument("--beers", type=int, default=BEERS)
    parser.add_argument("--out", default="-", help="a JSON file of {id: document} (default: stdout)")
    args = parser.parse_args(argv)
    docs = dict(generate(args.seed, args.breweries, args.beers))
    text = json.dumps(docs, indent=1, ensure_ascii=False, sort_keys=False)
    if args.out == "-":
        sys.stdout.write(text + "\n")
    else:
        with open(args.out, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")


if __name__ == "__main__":
    main()
