"""Word lists of the small world: every name and word that the templates fill in.

All names were made up for the book; none of them is an English word that a template uses
(a test checks this). Which kingdom gets which town depends on the seed of :func:`make_world`.

Introduced in chapter 3.
"""

from __future__ import annotations

__all__ = [
    "ANIMALS",
    "COLOURS",
    "CURRENCIES",
    "FEMALE_NAMES",
    "FOODS",
    "GENDER_PAIRS",
    "KINGDOMS",
    "MALE_NAMES",
    "NUMBER_WORDS",
    "OBJECTS",
    "PET_NAMES",
    "PETS",
    "PLACES",
    "PRODUCTS",
    "PROFESSIONS",
    "TOWNS",
    "VERBS",
]

#: Kingdoms: (name, adjective).
KINGDOMS = (
    ("Varnia", "Varnian"),
    ("Keldar", "Keldari"),
    ("Ostrel", "Ostrelese"),
    ("Brimmon", "Brimmish"),
    ("Talvassa", "Talvassan"),
    ("Dunmere", "Dunmerish"),
    ("Quillon", "Quillonese"),
    ("Ravelle", "Ravellian"),
    ("Sefaria", "Sefarian"),
    ("Ellatria", "Ellatrian"),
    ("Zanthor", "Zanthoran"),
    ("Pellucia", "Pellucian"),
    ("Gorrund", "Gorrundi"),
    ("Ithmar", "Ithmari"),
    ("Nolvany", "Nolvanian"),
    ("Castrine", "Castrinese"),
)

#: Town names.
#: :meta hide-value:
TOWNS = (
    "Tolm", "Brel", "Askeby", "Mirrow", "Fennick", "Quarrow", "Pellam", "Ostwick", "Varrow",
    "Dunlo", "Kestry", "Orlim", "Thessen", "Marrowick", "Cobbet", "Ardun", "Wenmoor", "Tirrin",
    "Bexholm", "Corlis", "Faldon", "Gissam", "Hurn", "Iskell", "Jorvell", "Kippen", "Lodden",
    "Mossa", "Nettleby", "Oskam", "Prenn", "Skarra", "Tovey", "Ulvik", "Wyndle", "Zell",
    "Arrowby", "Belwick", "Caddon", "Drumly", "Elsk", "Fornham", "Grell", "Holt", "Immer",
    "Jessop", "Karrow", "Lisk",
)  # fmt: skip

#: Currency names, one per kingdom.
CURRENCIES = (
    "skell", "drim", "penna", "ferro", "mott", "brask", "zeni", "lurr", "kroft", "sovel",
    "dakka", "fenn", "orra", "tibb", "quen", "marl",
)  # fmt: skip

#: What a kingdom is famous for.
PRODUCTS = (
    "cheese", "wool", "glass", "salt", "silk", "honey", "cider", "amber", "linen", "tea",
    "spice", "paper", "iron", "timber", "pottery", "lace",
)  # fmt: skip

#: Names of men and boys.
#: :meta hide-value:
MALE_NAMES = (
    "Tobin", "Ansel", "Dovan", "Orrin", "Bram", "Edric", "Fenwick", "Gideon", "Harlan", "Ivo",
    "Kellan", "Lorcan", "Marek", "Niall", "Osric", "Perrin", "Quentin", "Silas", "Torvald",
    "Ulric", "Vance", "Wystan", "Yorick", "Zebulon", "Barnaby", "Corwin", "Dashel", "Emrys",
    "Florian", "Garrick", "Idris", "Jorund", "Kasimir", "Leopold", "Matthis", "Nestor",
    "Oswin", "Pascal", "Reinhold", "Soren", "Tybalt", "Ugo", "Valen", "Wendel", "Xander",
    "Yannick", "Zoltan", "Aldous", "Bertram", "Cedric", "Darian", "Elric", "Fabian", "Gorm",
    "Halvard", "Ingram", "Jonas", "Konrad", "Linus", "Magnus", "Nils", "Olaf", "Piet", "Rurik",
    "Stellan", "Tomas", "Ulf", "Viggo", "Wilmer", "Anton", "Bastian", "Casimir", "Dmitri",
    "Evander", "Falk", "Gunnar", "Hugo", "Ivar", "Joris", "Kjell",
)  # fmt: skip

