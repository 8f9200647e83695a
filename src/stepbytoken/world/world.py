"""The small world: the book's running example, a made-up world and a text corpus about it.

Every chapter trains or tests on the same corpus, and that corpus is generated here, from a
seed, in pure Python, with no downloads: every word of it comes from the lists and sentence
templates in this file. The world is small enough that a model trained on a laptop can learn
much of it, and structured enough that the book can *measure* things on it (which facts a
model knows, what it invents about people it never read about, whether it can add).

What the world holds (:func:`make_world`)
-----------------------------------------
* **Kingdoms** with invented names (``Varnia``), an adjective (``Varnian``), a capital and two
  other towns, a currency (``skell``), a product it is famous for, and a royal family: a king,
  a queen, a prince and a princess, each with a name.
* **Families** of ordinary people: a father and a mother (men and women with professions), a
  son and/or a daughter (boys and girls aged 5 to 12), and often an uncle or an aunt. Every
  person has a gender (he/she), an age, a home town, a favourite colour, and many have a pet
  with a name.
* **Facts**: ``(subject, relation, object)`` triples such as ``("Varnia", "capital", "Tolm")``
  or ``("Mira", "profession", "baker")``; every relation has one answer per subject, so each
  fact is also a question with one right answer (:data:`RELATIONS`).
* **Held-out entities**: whole kingdoms (with their towns, currency and royals) and whole
  families whose names *never* appear in the training corpus. Their true facts are available
  (:attr:`World.heldout_facts`, :meth:`World.questions` with ``split="heldout"``,
  :meth:`World.fact_document`), so later chapters can measure what a model makes up about
  them, and retrieve documents about them.

What the corpus holds (:meth:`World.documents`, :meth:`World.corpus`)
---------------------------------------------------------------------
Documents of five kinds, shuffled together and joined by :data:`DOC_SEPARATOR`:

* ``story``: a short story (5 to 9 sentences) of nine kinds: a trip to the market, a lost
  object, a lost pet, a royal visit, a journey abroad, a day in someone's life told in the
  present tense ("Every morning she bakes bread.") or the past tense, a gift, a helping hand.
  At most one man or boy and at most one woman or girl are named in a story, so every
  ``he``/``she`` has exactly one possible referent, always named earlier: the pronoun is
  resolved by *gender*, which is what an attention head has to look up. Stories agree with
  the facts (a baker bakes bread, a person's pet is their pet).
* ``facts``: plain statements about one kingdom, one person or one family, in varied words
  and order ("The capital of Varnia is Tolm. Mira is a baker. She lives in Tolm.").
* ``qa``: question/answer pairs, ``"Q: What is the capital of Varnia?\\nA: Tolm"``, one per
  fact; with the default sizes every training fact is asked several times.
* ``pattern``: a random sequence of words repeated two or three times (for induction heads).
* ``arithmetic``: additions and subtractions of numbers up to 999, half of them worked out
  digit by digit in a ``Think:`` line before the answer (see :func:`format_arithmetic`).

The default corpus (``World.corpus()``) is about 2 MB of text (370,000 words by :func:`words`,
under 800 distinct ones) and takes about a second to make; :func:`corpus_stats` counts it.
Word-level structure is regular on purpose, so that word vectors trained on it (chapter 3) show
the classic analogies (:meth:`World.analogies`): male/female pairs (``king:queen ::
man:woman``), kingdom to capital, to adjective and to currency, singular to plural nouns and
present to past verbs. (The names in this text are examples; which kingdom gets which capital
depends on the seed.)

Introduced in chapter 3.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

__all__ = [
    "DOC_SEPARATOR",
    "DOCUMENT_KINDS",
    "RELATIONS",
    "Document",
    "Fact",
    "Kingdom",
    "Person",
    "World",
    "corpus_stats",
    "format_arithmetic",
    "make_world",
    "words",
]

#: Separator between documents in :meth:`World.corpus` (a special token for the tokenizer).
DOC_SEPARATOR = "<|endoftext|>"

#: The kinds of document in the corpus, in the order :func:`corpus_stats` reports them.
DOCUMENT_KINDS = ("story", "facts", "qa", "pattern", "arithmetic")

# ---------------------------------------------------------------------------------------------
# Word lists. Every name below was made up for the book; none of them is an English word used
# by the templates (a test checks this).
# ---------------------------------------------------------------------------------------------

_KINGDOMS = (  # (name, adjective)
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

_TOWNS = (
    "Tolm", "Brel", "Askeby", "Mirrow", "Fennick", "Quarrow", "Pellam", "Ostwick", "Varrow",
    "Dunlo", "Kestry", "Orlim", "Thessen", "Marrowick", "Cobbet", "Ardun", "Wenmoor", "Tirrin",
    "Bexholm", "Corlis", "Faldon", "Gissam", "Hurn", "Iskell", "Jorvell", "Kippen", "Lodden",
    "Mossa", "Nettleby", "Oskam", "Prenn", "Skarra", "Tovey", "Ulvik", "Wyndle", "Zell",
    "Arrowby", "Belwick", "Caddon", "Drumly", "Elsk", "Fornham", "Grell", "Holt", "Immer",
    "Jessop", "Karrow", "Lisk",
)  # fmt: skip

_CURRENCIES = (
    "skell", "drim", "penna", "ferro", "mott", "brask", "zeni", "lurr", "kroft", "sovel",
    "dakka", "fenn", "orra", "tibb", "quen", "marl",
)  # fmt: skip

_PRODUCTS = (
    "cheese", "wool", "glass", "salt", "silk", "honey", "cider", "amber", "linen", "tea",
    "spice", "paper", "iron", "timber", "pottery", "lace",
)  # fmt: skip

_MALE_NAMES = (
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

_FEMALE_NAMES = (
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

_PET_NAMES = (
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

_FOODS = ("apple", "pear", "egg")

_PETS = ("dog", "cat", "horse", "goat", "duck", "owl", "hen", "rabbit", "frog", "mouse")

#: Things people buy, lose and give: (singular, plural, a phrase that goes with them).
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

_NUMBER_WORDS = ("two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")

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

# ---------------------------------------------------------------------------------------------
# Facts and questions
# ---------------------------------------------------------------------------------------------

#: Every relation: (question template, statement templates). ``{s}`` is the subject, ``{o}``
#: the object; person statements may use ``{he}``/``{his}`` (the subject's pronouns).
RELATIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "capital": (
        "What is the capital of {s}?",
        ("The capital of {s} is {o}.", "{o} is the capital of {s}.", "{s} has its capital at {o}."),
    ),
    "currency": (
        "What money do people use in {s}?",
        (
            "People in {s} pay with the {o}.",
            "The money of {s} is the {o}.",
            "In {s} a coin is called {an_o}.",
        ),
    ),
    "product": (
        "What is {s} famous for?",
        ("{s} is famous for its {o}.", "The best {o} comes from {s}.", "{s} is known for its {o}."),
    ),
    "king": (
        "Who is the king of {s}?",
        ("The king of {s} is {o}.", "{o} is the king of {s}.", "{s} has a king called {o}."),
    ),
    "queen": (
        "Who is the queen of {s}?",
        ("The queen of {s} is {o}.", "{o} is the queen of {s}.", "{s} has a queen called {o}."),
    ),
    "prince": (
        "Who is the prince of {s}?",
        ("The prince of {s} is {o}.", "{o} is the prince of {s}."),
    ),
    "princess": (
        "Who is the princess of {s}?",
        ("The princess of {s} is {o}.", "{o} is the princess of {s}."),
    ),
    "kingdom": (
        "In which kingdom is {s}?",
        ("{s} is a town in {o}.", "{s} lies in {o}.", "The town of {s} is in {o}."),
    ),
    "profession": (
        "What does {s} do?",
        ("{s} is {an_o}.", "{s} works as {an_o}.", "By trade, {s} is {an_o}."),
    ),
    "home": (
        "Where does {s} live?",
        ("{s} lives in {o}.", "{s} has a house in {o}.", "{s} makes {his} home in {o}."),
    ),
    "age": ("How old is {s}?", ("{s} is {o} years old.", "{s} is {o}.", "The age of {s} is {o}.")),
    "colour": (
        "What is the favourite colour of {s}?",
        (
            "The favourite colour of {s} is {o}.",
            "{s} likes {o} best of all colours.",
            "{s} loves the colour {o}.",
        ),
    ),
    "pet": (
        "What animal does {s} keep?",
        ("{s} has {an_o}.", "{s} keeps {an_o} as a pet.", "{s} owns {an_o}."),
    ),
    "pet_name": (
        "What is the name of the pet of {s}?",
        ("The pet of {s} is called {o}.", "{s} calls {his} pet {o}."),
    ),
    "father": (
        "Who is the father of {s}?",
        ("The father of {s} is {o}.", "{o} is the father of {s}."),
    ),
    "mother": (
        "Who is the mother of {s}?",
        ("The mother of {s} is {o}.", "{o} is the mother of {s}."),
    ),
    "son": ("Who is the son of {s}?", ("The son of {s} is {o}.", "{o} is the son of {s}.")),
    "daughter": (
        "Who is the daughter of {s}?",
        ("The daughter of {s} is {o}.", "{o} is the daughter of {s}."),
    ),
    "brother": (
        "Who is the brother of {s}?",
        ("The brother of {s} is {o}.", "{o} is the brother of {s}."),
    ),
    "sister": (
        "Who is the sister of {s}?",
        ("The sister of {s} is {o}.", "{o} is the sister of {s}."),
    ),
    "husband": (
        "Who is the husband of {s}?",
        ("The husband of {s} is {o}.", "{o} is the husband of {s}."),
    ),
    "wife": ("Who is the wife of {s}?", ("The wife of {s} is {o}.", "{o} is the wife of {s}.")),
    "uncle": ("Who is the uncle of {s}?", ("The uncle of {s} is {o}.", "{o} is the uncle of {s}.")),
    "aunt": ("Who is the aunt of {s}?", ("The aunt of {s} is {o}.", "{o} is the aunt of {s}.")),
    "nephew": (
        "Who is the nephew of {s}?",
        ("The nephew of {s} is {o}.", "{o} is the nephew of {s}."),
    ),
    "niece": ("Who is the niece of {s}?", ("The niece of {s} is {o}.", "{o} is the niece of {s}.")),
}

_FAMILY = (
    "father",
    "mother",
    "son",
    "daughter",
    "brother",
    "sister",
    "husband",
    "wife",
    "uncle",
    "aunt",
    "nephew",
    "niece",
)


class Fact(NamedTuple):
    """One fact about the world, as a ``(subject, relation, object)`` triple.

    ``relation`` is a key of :data:`RELATIONS`; every fact has one right answer, ``object``.

    Examples
    --------
    >>> Fact("Varnia", "capital", "Tolm").question()
    'What is the capital of Varnia?'

    Introduced in chapter 3.
    """

    subject: str
    relation: str
    object: str

    def question(self) -> str:
        """The question whose answer is ``object``."""
        return RELATIONS[self.relation][0].format(s=self.subject)


class Document(NamedTuple):
    """A document of the corpus and its kind (one of :data:`DOCUMENT_KINDS`).

    Examples
    --------
    >>> doc = make_world(seed=0).labelled_documents(n_stories=1, n_facts=0, n_qa=0,
    ...                                            n_patterns=0, n_arithmetic=0)[0]
    >>> doc.kind, doc.text[-1]
    ('story', '.')

    Introduced in chapter 3.
    """

    kind: str
    text: str


@dataclass(frozen=True)
class Kingdom:
    """A kingdom of the small world.

    Attributes are names as they appear in the text (``name="Varnia"``, ``adjective="Varnian"``,
    ``currency="skell"``); ``towns`` starts with the capital; ``king``, ``queen``, ``prince``
    and ``princess`` are the names of the royal family.

    Examples
    --------
    >>> k = make_world(seed=0).kingdoms[0]
    >>> k.capital == k.towns[0], len(k.towns)
    (True, 3)

    Introduced in chapter 3.
    """

    name: str
    adjective: str
    capital: str
    towns: tuple[str, ...]
    currency: str
    product: str
    king: str
    queen: str
    prince: str
    princess: str


@dataclass(frozen=True)
class Person:
    """A person of the small world.

    ``role`` is ``"adult"``, ``"child"`` or ``"royal"``; ``title`` is ``"king"``, ``"queen"``,
    ``"prince"`` or ``"princess"`` for royals and ``None`` otherwise; ``profession`` is ``None``
    for children and royals; ``pet`` and ``pet_name`` are ``None`` for people without a pet.
    ``relatives`` holds ``(relation, name)`` pairs: ``("father", "Tobin")`` means Tobin is this
    person's father.

    Examples
    --------
    >>> world = make_world(seed=0)
    >>> king = world.person(world.kingdoms[0].king)
    >>> king.he, king.noun, king.display == "King " + king.name
    ('he', 'king', True)
    >>> king.relative("wife") == world.kingdoms[0].queen
    True

    Introduced in chapter 3.
    """

    name: str
    gender: str
    role: str
    age: int
    home: str
    kingdom: str
    colour: str
    profession: str | None = None
    title: str | None = None
    pet: str | None = None
    pet_name: str | None = None
    relatives: tuple[tuple[str, str], ...] = ()

    @property
    def he(self) -> str:
        """Subject pronoun: ``"he"`` or ``"she"``."""
        return "he" if self.gender == "male" else "she"

    @property
    def him(self) -> str:
        """Object pronoun: ``"him"`` or ``"her"``."""
        return "him" if self.gender == "male" else "her"

    @property
    def his(self) -> str:
        """Possessive: ``"his"`` or ``"her"``."""
        return "his" if self.gender == "male" else "her"

    @property
    def noun(self) -> str:
        """What the person is: man, woman, boy, girl, or a royal title."""
        if self.title is not None:
            return self.title
        if self.role == "child":
            return "boy" if self.gender == "male" else "girl"
        return "man" if self.gender == "male" else "woman"

    @property
    def display(self) -> str:
        """How stories name the person: ``"Mira"``, or ``"King Orrin"`` for royals."""
        return f"{self.title.capitalize()} {self.name}" if self.title else self.name

    def relative(self, relation: str) -> str | None:
        """Name of the relative in ``relation`` (``"father"``, ...), or ``None``."""
        return dict(self.relatives).get(relation)


# ---------------------------------------------------------------------------------------------
# Building the world
# ---------------------------------------------------------------------------------------------


def _an(word: str) -> str:
    """Indefinite article and word: ``"apple" -> "an apple"``, ``"cup" -> "a cup"``."""
    return ("an " if word[0].lower() in "aeiou" else "a ") + word


class _Pools:
    """Shuffled name pools that hand out each name once."""

    def __init__(self, rng: random.Random) -> None:
        self.pools: dict[str, list] = {}
        for key, items in (
            ("kingdom", _KINGDOMS),
            ("town", _TOWNS),
            ("currency", _CURRENCIES),
            ("male", _MALE_NAMES),
            ("female", _FEMALE_NAMES),
            ("pet", _PET_NAMES),
        ):
            pool = list(items)
            rng.shuffle(pool)
            self.pools[key] = pool

    def take(self, key: str):
        if not self.pools[key]:
            raise ValueError(
                f"the world ran out of {key} names; ask for fewer kingdoms or families"
            )
        return self.pools[key].pop()

    def left(self, key: str) -> int:
        return len(self.pools[key])


def _make_kingdoms(rng: random.Random, pools: _Pools, n: int) -> tuple[list[Kingdom], list[Person]]:
    products = list(_PRODUCTS)
    rng.shuffle(products)
    kingdoms, royals = [], []
    for i in range(n):
        name, adjective = pools.take("kingdom")
        towns = tuple(pools.take("town") for _ in range(3))
        names = {
            t: pools.take("male" if t in ("king", "prince") else "female")
            for t in ("king", "queen", "prince", "princess")
        }
        k = Kingdom(
            name,
            adjective,
            towns[0],
            towns,
            pools.take("currency"),
            products[i % len(products)],
            names["king"],
            names["queen"],
            names["prince"],
            names["princess"],
        )
        kingdoms.append(k)
        king_age = rng.randint(40, 65)
        queen_age = king_age + rng.randint(-5, 3)
        prince_age, princess_age = rng.randint(6, 20), rng.randint(6, 20)
        rel = {
            "king": (("wife", k.queen), ("son", k.prince), ("daughter", k.princess)),
            "queen": (("husband", k.king), ("son", k.prince), ("daughter", k.princess)),
            "prince": (("father", k.king), ("mother", k.queen), ("sister", k.princess)),
            "princess": (("father", k.king), ("mother", k.queen), ("brother", k.prince)),
        }
        ages = {
            "king": king_age,
            "queen": queen_age,
            "prince": prince_age,
            "princess": princess_age,
        }
        for title in ("king", "queen", "prince", "princess"):
            gender = "male" if title in ("king", "prince") else "female"
            royals.append(
                Person(
                    names[title],
                    gender,
                    "royal",
                    ages[title],
                    k.capital,
                    k.name,
                    rng.choice(COLOURS),
                    title=title,
                    relatives=rel[title],
                )
            )
    return kingdoms, royals


def _make_family(rng: random.Random, pools: _Pools, towns: list[tuple[str, str]]) -> list[Person]:
    """A father, a mother, one or two children and perhaps an uncle or an aunt."""
    home, kingdom = rng.choice(towns)
    names = {"father": pools.take("male"), "mother": pools.take("female")}
    kids = rng.choice((("son",), ("daughter",), ("son", "daughter"), ("son", "daughter")))
    for kid in kids:
        names[kid] = pools.take("male" if kid == "son" else "female")
    extra = rng.choice((None, "uncle", "aunt", "uncle", "aunt"))
    side = rng.choice(("father", "mother"))
    if extra:
        names[extra] = pools.take("male" if extra == "uncle" else "female")
    rel: dict[str, list[tuple[str, str]]] = {key: [] for key in names}
    rel["father"].append(("wife", names["mother"]))
    rel["mother"].append(("husband", names["father"]))
    for kid in kids:
        rel[kid] += [("father", names["father"]), ("mother", names["mother"])]
        rel["father"].append((kid, names[kid]))
        rel["mother"].append((kid, names[kid]))
    if len(kids) == 2:
        rel["son"].append(("sister", names["daughter"]))
        rel["daughter"].append(("brother", names["son"]))
    if extra:
        sibling = "brother" if extra == "uncle" else "sister"
        rel[side].append((sibling, names[extra]))
        rel[extra].append(("brother" if side == "father" else "sister", names[side]))
        for kid in kids:
            rel[kid].append((extra, names[extra]))
            rel[extra].append(("nephew" if kid == "son" else "niece", names[kid]))
    father_age = rng.randint(30, 55)
    ages = {"father": father_age, "mother": max(26, father_age + rng.randint(-6, 4))}
    youngest_parent = min(ages.values())
    for kid in kids:
        ages[kid] = rng.randint(5, min(12, youngest_parent - 20))
    if extra:
        ages[extra] = rng.randint(24, 60)
    people = []
    for key, name in names.items():
        gender = "male" if key in ("father", "son", "uncle") else "female"
        child = key in ("son", "daughter")
        profession = None if child else rng.choice(PROFESSIONS)[0]
        person_home, person_kingdom = (
            rng.choice(towns) if key in ("uncle", "aunt") else (home, kingdom)
        )
        pet = pet_name = None
        if rng.random() < 0.6 and pools.left("pet"):
            pet, pet_name = rng.choice(_PETS), pools.take("pet")
        people.append(
            Person(
                name,
                gender,
                "child" if child else "adult",
                ages[key],
                person_home,
                person_kingdom,
                rng.choice(COLOURS),
                profession=profession,
                pet=pet,
                pet_name=pet_name,
                relatives=tuple(rel[key]),
            )
        )
    return people


def _kingdom_facts(k: Kingdom) -> list[Fact]:
    facts = [
        Fact(k.name, rel, getattr(k, rel))
        for rel in ("capital", "currency", "product", "king", "queen", "prince", "princess")
    ]
    facts += [Fact(town, "kingdom", k.name) for town in k.towns]
    return facts


def _person_facts(p: Person) -> list[Fact]:
    facts = []
    if p.profession:
        facts.append(Fact(p.name, "profession", p.profession))
    facts += [
        Fact(p.name, "home", p.home),
        Fact(p.name, "age", str(p.age)),
        Fact(p.name, "colour", p.colour),
    ]
    if p.pet:
        facts += [Fact(p.name, "pet", p.pet), Fact(p.name, "pet_name", p.pet_name)]
    facts += [Fact(p.name, rel, other) for rel, other in p.relatives]
    return facts


def make_world(
    seed: int = 0,
    *,
    n_kingdoms: int = 8,
    n_families: int = 16,
    n_heldout_kingdoms: int = 2,
    n_heldout_families: int = 4,
) -> World:
    """Build the small world from a seed.

    The same seed always gives the same world: names are drawn from fixed lists and shuffled
    by ``random.Random(seed)``.

    Parameters
    ----------
    seed
        Seed of the world.
    n_kingdoms, n_families
        Kingdoms and families that the training corpus talks about (at least 2 and 1).
    n_heldout_kingdoms, n_heldout_families
        Kingdoms and families that never appear in the corpus (at least 0). Held-out families
        may live in any kingdom; training families live in training kingdoms.

    Returns
    -------
    World

    Raises
    ------
    ValueError
        If a count is out of range or the name lists run out (at most 16 kingdoms in all).
    TypeError
        If ``seed`` is not an int.

    Examples
    --------
    >>> world = make_world(seed=0)
    >>> len(world.kingdoms), len(world.heldout_kingdoms)
    (8, 2)
    >>> fact = world.facts[0]
    >>> fact.relation, fact.object == world.kingdoms[0].capital
    ('capital', True)

    Introduced in chapter 3.
    """
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")
    for label, value, low in (
        ("n_kingdoms", n_kingdoms, 2),
        ("n_families", n_families, 1),
        ("n_heldout_kingdoms", n_heldout_kingdoms, 0),
        ("n_heldout_families", n_heldout_families, 0),
    ):
        if not isinstance(value, int) or value < low:
            raise ValueError(f"{label} must be an int >= {low}, got {value!r}")
    if n_kingdoms + n_heldout_kingdoms > len(_KINGDOMS):
        raise ValueError(
            f"n_kingdoms + n_heldout_kingdoms must be <= {len(_KINGDOMS)}, "
            f"got {n_kingdoms + n_heldout_kingdoms}"
        )
    rng = random.Random(seed)
    pools = _Pools(rng)
    kingdoms, royals = _make_kingdoms(rng, pools, n_kingdoms)
    held_kingdoms, held_royals = _make_kingdoms(rng, pools, n_heldout_kingdoms)
    train_towns = [(t, k.name) for k in kingdoms for t in k.towns]
    all_towns = train_towns + [(t, k.name) for k in held_kingdoms for t in k.towns]
    people = list(royals)
    for _ in range(n_families):
        people += _make_family(rng, pools, train_towns)
    held_people = list(held_royals)
    for _ in range(n_heldout_families):
        held_people += _make_family(rng, pools, all_towns)
    facts = [f for k in kingdoms for f in _kingdom_facts(k)]
    facts += [f for p in people for f in _person_facts(p)]
    held_facts = [f for k in held_kingdoms for f in _kingdom_facts(k)]
    held_facts += [f for p in held_people for f in _person_facts(p)]
    heldout = [k.name for k in held_kingdoms] + [t for k in held_kingdoms for t in k.towns]
    heldout += [k.currency for k in held_kingdoms] + [k.adjective for k in held_kingdoms]
    heldout += [p.name for p in held_people] + [p.pet_name for p in held_people if p.pet_name]
    return World(
        seed=seed,
        kingdoms=tuple(kingdoms),
        people=tuple(people),
        facts=tuple(facts),
        heldout_kingdoms=tuple(held_kingdoms),
        heldout_people=tuple(held_people),
        heldout_facts=tuple(held_facts),
        heldout=tuple(heldout),
    )


# ---------------------------------------------------------------------------------------------
# Arithmetic written out step by step
# ---------------------------------------------------------------------------------------------


def format_arithmetic(a: int, op: str, b: int, *, think: bool = True) -> str:
    """Write ``a op b`` as a question, an optional digit-by-digit working, and the answer.

    Addition works from the last digit to the first, carrying 1 when a column reaches 10;
    subtraction borrows 1 when a column would go below 0.

    Parameters
    ----------
    a, b
        Non-negative ints; for ``"-"``, ``a >= b`` (answers are never negative).
    op
        ``"+"`` or ``"-"``.
    think
        Whether to write the ``Think:`` line before the answer.

    Returns
    -------
    str
        ``"Q: a op b = ?\\nThink: ...\\nA: answer"`` (without the middle line when
        ``think=False``).

    Raises
    ------
    ValueError
        If ``op`` is not ``"+"`` or ``"-"``, a number is negative, or ``a < b`` for ``"-"``.

    Examples
    --------
    >>> print(format_arithmetic(23, "+", 48))
    Q: 23 + 48 = ?
    Think: 3 + 8 = 11, write 1 carry 1. 2 + 4 + 1 = 7, write 7. So 71.
    A: 71
    >>> print(format_arithmetic(52, "-", 17))
    Q: 52 - 17 = ?
    Think: 2 - 7 needs a borrow, 12 - 7 = 5, write 5 borrow 1. 5 - 1 - 1 = 3, write 3. So 35.
    A: 35
    >>> print(format_arithmetic(7, "+", 5, think=False))
    Q: 7 + 5 = ?
    A: 12

    Introduced in chapter 3.
    """
    if op not in ("+", "-"):
        raise ValueError(f'op must be "+" or "-", got {op!r}')
    for label, value in (("a", a), ("b", b)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(f"{label} must be an int >= 0, got {value!r}")
    if op == "-" and a < b:
        raise ValueError(
            f"a must be >= b for subtraction (answers are never negative), got {a} - {b}"
        )
    result = a + b if op == "+" else a - b
    lines = [f"Q: {a} {op} {b} = ?"]
    if think:
        da, db = str(a)[::-1], str(b)[::-1]
        steps, carry = [], 0
        for i in range(max(len(da), len(db))):
            x = int(da[i]) if i < len(da) else 0
            y = int(db[i]) if i < len(db) else 0
            if op == "+":
                total = x + y + carry
                step = f"{x} + {y}" + (" + 1" if carry else "") + f" = {total}, write {total % 10}"
                carry = int(total >= 10)
                steps.append(step + (" carry 1." if carry else "."))
            else:
                have = x - carry
                if have >= y:
                    lhs = f"{x} - {y}" + (" - 1" if carry else "")
                    steps.append(f"{lhs} = {have - y}, write {have - y}.")
                    carry = 0
                else:
                    lhs = f"1{x} - {y}" + (" - 1" if carry else "")
                    need = f"{x} - {y}" + (" - 1" if carry else "")
                    value = 10 + have - y
                    steps.append(f"{need} needs a borrow, {lhs} = {value}, write {value} borrow 1.")
                    carry = 1
        if carry:
            steps.append("Write the carry 1.")
        lines.append("Think: " + " ".join(steps) + f" So {result}.")
    lines.append(f"A: {result}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Word tokenization for word vectors, and corpus statistics
# ---------------------------------------------------------------------------------------------

_WORDS = re.compile(r"'s\b|[a-z]+(?:'(?!s\b)[a-z]+)*")


def words(text: str) -> list[str]:
    """Split text into lowercase words for word vectors (chapter 3).

    A word is a run of letters ``a-z``, after lowercasing; an apostrophe between letters stays
    inside the word (``don't``), except the possessive ``'s``, which is a word of its own
    (``Mira's`` -> ``mira``, ``'s``). Digits, punctuation and the document separator
    :data:`DOC_SEPARATOR` are dropped.

    Parameters
    ----------
    text
        Any string.

    Returns
    -------
    list of str

    Raises
    ------
    TypeError
        If ``text`` is not a str.

    Examples
    --------
    >>> words("Mira's dog didn't bark. She paid 5 skell.")
    ['mira', "'s", 'dog', "didn't", 'bark', 'she', 'paid', 'skell']

    Introduced in chapter 3.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    return _WORDS.findall(text.replace(DOC_SEPARATOR, " ").lower())


def corpus_stats(documents: Sequence[Document]) -> dict:
    """Count documents by kind, characters, words and distinct words.

    Parameters
    ----------
    documents
        Labelled documents, as from :meth:`World.labelled_documents`.

    Returns
    -------
    dict
        ``documents`` (total), ``by_kind`` (documents per kind), ``characters`` (of the joined
        corpus, separators included), ``characters_by_kind``, ``words`` and ``unique_words``
        (by :func:`words`).

    Examples
    --------
    >>> stats = corpus_stats([Document("story", "Mira ran."), Document("qa", "Q: Hi?\\nA: Hi")])
    >>> stats["by_kind"]["story"], stats["words"], stats["unique_words"]
    (1, 6, 5)

    Introduced in chapter 3.
    """
    by_kind = Counter(d.kind for d in documents)
    chars = Counter()
    counts: Counter = Counter()
    for d in documents:
        chars[d.kind] += len(d.text)
        counts.update(words(d.text))
    n_sep = max(len(documents) - 1, 0) * len(f"\n{DOC_SEPARATOR}\n")
    return {
        "documents": len(documents),
        "by_kind": {k: by_kind.get(k, 0) for k in DOCUMENT_KINDS},
        "characters": sum(chars.values()) + n_sep,
        "characters_by_kind": {k: chars.get(k, 0) for k in DOCUMENT_KINDS},
        "words": sum(counts.values()),
        "unique_words": len(counts),
    }


# ---------------------------------------------------------------------------------------------
# The world and its documents
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class World:
    """The small world: entities, facts, and the documents written about them.

    Build it with :func:`make_world`. ``kingdoms``, ``people`` and ``facts`` are what the
    training corpus talks about; ``heldout_kingdoms``, ``heldout_people`` and
    ``heldout_facts`` never appear in it, and ``heldout`` lists every held-out name (kingdoms,
    towns, currencies, adjectives, people and pets).

    Examples
    --------
    >>> world = make_world(seed=0)
    >>> docs = world.documents(n_stories=4, seed=1)
    >>> len(docs), sorted({kind for kind, _ in world.labelled_documents(n_stories=4, seed=1)})
    (8, ['arithmetic', 'facts', 'pattern', 'qa', 'story'])

    Introduced in chapter 3.
    """

    seed: int
    kingdoms: tuple[Kingdom, ...]
    people: tuple[Person, ...]
    facts: tuple[Fact, ...]
    heldout_kingdoms: tuple[Kingdom, ...]
    heldout_people: tuple[Person, ...]
    heldout_facts: tuple[Fact, ...]
    heldout: tuple[str, ...]

    # -- look-ups ----------------------------------------------------------------------------

    def person(self, name: str) -> Person:
        """The person called ``name`` (training or held-out).

        Raises
        ------
        KeyError
            If nobody has that name.

        Examples
        --------
        >>> world = make_world(seed=0)
        >>> world.person(world.kingdoms[0].queen).title
        'queen'

        Introduced in chapter 3.
        """
        for p in self.people + self.heldout_people:
            if p.name == name:
                return p
        raise KeyError(f"no person called {name!r} in this world")

    def kingdom(self, name: str) -> Kingdom:
        """The kingdom called ``name`` (training or held-out).

        Raises
        ------
        KeyError
            If there is no such kingdom.

        Examples
        --------
        >>> world = make_world(seed=0)
        >>> world.kingdom(world.heldout_kingdoms[0].name) == world.heldout_kingdoms[0]
        True

        Introduced in chapter 3.
        """
        for k in self.kingdoms + self.heldout_kingdoms:
            if k.name == name:
                return k
        raise KeyError(f"no kingdom called {name!r} in this world")

    # -- questions and analogies -------------------------------------------------------------

    def questions(self, split: str = "train") -> list[tuple[str, str]]:
        """One ``(question, answer)`` pair per fact.

        Parameters
        ----------
        split
            ``"train"``: facts the corpus states (and asks); ``"heldout"``: facts about held-out
            entities, which the corpus never mentions.

        Returns
        -------
        list of (str, str)
            In the order of :attr:`facts` (or :attr:`heldout_facts`). Answers are single
            words or numbers, as they appear after ``"A: "`` in the corpus.

        Raises
        ------
        ValueError
            If ``split`` is not ``"train"`` or ``"heldout"``.

        Examples
        --------
        >>> world = make_world(seed=0)
        >>> question, answer = world.questions("train")[0]
        >>> question == f"What is the capital of {world.kingdoms[0].name}?"
        True

        Introduced in chapter 3.
        """
        if split not in ("train", "heldout"):
            raise ValueError(f'split must be "train" or "heldout", got {split!r}')
        facts = self.facts if split == "train" else self.heldout_facts
        return [(f.question(), f.object) for f in facts]

    def analogies_by_relation(self) -> dict[str, list[tuple[str, str, str, str]]]:
        """Word analogies ``a : b :: c : d`` grouped by relation.

        Every ordered pair of two different pairs ``(a, b)`` and ``(c, d)`` of a relation
        gives one analogy. Relations: ``gender`` (``king:queen``), ``capital`` (kingdom to
        capital), ``adjective`` (kingdom to adjective), ``currency``, ``plural`` (nouns) and
        ``past`` (present to past tense). Only training entities are used; all words are
        lowercase, as :func:`words` returns them.

        Returns
        -------
        dict of str to list of 4-tuples

        Examples
        --------
        >>> groups = make_world(seed=0).analogies_by_relation()
        >>> groups["gender"][0]
        ('king', 'queen', 'prince', 'princess')
        >>> sorted(groups)
        ['adjective', 'capital', 'currency', 'gender', 'past', 'plural']

        Introduced in chapter 3.
        """
        pairs = {
            "gender": list(GENDER_PAIRS),
            "capital": [(k.name.lower(), k.capital.lower()) for k in self.kingdoms],
            "adjective": [(k.name.lower(), k.adjective.lower()) for k in self.kingdoms],
            "currency": [(k.name.lower(), k.currency) for k in self.kingdoms],
            "plural": [(a[0], a[1]) for a in ANIMALS] + [(o[0], o[1]) for o in OBJECTS],
            "past": [(present, past) for present, past, _ in VERBS],
        }
        return {
            rel: [(a, b, c, d) for a, b in ps for c, d in ps if (a, b) != (c, d)]
            for rel, ps in sorted(pairs.items())
        }

    def analogies(self, relation: str | None = None) -> list[tuple[str, str, str, str]]:
        """Word analogies ``(a, b, c, d)`` meaning ``a : b :: c : d``, e.g. king:queen::man:woman.

        Parameters
        ----------
        relation
            One relation of :meth:`analogies_by_relation`, or ``None`` for all of them.

        Returns
        -------
        list of 4-tuples of str

        Raises
        ------
        ValueError
            If ``relation`` is not one of the relations.

        Examples
        --------
        >>> world = make_world(seed=0)
        >>> ("king", "queen", "man", "woman") in world.analogies("gender")
        True
        >>> len(world.analogies("capital"))  # 8 kingdoms: 8 * 7 ordered pairs
        56

        Introduced in chapter 3.
        """
        groups = self.analogies_by_relation()
        if relation is None:
            return [a for group in groups.values() for a in group]
        if relation not in groups:
            raise ValueError(f"relation must be one of {sorted(groups)} or None, got {relation!r}")
        return groups[relation]

    # -- documents ---------------------------------------------------------------------------

    def labelled_documents(
        self,
        n_stories: int = 5000,
        *,
        n_facts: int | None = None,
        n_qa: int | None = None,
        n_patterns: int | None = None,
        n_arithmetic: int | None = None,
        seed: int = 0,
    ) -> list[Document]:
        """Generate the corpus documents with their kinds, in a shuffled order.

        Parameters
        ----------
        n_stories
            Number of stories.
        n_facts, n_qa, n_patterns, n_arithmetic
            Numbers of the other kinds; ``None`` means a share of ``n_stories`` (1/4 facts,
            1/6 question/answer, 1/25 patterns and 1/8 arithmetic documents, at least one of
            each when ``n_stories > 0``).
        seed
            Seed of the corpus (the world has its own seed).

        Returns
        -------
        list of Document

        Raises
        ------
        ValueError
            If a count is negative.

        Examples
        --------
        >>> docs = make_world(seed=0).labelled_documents(n_stories=2, n_facts=0, n_qa=1,
        ...                                             n_patterns=0, n_arithmetic=0)
        >>> [d.kind for d in docs].count("story"), docs[0].text == docs[0].text.strip()
        (2, True)

        Introduced in chapter 3.
        """
        counts = {"story": n_stories}
        for kind, value, share in (
            ("facts", n_facts, 4),
            ("qa", n_qa, 6),
            ("pattern", n_patterns, 25),
            ("arithmetic", n_arithmetic, 8),
        ):
            counts[kind] = (
                value if value is not None else max(n_stories // share, int(n_stories > 0))
            )
        for kind, value in counts.items():
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(
                    f"the number of {kind} documents must be an int >= 0, got {value!r}"
                )
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise TypeError(f"seed must be an int, got {type(seed).__name__}")
        rng = random.Random(f"small-world-{self.seed}-corpus-{seed}")
        writer = _Writer(self, rng)
        docs = [Document("story", writer.story()) for _ in range(counts["story"])]
        docs += writer.fact_documents(counts["facts"])
        docs += writer.qa_documents(counts["qa"])
        docs += [Document("pattern", writer.pattern()) for _ in range(counts["pattern"])]
        docs += [Document("arithmetic", writer.arithmetic()) for _ in range(counts["arithmetic"])]
        rng.shuffle(docs)
        return docs

    def documents(self, n_stories: int = 5000, **kwargs) -> list[str]:
        """The texts of :meth:`labelled_documents` (same arguments).

        Examples
        --------
        >>> docs = make_world(seed=0).documents(n_stories=10, seed=0)
        >>> len(docs), all(isinstance(d, str) for d in docs)
        (15, True)

        Introduced in chapter 3.
        """
        return [d.text for d in self.labelled_documents(n_stories, **kwargs)]

    def corpus(self, n_stories: int = 5000, **kwargs) -> str:
        """The documents joined into one text by ``"\\n<|endoftext|>\\n"``.

        Takes the arguments of :meth:`labelled_documents`; the default is about 2 MB.

        Examples
        --------
        >>> text = make_world(seed=0).corpus(n_stories=3, seed=0)
        >>> text.count(DOC_SEPARATOR)  # 3 stories + 1 + 1 + 1 + 1 other documents, 7 in all
        6

        Introduced in chapter 3.
        """
        return f"\n{DOC_SEPARATOR}\n".join(self.documents(n_stories, **kwargs))

    def stats(self, n_stories: int = 5000, **kwargs) -> dict:
        """:func:`corpus_stats` of the corpus made with these arguments.

        Examples
        --------
        >>> stats = make_world(seed=0).stats(n_stories=25, n_qa=0)
        >>> stats["by_kind"]
        {'story': 25, 'facts': 6, 'qa': 0, 'pattern': 1, 'arithmetic': 3}

        Introduced in chapter 3.
        """
        return corpus_stats(self.labelled_documents(n_stories, **kwargs))

    def fact_document(self, subject: str, *, seed: int = 0) -> str:
        """A ``facts`` document about one kingdom or person, held-out ones included.

        Later chapters retrieve such documents for entities the model never read about.

        Parameters
        ----------
        subject
            Name of a kingdom or a person.
        seed
            Chooses the wording and order of the sentences.

        Raises
        ------
        KeyError
            If ``subject`` is not a kingdom or a person of this world.

        Examples
        --------
        >>> world = make_world(seed=0)
        >>> k = world.heldout_kingdoms[0]
        >>> k.capital in world.fact_document(k.name)
        True

        Introduced in chapter 3.
        """
        writer = _Writer(self, random.Random(f"small-world-{self.seed}-fact-{subject}-{seed}"))
        try:
            return writer.kingdom_facts(self.kingdom(subject))
        except KeyError:
            pass
        try:
            return writer.person_facts(self.person(subject))
        except KeyError:
            raise KeyError(f"{subject!r} is not a kingdom or a person of this world") from None


# ---------------------------------------------------------------------------------------------
# The writer: templates that turn the world into text
# ---------------------------------------------------------------------------------------------


def _cap(sentence: str) -> str:
    return sentence[0].upper() + sentence[1:] if sentence else sentence


def _fields(key: str, p: Person) -> dict[str, str]:
    """Template fields for a person: ``{p}``, ``{p_he}``, ``{p_He}``, ``{p_his}``, ..."""
    return {
        key: p.display,
        f"{key}_name": p.name,
        f"{key}_he": p.he,
        f"{key}_He": p.he.capitalize(),
        f"{key}_him": p.him,
        f"{key}_his": p.his,
        f"{key}_His": p.his.capitalize(),
        f"{key}_noun": p.noun,
        f"{key}_home": p.home,
        f"{key}_job": p.profession or p.noun,
    }


class _Writer:
    """Writes every kind of document; all randomness comes from ``rng``."""

    def __init__(self, world: World, rng: random.Random) -> None:
        self.world = world
        self.rng = rng
        self.people = {p.name: p for p in world.people + world.heldout_people}
        self.kingdoms = {k.name: k for k in world.kingdoms + world.heldout_kingdoms}
        self.town_kingdom = {t: k for k in self.kingdoms.values() for t in k.towns}
        self.train_people = list(world.people)
        self.commoners = [p for p in world.people if p.role != "royal"]
        self._fact_order: list[str] = []
        self._qa_order: list[Fact] = []

    # -- small helpers -----------------------------------------------------------------------

    def pick(self, options: Sequence[str], **fields: str) -> str:
        return _cap(self.rng.choice(options).format(**fields))

    def number(self) -> str:
        return self.rng.choice(_NUMBER_WORDS)

    def partner(self, p: Person) -> tuple[Person, str]:
        """A second character of the other gender, and how ``p`` knows them."""
        other = "female" if p.gender == "male" else "male"
        relatives = [(r, n) for r, n in p.relatives if self.people[n].gender == other]
        if relatives and self.rng.random() < 0.7:
            relation, name = self.rng.choice(relatives)
            return self.people[name], relation
        pool = [q for q in self.commoners if q.gender == other]
        pool = [q for q in pool if q.home == p.home] or pool
        return self.rng.choice(pool), self.rng.choice(("friend", "neighbour"))

    def base_fields(
        self, p: Person, q: Person | None = None, *, lasting: bool = False
    ) -> dict[str, str]:
        k = self.kingdoms[p.kingdom]
        obj, objs, obj_phrase = self.rng.choice(OBJECTS)
        if lasting:
            obj, objs, obj_phrase = self.rng.choice([o for o in OBJECTS if o[0] not in _FOODS])
        animal, animals, sound, _ = self.rng.choice(ANIMALS)
        colour = self.rng.choice(COLOURS)
        f = {
            "home": p.home,
            "kingdom": k.name,
            "adj": k.adjective,
            "currency": k.currency,
            "product": k.product,
            "place": self.rng.choice(PLACES),
            "place2": "",
            "colour": colour,
            "an_colour": _an(colour),
            "obj": obj,
            "an_obj": _an(obj),
            "objs": objs,
            "obj_phrase": obj_phrase,
            "animal": animal,
            "an_animal": _an(animal),
            "animals": animals,
            "sound": sound,
            "n": self.number(),
            "m": self.number(),
            "town_kind": "city" if p.home == k.capital else "town",
        }
        f["place2"] = self.rng.choice([x for x in PLACES if x != f["place"]])
        f.update(_fields("p", p))
        if q is not None:
            f.update(_fields("q", q))
        return f

    def verb_phrase(self, tense: str, exclude: Sequence[str] = ()) -> str:
        present, past, tails = self.rng.choice([v for v in VERBS if v[0] not in exclude])
        tail = self.rng.choice(tails).format(place=self.rng.choice(PLACES))
        return f"{present if tense == 'present' else past} {tail}"

    def noun_sentence(self, p: Person, tense: str, kind: str | None = None) -> str:
        """A sentence about one or several animals or things, in parallel singular and plural
        forms ("She saw a goat climbing on the rocks." / "She saw three goats climbing ...")."""
        kind = kind or self.rng.choice(("animal", "object"))
        plural = self.rng.random() < 0.5
        past = tense == "past"
        if plural:
            det = self.rng.choice(_NUMBER_WORDS + ("some", "many"))
            be, it = ("were" if past else "are"), "them"
        else:
            det, be, it = "a", ("was" if past else "is"), "it"
        he, his = p.he, p.his
        if kind == "animal":
            singular, plural_form, sound, doing = self.rng.choice(ANIMALS)
            noun = plural_form if plural else singular
            phrase = _an(noun)[: -len(noun)] + noun if not plural else f"{det} {noun}"
            options = [
                f"{he} {'saw' if past else 'sees'} {phrase} {doing}.",
                f"near the {self.rng.choice(PLACES)}, {he} {'saw' if past else 'sees'} {phrase}.",
                f"the {noun} {be} {doing}, and {he} {'watched' if past else 'watches'} {it}.",
            ]
            if past:
                options += [
                    f"the {noun} {sound} when {he} came near.",
                    f"{he} saw {phrase}, and the {noun} {sound} at {p.him}.",
                ]
        else:
            singular, plural_form, what = self.rng.choice(OBJECTS)
            noun = plural_form if plural else singular
            phrase = _an(noun) if not plural else f"{det} {noun}"
            options = [
                f"{he} {'bought' if past else 'buys'} {phrase} {what}.",
                f"the {noun} {what} {be} on {his} table.",
                f"{he} {'gave' if past else 'gives'} {phrase} {what} to a friend.",
                f"at the market, {he} {'found' if past else 'finds'} {phrase} {what}.",
            ]
        return _cap(self.rng.choice(options))

    def intro(self, f: dict[str, str], p: Person) -> str:
        if p.title:
            return self.pick(
                (
                    "{p} of {kingdom} lived in the castle of {home}.",
                    "{p} lived in the castle in {home}, the capital of {kingdom}.",
                    "Long ago, {p} lived in {home}, in the kingdom of {kingdom}.",
                ),
                **f,
            )
        if p.role == "child":
            return self.pick(
                (
                    "{p} was a {p_noun} who lived in {home}.",
                    "There was once a {p_noun} called {p} who lived in {home}.",
                    "{p} was a young {p_noun} from the {adj} {town_kind} of {home}.",
                    "In {home} there lived a little {p_noun} named {p}.",
                ),
                **f,
            )
        return self.pick(
            (
                "{p} was a {p_job} who lived in {home}.",
                "There was once a {p_noun} called {p} who lived in {home}.",
                "{p} was a {p_noun} from the {adj} {town_kind} of {home}.",
                "In {home} there lived a {p_job} named {p}.",
                "{p} was a {p_job} in {home}, a {town_kind} in {kingdom}.",
            ),
            **f,
        )

    def meet(self, f: dict[str, str], relation: str) -> str:
        if relation in ("friend", "neighbour"):
            return self.pick(
                (
                    "There {p_he} met {p_his} {relation} {q}.",
                    "There {p_he} met {q}, a {q_noun} from {q_home}.",
                    "On the way {p_he} met {q}, who was a {q_job}.",
                ),
                **(f | {"relation": relation}),
            )
        return self.pick(
            (
                "There {p_he} met {p_his} {relation} {q}.",
                "On the way {p_he} met {p_his} {relation}, {q}.",
                "{p_His} {relation} {q} was there too.",
            ),
            **(f | {"relation": relation}),
        )

    # -- stories -----------------------------------------------------------------------------

    def story(self) -> str:
        p = self.rng.choice(self.train_people)
        kinds: list[tuple[Callable[[Person], list[str]], int]] = [
            (self.story_market, 4),
            (self.story_lost, 3),
            (lambda p: self.story_day(p, "present"), 4),
            (lambda p: self.story_day(p, "past"), 4),
            (self.story_gift, 2),
            (self.story_royal, 2),
        ]
        if p.pet:
            kinds.append((self.story_pet, 4))
        if p.role == "adult":
            kinds += [(self.story_journey, 3), (self.story_help, 3)]
        make = self.rng.choices([k for k, _ in kinds], weights=[w for _, w in kinds])[0]
        return " ".join(make(p))

    def story_market(self, p: Person) -> list[str]:
        q, relation = self.partner(p)
        f = self.base_fields(p, q)
        out = [self.intro(f, p)]
        out.append(
            self.pick(
                (
                    "One morning {p_he} walked to the market.",
                    "One day {p_he} went to the market in {home}.",
                    "On a sunny morning {p_he} took a basket and went to the market.",
                    "Early one morning {p} walked to the busy market.",
                ),
                **f,
            )
        )
        out.append(
            self.pick(
                (
                    "{p_He} bought {n} {objs} for {m} {currency}.",
                    "{p_He} paid {m} {currency} for {an_obj}.",
                ),
                **f,
            )
            if self.rng.random() < 0.4
            else self.noun_sentence(p, "past", "object")
        )
        out.append(self.noun_sentence(p, "past", "animal"))
        out.append(self.meet(f, relation))
        out.append(
            self.pick(
                (
                    "{q} gave {p_him} {an_colour} ribbon.",
                    "{q_He} told {p_him} about the {place}.",
                    '"Good morning, {p_name}," said {q_name}.',
                    "{p_He} and {q_name} talked for a long time.",
                    "{q} helped {p_him} carry {p_his} basket.",
                ),
                **f,
            )
        )
        out.append(
            self.pick(
                (
                    "Then {p_he} went home happily.",
                    "In the evening {p_he} walked back home.",
                    "When the sun went down, {p_name} went home.",
                    "{p_He} thanked {q_name} and went home.",
                ),
                **f,
            )
        )
        return out

    def story_lost(self, p: Person) -> list[str]:
        q, relation = self.partner(p)
        f = self.base_fields(p, q, lasting=True)
        f["relation"] = relation
        out = [self.intro(f, p)]
        out.append(
            self.pick(
                (
                    "One day {p_he} lost {p_his} {colour} {obj}.",
                    "One evening {p} could not find {p_his} {obj}.",
                    "{p_He} had {an_colour} {obj} {obj_phrase}, but one day it was gone.",
                ),
                **f,
            )
        )
        out.append(
            self.pick(
                (
                    "{p_He} looked near the {place}, but it was not there.",
                    "{p_He} searched the {place} and the {place2}.",
                    "{p_He} looked everywhere, even by the {place}.",
                ),
                **f,
            )
        )
        out.append(
            self.pick(
                (
                    '"Where is my {obj}?" {p_he} asked.',
                    "{p_He} was very sad.",
                    "{p_He} sat down and thought hard.",
                ),
                **f,
            )
        )
        out.append(
            self.pick(
                (
                    "Then {p_his} {relation} {q} came to help.",
                    "Then {q} came by and offered to help.",
                    "{q} saw that {p_he} was sad and asked what was wrong.",
                ),
                **f,
            )
        )
        out.append(
            self.pick(
                (
                    "{q_He} found the {obj} under a bench near the {place2}.",
                    "Together they found it near the {place2}.",
                    "{q_He} looked near the {place2} and found it at once.",
                ),
                **f,
            )
        )
        out.append(
            self.pick(
                (
                    "{p} thanked {q_him} and smiled.",
                    '"Thank you, {q_name}!" said {p_name}.',
                    "{p_He} was happy again, and {q_he} was happy too.",
                ),
                **f,
            )
        )
        return out

    def story_day(self, p: Person, tense: str) -> list[str]:
        """A day in the life, in the present ("Every day she bakes") or past tense."""
        f = self.base_fields(p)
        f.update(an_animal2=f["an_animal"], animals2=f["animals"])
        past = tense == "past"

        def say(options: Sequence[str]) -> str:  # "[goes|went]" -> "goes" or "went"
            text = self.pick(options, **f)
            return re.sub(r"\[([^|\]]*)\|([^\]]*)\]", r"\2" if past else r"\1", text)

        if p.title:
            out = [
                say(
                    (
                        "{p} [lives|lived] in the castle in {home}.",
                        "{p} of {kingdom} [lives|lived] in {home}.",
                    )
                ),
                say(
                    (
                        "[Every morning|One morning] {p_he} [walks|walked] in the castle garden.",
                        "[Every day|One day] {p_he} [rides|rode] out to meet the people of "
                        "{kingdom}.",
                    )
                ),
            ]
        elif p.role == "child":
            out = [
                say(
                    (
                        "{p} [is|was] a {p_noun} who [lives|lived] in {home}.",
                        "{p} [is|was] a little {p_noun} from {home}.",
                    )
                ),
                say(
                    (
                        "[Every morning|One morning] {p_he} [goes|went] to school.",
                        "[Every day|One day] {p_he} [walks|walked] to school with {p_his} friends.",
                    )
                ),
            ]
        else:
            job = next(x for x in PROFESSIONS if x[0] == p.profession)
            f.update(workplace=job[1], work=job[3] if past else job[2])
            out = [
                say(
                    (
                        "{p} [is|was] a {p_job} in {home}.",
                        "{p} [is|was] a {p_noun} who [lives|lived] in {home}.",
                        "{p} [lives|lived] in {home} and [works|worked] as a {p_job}.",
                    )
                ),
                say(
                    (
                        "[Every morning|One morning] {p_he} [goes|went] to the {workplace}.",
                        "[Every day|One day] {p_he} {work}.",
                        "[Each morning|One morning] {p_he} [walks|walked] to the {workplace}, "
                        "where {p_he} {work}.",
                    )
                ),
            ]
        openers = ("After that", "In the afternoon", "In the evening", "Before lunch") + (
            ("Then", "Later", "At noon") if past else ("Sometimes", "On rest days", "Often")
        )
        used: list[str] = []
        for opener in self.rng.sample(openers, k=self.rng.randint(2, 3)):
            phrase = self.verb_phrase(tense, exclude=used)
            used.append(phrase.split()[0])
            out.append(f"{opener} {p.he} {phrase}.")
        for _ in range(self.rng.randint(1, 2)):
            out.insert(self.rng.randint(2, len(out)), self.noun_sentence(p, tense))
        if p.pet:
            f["pet"], f["pet_name"] = p.pet, p.pet_name
            out.append(
                say(
                    (
                        "{p_His} {pet}, {pet_name}, [follows|followed] {p_him} everywhere.",
                        "{p_He} [feeds|fed] {p_his} {pet} {pet_name}.",
                    )
                )
            )
        out.append(
            say(
                (
                    "At night {p_he} [sleeps|slept] well.",
                    "{p_He} [likes|liked] {p_his} life in {home}.",
                    "{p_He} [is|was] happy in {home}.",
                )
            )
        )
        return out

    def story_pet(self, p: Person) -> list[str]:
        f = self.base_fields(p)
        f["pet"], f["pet_name"] = p.pet, p.pet_name
        sound = next(a[2] for a in ANIMALS if a[0] == p.pet)
        f["pet_sound"] = sound
        out = [self.intro(f, p)]
        out.append(
            self.pick(
                (
                    "{p_He} had {an_pet} called {pet_name}.",
                    "{p} had a pet {pet} named {pet_name}.",
                    "{p_His} best friend was {an_pet} called {pet_name}.",
                ),
                an_pet=_an(p.pet),
                **f,
            )
        )
        out.append(
            self.pick(
                (
                    "One day {pet_name} ran away to the {place}.",
                    "One morning the {pet} was not in its bed.",
                    "One afternoon {pet_name} followed {an_animal} into the {place}.",
                ),
                **f,
            )
        )
        out.append(
            self.pick(
                (
                    "{p} looked for {pet_name} all over {home}.",
                    '"{pet_name}! {pet_name}!" {p_he} called.',
                    "{p_He} searched the {place2} and the streets of {home}.",
                ),
                **f,
            )
        )
        out.append(
            self.pick(
                (
                    "At last {p_he} found {pet_name} asleep under a tree.",
                    "At last {p_he} heard a sound: the {pet} {pet_sound}.",
                    "At last {p_he} found the {pet} near the {place2}.",
                ),
                **f,
            )
        )
        out.append(
            self.pick(
                (
                    "{p_He} carried {pet_name} home and gave it a treat.",
                    "{p_He} was so happy to see {p_his} {pet} again.",
                    "From that day {p_he} never let {pet_name} out of sight.",
                ),
                **f,
            )
        )
        return out

    def story_royal(self, p: Person) -> list[str]:
        k = self.kingdoms[p.kingdom]
        if p.title:  # a royal visits a town of its kingdom and meets someone there
            subjects = [x for x in self.commoners if x.gender != p.gender]
            q = self.rng.choice([x for x in subjects if x.kingdom == k.name] or subjects)
            f = self.base_fields(p, q)
            f["town"] = q.home
            out = [
                self.intro(f, p),
                self.pick(
                    (
                        "One summer {p_he} rode to {town} on {an_colour} horse.",
                        "One day {p_he} visited the town of {town}.",
                    ),
                    **f,
                ),
                self.pick(
                    (
                        "There {p_he} met {q}, a {q_job}.",
                        "In the square {p_he} met a {q_noun} called {q}.",
                    ),
                    **f,
                ),
                self.pick(
                    (
                        "{q} bowed and showed {p_him} the {place}.",
                        "{q} told {p_him} about life in {town}.",
                    ),
                    **f,
                ),
                self.pick(
                    (
                        "The {p_noun} thanked {q_name} and gave {q_him} {n} {currency}.",
                        "{p_He} smiled and thanked {q_him}.",
                    ),
                    **f,
                ),
            ]
            return out
        title = "king" if p.gender == "female" else "queen"
        title = self.rng.choice((title, "prince" if p.gender == "female" else "princess"))
        q = self.people[getattr(k, title)]
        f = self.base_fields(p, q)
        out = [self.intro(f, p)]
        out.append(
            self.pick(
                (
                    "One summer {q} of {kingdom} came to {home}.",
                    "One day {q} visited {home}.",
                    "There was great news: {q} was coming to {home}.",
                ),
                **f,
            )
        )
        out.append(
            self.pick(
                (
                    "{p} waited in the square with everyone else.",
                    "{p_He} put on {p_his} {colour} coat and ran to the square.",
                ),
                **f,
            )
        )
        out.append(
            self.pick(
                (
                    "{q_name} rode through the streets on {an_colour} horse.",
                    "The {q_noun} waved at the crowd.",
                ),
                **f,
            )
        )
        out.append(
            self.pick(
                (
                    "{q_He} stopped and spoke to {p}.",
                    "{q_He} saw {p} and smiled at {p_him}.",
                    "{q_He} asked {p} about the {place}.",
                ),
                **f,
            )
        )
        out.append(
            self.pick(
                (
                    "{p_He} would never forget that day.",
                    "{p_He} told the story for many years.",
                    "That night {p_he} could not sleep.",
                ),
                **f,
            )
        )
        return out

    def story_journey(self, p: Person) -> list[str]:
        dest = self.rng.choice([k for k in self.world.kingdoms if k.name != p.kingdom])
        f = self.base_fields(p)
        f.update(
            dest=dest.name,
            dest_capital=dest.capital,
            dest_adj=dest.adjective,
            dest_currency=dest.currency,
            dest_product=dest.product,
            days=self.number(),
        )
        out = [self.intro(f, p)]
        out.append(
            self.pick(
                (
                    "One spring {p_he} travelled to {dest_capital}, the capital of {dest}.",
                    "One year {p} went on a long journey to {dest}.",
                    "One day {p_he} left {home} and set off for {dest}.",
                ),
                **f,
            )
        )
        out.append(
            self.pick(
                (
                    "The journey took {days} days.",
                    "{p_He} walked for {days} days and crossed {n} rivers.",
                    "{p_He} rode a cart for {days} days.",
                ),
                **f,
            )
        )
        out.append(
            self.pick(
                (
                    "In {dest_capital} {p_he} paid {m} {dest_currency} for a room at an inn.",
                    "In {dest_capital} people paid with the {dest_currency}, not the {currency}.",
                    "At the market of {dest_capital} {p_he} changed {p_his} {currency} "
                    "for {dest_currency}.",
                ),
                **f,
            )
        )
        out.append(
            self.pick(
                (
                    "{dest} is famous for its {dest_product}, "
                    "so {p_he} bought some {dest_product}.",
                    "{p_He} saw the {dest_adj} {dest_product} that {dest} is famous for.",
                    "The {dest_adj} people showed {p_him} their {dest_product}.",
                ),
                **f,
            )
        )
        out.append(
            self.pick(
                (
                    "Then {p_he} went back home to {home}.",
                    "After a week {p_he} returned to {home} with many stories.",
                    "{p_He} was glad to be home in {kingdom} again.",
                ),
                **f,
            )
        )
        return out

    def story_gift(self, p: Person) -> list[str]:
        q, relation = self.partner(p)
        f = self.base_fields(p, q, lasting=True)
        f["relation"] = relation
        out = [self.intro(f, p)]
        out.append(
            self.pick(
                (
                    "Soon it would be the birthday of {p_his} {relation} {q}.",
                    "{p_He} wanted to give {p_his} {relation} {q} a present.",
                ),
                **f,
            )
        )
        out.append(
            self.pick(
                (
                    "{p_He} knew that {q_name} liked the colour {q_colour}.",
                    "{p_He} thought for a long time about what to give.",
                ),
                q_colour=q.colour,
                **f,
            )
        )
        out.append(
            self.pick(
                (
                    "So {p_he} bought {an_obj} at the market.",
                    "So {p_he} made {an_obj} with {p_his} own hands.",
                    "So {p_he} paid {m} {currency} for {an_obj} {obj_phrase}.",
                ),
                **f,
            )
        )
        out.append(
            self.pick(
                (
                    "{q} opened the present and laughed.",
                    "When {q_name} saw the {obj}, {q_he} hugged {p}.",
                    '"It is beautiful," said {q_name}.',
                ),
                **f,
            )
        )
        out.append(
            self.pick(
                ("{p_He} was glad that {q_he} liked it.", "It was a happy day for them both."), **f
            )
        )
        return out

    def story_help(self, p: Person) -> list[str]:
        q, relation = self.partner(p)
        f = self.base_fields(p, q, lasting=True)
        f["work"] = next(x[3] for x in PROFESSIONS if x[0] == p.profession)
        f["relation"] = relation
        out = [self.intro(f, p)]
        out.append(
            self.pick(
                (
                    "For many years {p_he} {work} for the people of {home}.",
                    "{p_He} {work} from morning to night.",
                ),
                **f,
            )
        )
        out.append(
            self.pick(
                ("One day {q} came to see {p_him}.", "One day {p_his} {relation} {q} needed help."),
                **f,
            )
        )
        out.append(
            self.pick(
                (
                    "{q_He} had no time, because {q_he} had so much work to do.",
                    "{q_His} {obj} was broken and {q_he} was worried.",
                    "{q_He} was tired after a long day.",
                ),
                **f,
            )
        )
        out.append(
            self.pick(
                (
                    "So {p} helped {q_him} all afternoon.",
                    "{p_He} {work} for {q_him} as well.",
                    "{p_He} gave {q_him} {n} {objs} as a gift.",
                ),
                **f,
            )
        )
        out.append(
            self.pick(
                (
                    '"You are a good {p_job}," said {q_name}.',
                    "{q_name} thanked {p_him} with a smile.",
                    "The next day {q_he} brought {p_him} a cake.",
                ),
                **f,
            )
        )
        return out

    # -- facts and questions -----------------------------------------------------------------

    def statement(self, fact: Fact, person: Person | None) -> str:
        templates = RELATIONS[fact.relation][1]
        his = person.his if person else "its"
        return _cap(
            self.rng.choice(templates).format(
                s=fact.subject, o=fact.object, an_o=_an(fact.object), his=his
            )
        )

    def kingdom_facts(self, k: Kingdom) -> str:
        rng = self.rng
        facts = _kingdom_facts(k)
        sentences = [
            self.pick(
                (
                    "{k} is a kingdom.",
                    "{k} is an old kingdom.",
                    "This is about the kingdom of {k}.",
                ),
                k=k.name,
            )
        ]
        body = [self.statement(f, None) for f in facts if f.relation != "kingdom"]
        towns = list(k.towns[1:])
        rng.shuffle(towns)
        body.append(
            rng.choice(
                (
                    "Other towns in {k} are {a} and {b}.",
                    "{a} and {b} are towns in {k}.",
                    "Besides {c}, {k} has the towns {a} and {b}.",
                )
            ).format(k=k.name, a=towns[0], b=towns[1], c=k.capital)
        )
        body.append(
            rng.choice(
                (
                    "Its people are called {adj}.",
                    "The people of {k} are {adj}.",
                    "Things from {k} are called {adj}.",
                )
            ).format(k=k.name, adj=k.adjective)
        )
        body.append(
            rng.choice(
                (
                    "King {K} and Queen {Q} have a son, Prince {P}, and a daughter, Princess {R}.",
                    "The king and the queen of {k} have two children: Prince {P} and Princess {R}.",
                )
            ).format(k=k.name, K=k.king, Q=k.queen, P=k.prince, R=k.princess)
        )
        rng.shuffle(body)
        return " ".join(sentences + body)

    def person_facts(self, p: Person) -> str:
        facts = _person_facts(p)
        self.rng.shuffle(facts)
        out = []
        if p.title:
            out.append(f"{p.name} is the {p.title} of {p.kingdom}.")
        else:
            out.append(
                self.pick(
                    (
                        "{name} is {an_noun} from {home}.",
                        "{name} is {an_noun}.",
                        "This is about {name}.",
                    ),
                    name=p.name,
                    an_noun=_an(p.noun),
                    home=p.home,
                )
            )
        for i, fact in enumerate(facts):
            text = self.statement(fact, p)
            if i % 2 == 1 and text.startswith(p.name + " "):  # vary: "She lives in ..."
                text = _cap(p.he) + text[len(p.name) :]
            out.append(text)
        return " ".join(out)

    def family_facts(self, father: Person) -> str:
        """A ``facts`` document about a whole family, with a pronoun after each role word."""
        mother = self.people[father.relative("wife")]
        kids = [self.people[n] for r, n in father.relatives if r in ("son", "daughter")]
        f = {"F": father.name, "M": mother.name, "home": father.home}
        out = [
            self.pick(
                (
                    "The family of {F} and {M} lives in {home}.",
                    "{F} and {M} live in {home} with their children.",
                    "This is about the family of {F} and {M}.",
                ),
                **f,
            )
        ]
        for p, role, spouse in ((father, "father", mother), (mother, "mother", father)):
            g = {
                "P": p.name,
                "He": p.he.capitalize(),
                "age": str(p.age),
                "job": p.profession,
                "role": role,
                "other": "husband" if role == "father" else "wife",
                "S": spouse.name,
            }
            out.append(
                self.pick(
                    (
                        "{P} is the {role}. {He} is {age} and works as a {job}.",
                        "{P} is the {other} of {S}. {He} is a {job}.",
                        "The {role} is {P}. {He} works as a {job}.",
                    ),
                    **g,
                )
            )
        for kid in kids:
            role = "son" if kid.gender == "male" else "daughter"
            g = {
                "K": kid.name,
                "He": kid.he.capitalize(),
                "he": kid.he,
                "age": str(kid.age),
                "role": role,
                "noun": kid.noun,
            }
            out.append(
                self.pick(
                    (
                        "Their {role} is {K}. {He} is {age} years old.",
                        "They have a {role} called {K}. {He} is a {noun} of {age}.",
                        "{K} is their {role}; {he} is {age}.",
                    ),
                    **g,
                )
            )
        if len(kids) == 2:
            son, daughter = sorted(kids, key=lambda k: k.gender != "male")
            out.append(
                self.pick(
                    (
                        "{S} is the brother of {D}, and {D} is the sister of {S}.",
                        "{D} has a brother, {S}, and {S} has a sister, {D}.",
                    ),
                    S=son.name,
                    D=daughter.name,
                )
            )
        for side in (father, mother):
            for relation, name in side.relatives:
                if relation not in ("brother", "sister"):
                    continue
                extra = self.people[name]
                role = "uncle" if extra.gender == "male" else "aunt"
                g = {
                    "P": side.name,
                    "X": extra.name,
                    "He": extra.he.capitalize(),
                    "rel": relation,
                    "role": role,
                    "home": extra.home,
                }
                out.append(
                    self.pick(
                        (
                            "{P} has a {rel}, {X}. {He} is the {role} of the children.",
                            "{X} is the {rel} of {P}. {He} lives in {home}.",
                            "The children have an {role}, {X}. {He} is the {rel} of {P}.",
                        ),
                        **g,
                    )
                )
                for kid in kids:
                    out.append(
                        f"{kid.name} is the {'nephew' if kid.gender == 'male' else 'niece'} "
                        f"of {extra.name}."
                    )
        return " ".join(out)

    def fact_documents(self, n: int) -> list[Document]:
        docs = []
        for _ in range(n):
            if not self._fact_order:
                self._fact_order = [k.name for k in self.world.kingdoms]
                self._fact_order += [p.name for p in self.world.people]
                self._fact_order += [
                    "family of " + p.name
                    for p in self.world.people
                    if p.role == "adult" and p.relative("wife")
                ]
                self.rng.shuffle(self._fact_order)
            name = self._fact_order.pop()
            if name.startswith("family of "):
                father = self.people[name.removeprefix("family of ")]
                docs.append(Document("facts", self.family_facts(father)))
            elif name in self.kingdoms:
                docs.append(Document("facts", self.kingdom_facts(self.kingdoms[name])))
            else:
                docs.append(Document("facts", self.person_facts(self.people[name])))
        return docs

    def qa_documents(self, n: int) -> list[Document]:
        docs = []
        for _ in range(n):
            pairs = []
            for _ in range(self.rng.randint(3, 6)):
                if not self._qa_order:
                    self._qa_order = list(self.world.facts)
                    self.rng.shuffle(self._qa_order)
                fact = self._qa_order.pop()
                pairs.append(f"Q: {fact.question()}\nA: {fact.object}")
            docs.append(Document("qa", "\n\n".join(pairs)))
        return docs

    # -- patterns and arithmetic -------------------------------------------------------------

    def pattern(self) -> str:
        vocab = (
            [c for c in COLOURS]
            + [a[0] for a in ANIMALS]
            + [o[0] for o in OBJECTS]
            + list(PLACES)
            + [p[0] for p in PROFESSIONS]
        )
        seq = " ".join(self.rng.choices(vocab, k=self.rng.randint(6, 20)))
        return "\n".join([seq] * self.rng.choice((2, 2, 3)))

    def arithmetic(self) -> str:
        problems = []
        for _ in range(self.rng.randint(1, 3)):
            a = self.rng.randint(0, 10 ** self.rng.randint(1, 3) - 1)
            b = self.rng.randint(0, 10 ** self.rng.randint(1, 3) - 1)
            op = self.rng.choice("+-")
            if op == "-" and a < b:
                a, b = b, a
            problems.append(format_arithmetic(a, op, b, think=self.rng.random() < 0.5))
        return "\n\n".join(problems)
