"""Local stand-ins for outside services (the Gemini API), so tests run the real clients without a network."""
