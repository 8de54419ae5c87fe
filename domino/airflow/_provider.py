def get_provider_info():
    return {"package-name": "dominodatalab", "name": "Domino", "description": "Domino"}
