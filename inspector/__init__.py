"""Lock Inspector desktop app."""
