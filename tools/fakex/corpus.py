# ruff: noqa: RUF001 - non-Latin letters are the point of this file
"""Word lists and Unicode samples the tweet generator draws from.

Data only. The samples are chosen to break careless code: 4-byte emoji (a
UTF-16 surrogate pair each), ZWJ sequences and flags (several code points that
render as one glyph), combining marks (``e`` + U+0301 is not ``é``) and
right-to-left scripts with direction marks.
"""

from __future__ import annotations

from typing import Final

#: Filler words per language code (the tweet's ``lang``).
WORDS: Final[dict[str, tuple[str, ...]]] = {
    "en": (
        "the", "stream", "today", "really", "love", "new", "just", "launch", "morning",
        "coffee", "team", "build", "ship", "weekend", "update", "tonight", "game", "music",
        "city", "rain", "sunny", "check", "out", "great", "thread", "thanks", "everyone",
        "waiting", "finally", "release", "data", "cloud", "story", "people", "working",
        "again", "better", "long", "week", "happy", "news", "live", "watch", "join", "us",
    ),
    "es": (
        "hoy", "nuevo", "gracias", "mañana", "equipo", "partido", "música", "ciudad",
        "lluvia", "semana", "noticias", "siempre", "todos", "vamos", "café", "trabajo",
        "feliz", "noche", "juego", "ahora", "mejor", "historia", "gente", "fin",
    ),
    "pt": (
        "hoje", "obrigado", "amanhã", "time", "jogo", "música", "cidade", "chuva",
        "semana", "notícias", "sempre", "todos", "vamos", "café", "trabalho", "feliz",
        "noite", "agora", "melhor", "história", "gente", "saudade",
    ),
    "fr": (
        "aujourd'hui", "nouveau", "merci", "demain", "équipe", "match", "musique", "ville",
        "pluie", "semaine", "nouvelles", "toujours", "café", "travail", "heureux", "soir",
        "jeu", "maintenant", "mieux", "histoire", "gens", "déjà", "très",
    ),
    "de": (
        "heute", "neu", "danke", "morgen", "Mannschaft", "Spiel", "Musik", "Stadt",
        "Regen", "Woche", "Nachrichten", "immer", "alle", "Kaffee", "Arbeit", "glücklich",
        "Abend", "jetzt", "besser", "Geschichte", "Leute", "schön", "Straße",
    ),
    "ja": (
        "今日", "新しい", "ありがとう", "明日", "チーム", "試合", "音楽", "東京", "雨",
        "週末", "ニュース", "いつも", "みんな", "コーヒー", "仕事", "嬉しい", "夜", "ゲーム",
        "今", "最高", "物語", "配信",
    ),
    "ar": (
        "اليوم", "جديد", "شكرا", "غدا", "فريق", "مباراة", "موسيقى", "مدينة", "مطر",
        "أسبوع", "أخبار", "دائما", "الجميع", "قهوة", "عمل", "سعيد", "ليلة", "الآن",
        "أفضل", "قصة", "الناس",
    ),
    "he": (
        "היום", "חדש", "תודה", "מחר", "קבוצה", "משחק", "מוזיקה", "עיר", "גשם", "שבוע",
        "חדשות", "תמיד", "כולם", "קפה", "עבודה", "שמח", "לילה", "עכשיו", "יותר", "סיפור",
    ),
    "hi": (
        "आज", "नया", "धन्यवाद", "कल", "टीम", "मैच", "संगीत", "शहर", "बारिश", "सप्ताह",
        "खबर", "हमेशा", "सब", "चाय", "काम", "खुश", "रात", "अभी", "बेहतर", "कहानी",
    ),
}  # fmt: skip

#: Relative weights of tweet languages, roughly as on the sample stream.
LANG_WEIGHTS: Final[tuple[tuple[str, int], ...]] = (
    ("en", 40), ("ja", 14), ("es", 10), ("pt", 7), ("ar", 7), ("fr", 4), ("de", 3),
    ("he", 2), ("hi", 3),
)  # fmt: skip

#: Right-to-left languages; their tweets may carry direction marks.
RTL_LANGS: Final = frozenset({"ar", "he"})

#: 4-byte emoji, ZWJ sequences, skin tones and flags.
EMOJI: Final[tuple[str, ...]] = (
    "😀", "🚀", "🔥", "🎉", "💙", "🙏", "😂", "🤖", "🌧️", "⚽",
    "👩\u200d💻", "👨\u200d👩\u200d👧", "👍🏽", "🇯🇵", "🇧🇷", "🏳️\u200d🌈", "🧵", "📈",
)  # fmt: skip

#: Words spelled with combining marks (decomposed, not NFC).
COMBINING: Final[tuple[str, ...]] = (
    "cafe\u0301", "nai\u0308ve", "Zoe\u0308", "pin\u0303ata", "resume\u0301",
    "A\u030angstro\u0308m", "Z\u0335a\u0335l\u0335g\u0335o\u0335",
)  # fmt: skip

#: Right-to-left snippets, some wrapped in direction marks.
RTL_SNIPPETS: Final[tuple[str, ...]] = (
    "\u200fمرحبا بالعالم\u200f", "שלום עולם", "\u202bنص عربي\u202c", "\u200fעברית\u200f",
)  # fmt: skip

#: Hashtags used for colour (rules add their own).
HASHTAGS: Final[tuple[str, ...]] = (
    "news", "tech", "python", "WorldCup", "music", "AI", "breaking", "cloud", "photography",
    "日本", "café", "Data", "OpenSource", "weather",
)  # fmt: skip

#: Domains for link entities.
DOMAINS: Final[tuple[str, ...]] = (
    "example.com", "news.example.org", "blog.example.net", "docs.example.io", "shop.example.co",
)  # fmt: skip

#: Parts of display names.
FIRST_NAMES: Final[tuple[str, ...]] = (
    "Alice", "Bruno", "Chloé", "Dmitri", "Emeka", "Fatima", "Guo", "Hana", "Ivan", "José",
    "Kenji", "Layla", "Mateo", "Noa", "Olu", "Priya", "Quinn", "Rania", "Sven", "Tomás",
    "محمد", "שרה", "Zoe\u0308", "さくら", "Ana", "Björn",
)  # fmt: skip
LAST_NAMES: Final[tuple[str, ...]] = (
    "Smith", "Silva", "Müller", "Tanaka", "Okafor", "Haddad", "Cohen", "García", "Ivanova",
    "Kim", "Nguyen", "Rossi", "Dubois", "Sharma", "Larsen", "O'Brien",
)  # fmt: skip

#: Syllables for usernames (ASCII, as X requires).
SYLLABLES: Final[tuple[str, ...]] = (
    "ka", "lo", "mi", "ra", "ze", "to", "pu", "ne", "vi", "sa", "do", "re", "xo", "li",
    "bo", "ta", "ny", "qu", "fe", "ga",
)  # fmt: skip

#: Bio and location colour.
BIOS: Final[tuple[str, ...]] = (
    "Opinions are my own.", "Coffee, code, cats ☕🐈", "Journalist. DMs open.",
    "Building things in the cloud ☁️", "🇧🇷 | música | futebol", "ここにいます",
    "Official account", "\u200fمطور برمجيات\u200f", "",
)  # fmt: skip
LOCATIONS: Final[tuple[str, ...]] = (
    "Lagos", "São Paulo", "東京", "Berlin", "Tel Aviv", "القاهرة", "Mumbai", "New York, NY",
    "", "Earth 🌍",
)  # fmt: skip
