"""The browser front end: the advice page, the admin console and their static files."""