#: Names of women and girls.
#: :meta hide-value:
FEMALE_NAMES = (
    "Mira", "Lessa", "Ilsa", "Brena", "Anya", "Corra", "Delphine", "Elsbeth", "Fenna",
    "Greta", "Hilde", "Isolde", "Jorun", "Katla", "Liesel", "Maren", "Nessa", "Odile", "Petra",
    "Quilla", "Rosalind", "Saskia", "Tamsin", "Una", "Vesna", "Ysolde", "Zelda", "Alma",
    "Beatrix", "Clio", "Dagny", "Edda", "Freya", "Gilda", "Helka", "Ingrid", "Juna", "Kirsi",
    "Linnea", "Magda", "Nadia", "Orla", "Pia", "Runa", "Signe", "Thora", "Ulla", "Vera",
    "Wilma", "Yara", "Zora", "Astrid", "Britta", "Carys", "Dora", "Elin", "Fiona", "Gwen",
    "Hanna", "Ida", "Jola", "Kaja", "Lotte", "Meret", "Nora", "Oona", "Pella", "Rhea", "Sanna",
    "Tilde", "Ursa", "Vilja", "Selma", "Tova", "Agna", "Berit", "Cira", "Lira", "Tessa",
    "Aveline",
)  # fmt: skip

#: Names of pets.
#: :meta hide-value:
PET_NAMES = (
    "Pip", "Nib", "Tuff", "Bobo", "Fimble", "Gus", "Lolly", "Mopsy", "Nubbin", "Puck", "Ruffo",
    "Snib", "Tibbs", "Wug", "Zuzu", "Kip", "Dibble", "Fitz", "Mungo", "Tansy", "Bix", "Cobble",
    "Dumpling", "Figgy", "Gobbo", "Hubble", "Jinx", "Kiki", "Loppy", "Mim", "Noodle", "Ozzy",
    "Pogo", "Quibbs", "Rolo", "Sprig", "Toffo", "Umber", "Waffle", "Yappy", "Ziggy", "Acorn",
    "Bramble", "Conker", "Dobbin", "Fudge", "Ginger", "Hazel", "Inky", "Jolly", "Kettle",
    "Lumpy", "Muffin", "Nutmeg", "Pebble", "Rusty", "Smudge", "Tinker", "Wispy", "Zippy",
)  # fmt: skip

#: Colours people like; plain English words.
COLOURS = (
    "red", "blue", "green", "yellow", "white", "black", "brown", "grey", "orange", "purple",
    "pink", "silver",
)  # fmt: skip

#: Animals: (singular, plural, sound in the past tense, what they are seen doing).
#: :meta hide-value:
ANIMALS = (
    ("dog", "dogs", "barked", "chasing a stick"),
    ("cat", "cats", "purred", "sleeping in the sun"),
    ("horse", "horses", "neighed", "eating hay in the stable"),
    ("goat", "goats", "bleated", "climbing on the rocks"),
    ("duck", "ducks", "quacked", "swimming in the pond"),
    ("owl", "owls", "hooted", "sitting in the old oak"),
    ("cow", "cows", "mooed", "eating grass in the field"),
    ("hen", "hens", "clucked", "pecking at the corn"),
    ("pig", "pigs", "grunted", "rolling in the mud"),
    ("frog", "frogs", "croaked", "jumping by the pond"),
    ("goose", "geese", "honked", "marching across the yard"),
    ("mouse", "mice", "squeaked", "hiding under the table"),
    ("rabbit", "rabbits", "sniffed", "nibbling carrots in the garden"),
    ("wolf", "wolves", "howled", "running through the forest"),
)

#: Objects that are eaten (a story never loses or gives them).
FOODS = ("apple", "pear", "egg")

#: Animals that people keep as pets.
PETS = ("dog", "cat", "horse", "goat", "duck", "owl", "hen", "rabbit", "frog", "mouse")

#: Things people buy, lose and give: (singular, plural, a phrase that goes with them).
#: :meta hide-value:
OBJECTS = (
    ("apple", "apples", "from the orchard"),
    ("pear", "pears", "from the orchard"),
    ("egg", "eggs", "from the farm"),
    ("candle", "candles", "for the long nights"),
    ("cup", "cups", "for the kitchen"),
    ("basket", "baskets", "woven from reeds"),
    ("hat", "hats", "with a wide brim"),
    ("book", "books", "full of stories"),
    ("lamp", "lamps", "for the dark evenings"),
    ("key", "keys", "made of iron"),
    ("ribbon", "ribbons", "made of silk"),
    ("plate", "plates", "painted with flowers"),
    ("spoon", "spoons", "carved from wood"),
    ("boot", "boots", "made of leather"),
    ("bell", "bells", "that rang softly"),
    ("knife", "knives", "with a bone handle"),
    ("box", "boxes", "with a brass lid"),
    ("scarf", "scarves", "knitted from wool"),
)

