"""Django settings for the admin site."""
DEBUG = False
CORS_ALLOW_ALL_ORIGINS = True
