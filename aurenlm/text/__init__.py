"""Text helpers shared by search, chat and the studio: query analysis, sentences, phrases, stopwords."""