#: Places found in every town.
PLACES = (
    "market", "harbour", "library", "school", "garden", "castle", "bridge", "well", "mill",
    "inn", "farm", "forest", "hill", "lake", "river", "square", "meadow", "orchard", "bakery",
    "forge", "workshop",
)  # fmt: skip

#: Professions: (name, workplace, activity in the present tense, the same in the past tense).
#: :meta hide-value:
PROFESSIONS = (
    ("baker", "bakery", "bakes bread", "baked bread"),
    ("fisher", "harbour", "catches fish", "caught fish"),
    ("farmer", "farm", "feeds the goats", "fed the goats"),
    ("smith", "forge", "makes horseshoes", "made horseshoes"),
    ("weaver", "workshop", "weaves cloth", "wove cloth"),
    ("potter", "workshop", "makes pots", "made pots"),
    ("teacher", "school", "teaches the children", "taught the children"),
    ("healer", "square", "cares for the sick", "cared for the sick"),
    ("miller", "mill", "grinds flour", "ground flour"),
    ("carpenter", "workshop", "builds tables", "built tables"),
    ("tailor", "market", "sews coats", "sewed coats"),
    ("merchant", "market", "sells silk", "sold silk"),
    ("sailor", "harbour", "sails the ships", "sailed the ships"),
    ("guard", "castle", "guards the gate", "guarded the gate"),
    ("painter", "workshop", "paints pictures", "painted pictures"),
    ("singer", "inn", "sings songs", "sang songs"),
    ("cook", "inn", "cooks soup", "cooked soup"),
    ("scribe", "library", "copies old books", "copied old books"),
    ("shepherd", "meadow", "watches the sheep", "watched the sheep"),
    ("gardener", "garden", "grows flowers", "grew flowers"),
)

#: Everyday verbs: (present, past, phrases that can follow either). Used in both tenses.
#: :meta hide-value:
VERBS = (
    ("walks", "walked", ("to the {place}", "along the river", "to the market")),
    ("goes", "went", ("to the {place}", "to the market", "to the lake")),
    ("eats", "ate", ("an apple", "some bread", "a bowl of soup", "a pear")),
    ("drinks", "drank", ("a cup of tea", "some milk", "cold water from the well")),
    ("sings", "sang", ("a song", "an old song", "a song about the sea")),
    ("swims", "swam", ("in the lake", "in the river")),
    ("climbs", "climbed", ("the hill", "a tall tree", "the old tower")),
    ("rides", "rode", ("a horse to the {place}", "to the {place} on a cart")),
    ("writes", "wrote", ("a letter", "a short poem", "a letter to a friend")),
    ("buys", "bought", ("some bread", "a bag of apples", "fresh eggs")),
    ("finds", "found", ("a shiny stone", "a feather", "a lost coin")),
    ("brings", "brought", ("flowers home", "water from the well")),
    ("makes", "made", ("a cake", "a kite", "a cup of tea")),
    ("sees", "saw", ("the sea", "many birds", "a rainbow")),
    ("plays", "played", ("the flute", "a game in the square", "the drum")),
    ("cooks", "cooked", ("soup", "dinner", "a big stew")),
    ("paints", "painted", ("a picture", "the door", "a small boat")),
    ("draws", "drew", ("a map", "a picture of the hills")),
    ("carries", "carried", ("water from the well", "a heavy sack")),
    ("feeds", "fed", ("the ducks", "the birds")),
    ("catches", "caught", ("a fish", "the ball")),
    ("builds", "built", ("a fence", "a small boat")),
    ("grows", "grew", ("beans", "tall sunflowers")),
    ("bakes", "baked", ("a pie", "some bread", "honey cakes")),
    ("runs", "ran", ("to the {place}", "along the river")),
    ("sleeps", "slept", ("under a tree", "by the fire")),
    ("picks", "picked", ("apples", "flowers", "berries")),
    ("helps", "helped", ("the neighbours", "at the {place}")),
    ("visits", "visited", ("the {place}", "the old mill")),
    ("flies", "flew", ("a kite",)),
    ("tells", "told", ("a story", "a funny story")),
    ("sells", "sold", ("eggs at the market", "old books")),
)

#: Small numbers in words.
NUMBER_WORDS = ("two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")

#: Male/female word pairs used in the text.
GENDER_PAIRS = (
    ("king", "queen"),
    ("prince", "princess"),
    ("man", "woman"),
    ("boy", "girl"),
    ("father", "mother"),
    ("son", "daughter"),
    ("brother", "sister"),
    ("uncle", "aunt"),
    ("husband", "wife"),
    ("nephew", "niece"),
    ("he", "she"),
    ("his", "her"),
)
