"""House rules checked for every page and API endpoint, found by walking the URL resolver."""
