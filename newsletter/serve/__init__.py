"""`newsletter serve`: the audience endpoints (unsubscribe, sign-up, confirmation) on uvicorn.

Imported only by the `serve` command (and its tests): Starlette and uvicorn
never load for the other commands.  app.py holds the routes, audience.py what
they do to newsletter.db, gateway.py the proxy/header/log layer, runner.py
the uvicorn process.
"""
